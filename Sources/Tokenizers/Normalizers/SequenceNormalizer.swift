/// `Sequence`: runs its normalizers one after the other.
public struct SequenceNormalizer: Normalizer {
    public let normalizers: [any Normalizer]

    public init(_ normalizers: [any Normalizer]) { self.normalizers = normalizers }

    init(json: JSONNode) throws {
        let list = try json.required("normalizers").array()
        self.init(try list.map { try StageRegistry.build(StageRegistry.normalizers, stage: "normalizer", node: $0) })
    }

    public func normalize(_ text: inout NormalizedString) {
        for n in normalizers { n.normalize(&text) }
    }
}
