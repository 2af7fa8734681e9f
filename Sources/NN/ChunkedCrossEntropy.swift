import Foundation
import Tensor

/// Next-token cross-entropy over selected rows of the final hidden states, computed `chunkRows` rows at a time, so
/// the (N, V) logits of a batch never exist: with Qwen's V = 151,936, 4 × 256 positions would need 620 MB of logits
/// and as much again for their gradient; a chunk of 256 rows needs 156 MB once.
///
/// Only the rows that carry a target are scored (completion tokens of SFT: prompt positions are never projected to
/// the vocabulary). The loss is the *sum* of −log p(target) over those rows, and the hidden-state gradient is scaled
/// by `1 / normalizer`: the caller passes the number of target tokens of the whole optimiser step, across every
/// micro-batch, so gradient accumulation gives exactly the gradient of one large batch (not a mean of means).
public struct ChunkedCrossEntropy {
    /// Rows per logits chunk.
    public var chunkRows: Int

    public init(chunkRows: Int = 256) {
        precondition(chunkRows > 0)
        self.chunkRows = chunkRows
    }

    public struct Result {
        /// Σ −log p(target) over the scored rows (Double: thousands of terms).
        public var lossSum: Double
        /// Rows whose argmax is the target (ties: the lowest id, as torch.argmax).
        public var correct: Int
        /// d(lossSum / normalizer) / d hidden (N, C); rows without a target are zero. (0, C) without `inputGradient`.
        public var dHidden: Tensor
    }

    /// hidden (N, C); `rows[i]` is predicted to be `targets[i]`. `logits(h)` maps R hidden rows (R, C) to (R, V);
    /// `inputGradient(dz)` maps dLogits (R, V) to dHidden (R, C) for the rows of the last `logits` call (nil: loss
    /// and accuracy only, as for validation).
    public func lossAndGradient(hidden: Tensor, rows: [Int], targets: [Int32], normalizer: Float,
                                logits: (Tensor) -> Tensor, inputGradient: ((Tensor) -> Tensor)?) -> Result {
        precondition(rows.count == targets.count, "one target per scored row")
        precondition(normalizer > 0, "normalizer must be positive")
        let c = hidden.columns
        let dHidden = Tensor(zeros: inputGradient == nil ? [0, c] : [hidden.rows, c])
        var lossSum = 0.0, correct = 0
        for start in stride(from: 0, to: rows.count, by: chunkRows) {
            let chunk = start..<min(start + chunkRows, rows.count)
            let h = Tensor(uninitializedShape: [chunk.count, c])
            withExtendedLifetime(hidden) {
                for (i, r) in rows[chunk].enumerated() {
                    precondition(r >= 0 && r < hidden.rows, "row \(r) outside 0..<\(hidden.rows)")
                    h.row(i).update(from: hidden.row(r), count: c)
                }
            }
            let z = logits(h)
            let v = z.columns
            var losses = [Double](repeating: 0, count: chunk.count)
            var hits = [Bool](repeating: false, count: chunk.count)
            let scale = 1 / normalizer
            losses.withUnsafeMutableBufferPointer { lossOut in
                hits.withUnsafeMutableBufferPointer { hitOut in
                    Parallel.forEachChunk(chunk.count, cost: 4 * v) { part in
                        for i in part {
                            let t = Int(targets[chunk.lowerBound + i])
                            precondition(t >= 0 && t < v, "target \(t) outside the vocabulary 0..<\(v)")
                            let row = z.row(i)
                            let zt = row[t], m = Kernels.max(row, v)
                            // Correct when the target holds the maximum first (torch.argmax takes the lowest id).
                            if zt == m { hitOut[i] = !(0..<t).contains { row[$0] == m } }
                            // loss = log Σ exp(z − m) − (z_t − m); dz = softmax − onehot, scaled by 1 / normalizer.
                            Kernels.map(v, row, row) { VectorMath.exp($0 - Vec8(repeating: m)) }
                            let total = Kernels.sum(row, v)
                            lossOut[i] = Double(Foundation.log(total)) - Double(zt - m)
                            Kernels.scale(row, v, by: scale / total)
                            row[t] -= scale
                        }
                    }
                }
            }
            lossSum += losses.reduce(0, +)
            correct += hits.lazy.filter { $0 }.count
            guard let inputGradient else { continue }
            let dh = inputGradient(z)
            withExtendedLifetime(dh) {
                for (i, r) in rows[chunk].enumerated() { Kernels.add(dh.row(i), into: dHidden.row(r), c) }
            }
        }
        return Result(lossSum: lossSum, correct: correct, dHidden: dHidden)
    }
}
