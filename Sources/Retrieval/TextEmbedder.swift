import Tensor

/// What retrieval needs from an encoder: texts in, unit-length (or not) vectors out, and a fingerprint that says
/// which weights made them, so an index is never queried with vectors from another model.
/// `SentenceEncoder` conforms in SemanticSearch (Retrieval knows no model); tests use small fakes.
public protocol TextEmbedder: AnyObject {
    /// Vector size.
    var dimension: Int { get }
    /// Identifies the model and adapter weights, pooling and normalisation that produce the vectors.
    var fingerprint: EncoderFingerprint { get }
    /// (texts.count, dimension) row-major, row i for text i. `progress` receives the number of texts done.
    func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor
}

/// The identity of an encoder as stored with an index.
public struct EncoderFingerprint: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Model name or directory as given by the user (informational; not compared).
    public var model: String
    /// SHA-256 of the model weights file(s).
    public var weightsSHA256: String
    /// SHA-256 of the adapter weights, when an adapter is applied.
    public var adapterSHA256: String?
    public var dimension: Int
    public var pooling: String
    public var normalized: Bool

    public init(model: String, weightsSHA256: String, adapterSHA256: String? = nil, dimension: Int, pooling: String,
                normalized: Bool) {
        self.model = model
        self.weightsSHA256 = weightsSHA256
        self.adapterSHA256 = adapterSHA256
        self.dimension = dimension
        self.pooling = pooling
        self.normalized = normalized
    }

    /// Everything that decides the vectors (all but the informational model name), as one string.
    public var identity: String {
        "weights=\(weightsSHA256);adapter=\(adapterSHA256 ?? "none");dimension=\(dimension);pooling=\(pooling);normalized=\(normalized)"
    }

    /// Same vectors: everything but the informational model name agrees.
    public func isCompatible(with other: EncoderFingerprint) -> Bool { identity == other.identity }

    public var description: String {
        "\(model) (weights \(weightsSHA256.prefix(12))\(adapterSHA256.map { ", adapter \($0.prefix(12))" } ?? ""), "
            + "\(dimension) dims, \(pooling) pooling\(normalized ? ", normalised" : ""))"
    }
}
