import Foundation
import Tensor

/// Rotary position embedding (Su et al. 2021, https://arxiv.org/abs/2104.09864) in Hugging Face's "rotate half"
/// layout, as Llama and Qwen2 apply it: within each head, element i pairs with element i + D/2 and the pair is rotated
/// by position·θ^(−2i/D). Angles are formed in float32 exactly as transformers forms them (inv_freq in float32,
/// position × inv_freq in float32), so long positions round the same way.
public struct RotaryEmbedding: Sendable {
    public let headDim: Int
    public let theta: Float
    public let inverseFrequencies: [Float]  // (D/2)

    public init(headDim: Int, theta: Float) {
        precondition(headDim % 2 == 0, "rotary head dimension must be even")
        self.headDim = headDim
        self.theta = theta
        inverseFrequencies = (0..<(headDim / 2)).map { i in 1 / powf(theta, Float(2 * i) / Float(headDim)) }
    }

    /// Rotates every head of every row of x (N, heads·D) in place; row r has position `positions[r]`.
    /// `inverse` rotates back (the backward pass of a rotation is its transpose).
    public func apply(_ x: Tensor, heads: Int, positions: [Int32], inverse: Bool = false) {
        let d = headDim, half = d / 2
        precondition(x.columns == heads * d && positions.count == x.rows, "rotary input shape")
        Parallel.forEachChunk(x.rows, cost: heads * d * 4) { rows in
            var cosines = [Float](repeating: 0, count: half), sines = [Float](repeating: 0, count: half)
            for r in rows {
                let p = Float(positions[r])
                for i in 0..<half {
                    let angle = p * inverseFrequencies[i]
                    cosines[i] = Float(Foundation.cos(Double(angle)))
                    sines[i] = inverse ? -Float(Foundation.sin(Double(angle))) : Float(Foundation.sin(Double(angle)))
                }
                let row = x.row(r)
                for h in 0..<heads {
                    let v = row + h * d
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        v[i] = a * cosines[i] - b * sines[i]
                        v[i + half] = b * cosines[i] + a * sines[i]
                    }
                }
            }
        }
    }
}
