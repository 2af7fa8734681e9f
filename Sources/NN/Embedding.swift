import Tensor

/// A lookup table: row i of the weight is the vector of token i. Backward scatters into the weight's gradient.
public final class Embedding {
    public let count: Int
    public let dim: Int
    public let weight: Parameter  // (V, C)
    private var ids: [Int32] = []

    public init(count: Int, dim: Int) {
        self.count = count
        self.dim = dim
        weight = Parameter(Tensor(zeros: [count, dim]))
    }

    /// ids (N) → (N, C). Ids must be in 0..<count (checked: a bad id is a caller bug, not bad user input).
    public func forward(_ ids: [Int32], training: Bool = false) -> Tensor {
        let y = Tensor(uninitializedShape: [ids.count, dim])
        for (r, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < count, "token id \(id) out of range 0..<\(count)")
            y.row(r).update(from: weight.value.row(Int(id)), count: dim)
        }
        self.ids = training ? ids : []
        return y
    }

    /// Accumulates dW[id] += dy[row]; returns nothing since ids have no gradient.
    public func backward(_ dy: Tensor) {
        guard let dW = weight.grad else { return }
        for (r, id) in ids.enumerated() { Kernels.add(dy.row(r), into: dW.row(Int(id)), dim) }
    }
}
