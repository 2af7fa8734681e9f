import CFaiss

/// How FAISS compares vectors. Inner product on unit vectors is cosine similarity (higher is closer), the
/// sentence-transformers convention; L2 is squared Euclidean distance (lower is closer).
public enum DistanceMetric: String, Codable, CaseIterable, Sendable {
    case innerProduct = "inner_product"
    case l2

    var faissValue: Int32 {
        switch self {
        case .innerProduct: Int32(CFAISS_METRIC_INNER_PRODUCT)
        case .l2: Int32(CFAISS_METRIC_L2)
        }
    }

    init(faissValue: Int32) { self = faissValue == Int32(CFAISS_METRIC_L2) ? .l2 : .innerProduct }

    /// Whether a larger score means a closer match.
    public var higherIsCloser: Bool { self == .innerProduct }
}
