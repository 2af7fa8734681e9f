import NN
import Tensor

/// Sentence embedding from token states: the mean over each sequence's tokens (sentence-transformers'
/// `pooling_mode_mean_tokens`), optionally L2-normalised (its `Normalize` module).
public final class MeanPooling {
    public let normalize: Bool
    private var saved: (layout: PackedSequences, pooled: Tensor, norms: [Float])?

    public init(normalize: Bool) { self.normalize = normalize }

    /// hidden (N, C) → (S, C)
    public func forward(_ hidden: Tensor, layout: PackedSequences, training: Bool = false) -> Tensor {
        let c = hidden.columns, s = layout.count
        let out = Tensor(zeros: [s, c])
        var norms = [Float](repeating: 1, count: s)
        for i in 0..<s {
            let o = out.row(i)
            for t in 0..<layout.lengths[i] { Kernels.add(hidden.row(layout.offsets[i] + t), into: o, c) }
            Kernels.scale(o, c, by: 1 / Float(layout.lengths[i]))
        }
        let pooled = training ? out.copy() : out
        if normalize {
            for i in 0..<s {
                let o = out.row(i)
                // torch.nn.functional.normalize: x / max(‖x‖, 1e-12)
                norms[i] = max(Kernels.dot(o, o, c).squareRoot(), 1e-12)
                Kernels.scale(o, c, by: 1 / norms[i])
            }
        }
        saved = training ? (layout, pooled, norms) : nil
        return out
    }

    /// dOut (S, C) → dHidden (N, C)
    public func backward(_ dOut: Tensor) -> Tensor {
        guard let (layout, pooled, norms) = saved else { preconditionFailure("MeanPooling.backward without a training forward") }
        let c = dOut.columns
        let dHidden = Tensor(uninitializedShape: [layout.tokenCount, c])
        let dPooled = Tensor(uninitializedShape: [layout.count, c])
        for i in 0..<layout.count {
            let g = dOut.row(i), dp = dPooled.row(i)
            if normalize {
                // y = x/‖x‖ ⇒ dx = (g − y·(y·g)) / ‖x‖
                let x = pooled.row(i), n = norms[i]
                let yg = Kernels.dot(x, g, c) / n
                for j in 0..<c { dp[j] = (g[j] - x[j] / n * yg) / n }
            } else {
                dp.update(from: g, count: c)
            }
            Kernels.scale(dp, c, by: 1 / Float(layout.lengths[i]))
            for t in 0..<layout.lengths[i] { dHidden.row(layout.offsets[i] + t).update(from: dp, count: c) }
        }
        return dHidden
    }
}
