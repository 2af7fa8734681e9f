import Tensor

/// Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with probability p and scales the
/// rest by 1/(1−p). The generator is reseeded by the trainer for every step, so a run replays exactly on resume.
public final class Dropout {
    public let p: Float
    public var generator = RandomGenerator(seed: 0)
    private var mask: Tensor?   // same shape as the input: 0 or 1/(1−p)

    public init(p: Float) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        self.p = p
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, p > 0 else { mask = nil; return x }
        let m = Tensor(uninitializedShape: x.shape), y = Tensor(uninitializedShape: x.shape)
        let keep = 1 / (1 - p)
        for i in 0..<x.count { m[i] = generator.nextFloat() < p ? 0 : keep }
        Kernels.map2(x.count, x.data, m.data, y.data) { $0 * $1 }
        mask = m
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let m = mask else { return dy }
        let dx = Tensor(uninitializedShape: dy.shape)
        Kernels.map2(dy.count, dy.data, m.data, dx.data) { $0 * $1 }
        return dx
    }
}
