import Foundation
import Tensor

/// How the next token is chosen: greedy (`temperature` 0, transformers' `do_sample=False`) or sampled from the
/// softmax of logits/temperature restricted to the top-k tokens and to the smallest set whose probability reaches
/// top-p (transformers' TopK / TopP warpers, in that order).
public struct Sampling: Codable, Equatable, Sendable {
    public var temperature: Float = 0
    public var topK: Int = 0       // 0: no limit
    public var topP: Float = 1     // 1: no limit
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public static let greedy = Sampling()

    /// The token for one row of logits. Greedy ties go to the lowest id, as torch.argmax does.
    public func choose(_ logits: UnsafePointer<Float>, vocabulary v: Int, generator: inout RandomGenerator) -> Int32 {
        if temperature <= 0 {
            var best = 0
            for i in 1..<v where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        var candidates = (0..<v).map { (id: $0, logit: logits[$0] / temperature) }
        candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        if topK > 0 && topK < candidates.count { candidates.removeLast(candidates.count - topK) }
        let maxLogit = candidates[0].logit
        var probabilities = candidates.map { Double(Foundation.exp($0.logit - maxLogit)) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        if topP < 1 {
            var cumulative = 0.0, keep = 0
            while keep < probabilities.count {
                cumulative += probabilities[keep]
                keep += 1
                if cumulative >= Double(topP) { break }
            }
            candidates.removeLast(candidates.count - keep)
            probabilities.removeLast(probabilities.count - keep)
            let kept = probabilities.reduce(0, +)
            probabilities = probabilities.map { $0 / kept }
        }
        var u = Double(generator.next() >> 11) * 0x1p-53
        for (i, p) in probabilities.enumerated() {
            u -= p
            if u < 0 { return Int32(candidates[i].id) }
        }
        return Int32(candidates[candidates.count - 1].id)
    }
}
