import Foundation
import Tensor

/// In-batch InfoNCE as sentence-transformers' MultipleNegativesRankingLoss (Henderson et al. 2017,
/// https://arxiv.org/abs/1705.00652): for anchor i the candidates are every positive in the batch and every hard
/// negative of the batch (extra columns of the score matrix, any number of them: mined negatives come with some pairs
/// only), scored by cosine similarity × `scale`; the loss is the cross-entropy of picking positive i.
/// `symmetric` adds the positive → anchor direction (positive i must pick anchor i among the anchors; negatives
/// take no part) and averages the two, as sentence-transformers' MultipleNegativesSymmetricRankingLoss.
/// Loss and gradients are computed together, on embeddings, so GradCache can backpropagate from cached embeddings.
public struct InfoNCELoss: Sendable {
    public var scale: Float
    public var symmetric: Bool

    public init(scale: Float = 20, symmetric: Bool = false) {
        self.scale = scale
        self.symmetric = symmetric
    }

    public struct Result {
        public let loss: Float
        public let dAnchors: Tensor       // (B, C)
        public let dPositives: Tensor     // (B, C)
        public let dNegatives: Tensor?    // (N, C)
    }

    /// anchors, positives (B, C) and optional hard negatives (N, C), N ≥ 1 (the batch's, in any number: each is a
    /// candidate of every anchor). `duplicateKeys[i] == duplicateKeys[j]` (i ≠ j) marks pair j as a copy of pair i:
    /// candidate j is then left out of anchor i's softmax instead of counting as a false negative.
    public func callAsFunction(anchors: Tensor, positives: Tensor, negatives: Tensor? = nil,
                               duplicateKeys: [Int]? = nil) -> Result {
        let b = anchors.rows, c = anchors.columns
        precondition(positives.rows == b && positives.columns == c, "anchors and positives must both be (B, C)")
        precondition(negatives == nil || (negatives!.rows > 0 && negatives!.columns == c), "negatives must be (N, C), N ≥ 1")
        let (ua, na) = normalized(anchors), (up, np) = normalized(positives)
        let un = negatives.map(normalized)
        // Candidates for the anchors: positives then negatives, (M, C) with M = B + N.
        let n = un?.0.rows ?? 0, m = b + n
        let candidates = Tensor(uninitializedShape: [m, c])
        candidates.data.update(from: up.data, count: b * c)
        if let un { (candidates.data + b * c).update(from: un.0.data, count: n * c) }

        // Forward direction: logits (B, M) = s · â·ĉᵀ; gradient of the mean cross-entropy w.r.t. the logits.
        let (forwardLoss, dLogits) = crossEntropy(queries: ua, candidates: candidates, keys: duplicateKeys)
        var loss = forwardLoss
        let weight: Float = symmetric ? 0.5 : 1
        let dUA = Tensor(zeros: [b, c]), dCand = Tensor(zeros: [m, c])
        // d(â) = s·dL·ĉ, d(ĉ) = s·dLᵀ·â
        BLAS.gemm(m: b, n: c, k: m, alpha: scale * weight, a: dLogits.data, lda: m, b: candidates.data, ldb: c,
                  beta: 1, c: dUA.data, ldc: c)
        BLAS.gemm(transA: true, m: m, n: c, k: b, alpha: scale * weight, a: dLogits.data, lda: m, b: ua.data, ldb: c,
                  beta: 1, c: dCand.data, ldc: c)
        loss *= weight
        if symmetric {
            // Positive i must pick anchor i among all anchors.
            let (backLoss, dBack) = crossEntropy(queries: up, candidates: ua, keys: duplicateKeys)
            loss += 0.5 * backLoss
            BLAS.gemm(m: b, n: c, k: b, alpha: scale * 0.5, a: dBack.data, lda: b, b: ua.data, ldb: c,
                      beta: 1, c: dCand.data, ldc: c)
            BLAS.gemm(transA: true, m: b, n: c, k: b, alpha: scale * 0.5, a: dBack.data, lda: b, b: up.data, ldb: c,
                      beta: 1, c: dUA.data, ldc: c)
        }
        let dNeg: Tensor? = un.map { (unit, norms) in
            let part = Tensor(uninitializedShape: [n, c])
            part.data.update(from: dCand.data + b * c, count: n * c)
            return normalizeBackward(part, unit: unit, norms: norms)
        }
        let dPosPart = Tensor(uninitializedShape: [b, c])
        dPosPart.data.update(from: dCand.data, count: b * c)
        return Result(loss: loss, dAnchors: normalizeBackward(dUA, unit: ua, norms: na),
                      dPositives: normalizeBackward(dPosPart, unit: up, norms: np), dNegatives: dNeg)
    }

    /// Mean over queries of −log softmax(s·q·kᵀ)[i, i], and its gradient w.r.t. the logits: (softmax − onehot)/B.
    private func crossEntropy(queries: Tensor, candidates: Tensor, keys: [Int]?) -> (Float, Tensor) {
        let b = queries.rows, m = candidates.rows, c = queries.columns
        let logits = Tensor(uninitializedShape: [b, m])
        BLAS.gemm(transB: true, m: b, n: m, k: c, alpha: scale, a: queries.data, lda: c, b: candidates.data, ldb: c,
                  c: logits.data, ldc: m)
        var loss: Double = 0
        for i in 0..<b {
            let row = logits.row(i)
            if let keys {
                // Duplicated pairs among the first B candidates drop out (exp(−∞) = 0).
                for j in 0..<min(b, m) where j != i && keys[j] == keys[i] { row[j] = -.infinity }
            }
            var maxValue = -Float.infinity
            for j in 0..<m { maxValue = max(maxValue, row[j]) }
            var sum: Double = 0
            for j in 0..<m { sum += Double(Foundation.exp(row[j] - maxValue)) }
            loss += Double(maxValue) + Foundation.log(sum) - Double(row[i])
            for j in 0..<m { row[j] = Float(Double(Foundation.exp(row[j] - maxValue)) / sum) / Float(b) }
            row[i] -= 1 / Float(b)
        }
        return (Float(loss / Double(b)), logits)
    }

    private func normalized(_ x: Tensor) -> (Tensor, [Float]) {
        let y = x.copy()
        var norms = [Float](repeating: 0, count: x.rows)
        for r in 0..<x.rows {
            norms[r] = max(Kernels.dot(x.row(r), x.row(r), x.columns).squareRoot(), 1e-12)
            Kernels.scale(y.row(r), x.columns, by: 1 / norms[r])
        }
        return (y, norms)
    }

    /// y = x/‖x‖ ⇒ dx = (dy − y·(y·dy)) / ‖x‖
    private func normalizeBackward(_ dy: Tensor, unit y: Tensor, norms: [Float]) -> Tensor {
        let dx = Tensor(uninitializedShape: dy.shape)
        let c = dy.columns
        for r in 0..<dy.rows {
            let yr = y.row(r), g = dy.row(r), out = dx.row(r)
            let yg = Kernels.dot(yr, g, c)
            for j in 0..<c { out[j] = (g[j] - yr[j] * yg) / norms[r] }
        }
        return dx
    }
}
