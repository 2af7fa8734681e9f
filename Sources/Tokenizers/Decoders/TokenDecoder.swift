/// Last stage (`decoder`): turns tokens back into text pieces, which the tokenizer concatenates. Not called
/// `Decoder` so that modules importing this one keep `Swift.Decoder` for Codable.
public protocol TokenDecoder: Sendable {
    func decodeChain(_ tokens: [String]) -> [String]
}

extension Array where Element == Unicode.Scalar {
    /// Replaces every non-overlapping occurrence, left to right, comparing scalars (Rust's `str::replace`; Swift's
    /// `String` replacement compares Characters and would miss " ." before a combining mark).
    func replacing(_ target: [Unicode.Scalar], with replacement: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard !target.isEmpty, count >= target.count else { return self }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(count)
        var i = 0
        while i < count {
            if i + target.count <= count, self[i] == target[0], self[i..<i + target.count].elementsEqual(target) {
                out.append(contentsOf: replacement)
                i += target.count
            } else {
                out.append(self[i])
                i += 1
            }
        }
        return out
    }
}

extension String {
    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }
}
