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

    /// cos and sin of every (row, frequency) for a list of positions: computed once per forward and shared by every
    /// layer (the trigonometry costs more than the rotation itself).
    public struct Angles: Sendable {
        public let rows: Int
        let cosines: [Float], sines: [Float]  // (rows, D/2)
    }

    public init(headDim: Int, theta: Float) {
        precondition(headDim % 2 == 0, "rotary head dimension must be even")
        self.headDim = headDim
        self.theta = theta
        inverseFrequencies = (0..<(headDim / 2)).map { i in 1 / powf(theta, Float(2 * i) / Float(headDim)) }
    }

    public func angles(_ positions: [Int32]) -> Angles {
        let half = headDim / 2
        var cosines = [Float](repeating: 0, count: positions.count * half), sines = cosines
        for (r, position) in positions.enumerated() {
            let p = Float(position)
            for i in 0..<half {
                let angle = Double(p * inverseFrequencies[i])
                cosines[r * half + i] = Float(Foundation.cos(angle))
                sines[r * half + i] = Float(Foundation.sin(angle))
            }
        }
        return Angles(rows: positions.count, cosines: cosines, sines: sines)
    }

    /// Rotates every head of every row of x (N, heads·D) in place; row r has position `positions[r]`.
    /// `inverse` rotates back (the backward pass of a rotation is its transpose).
    public func apply(_ x: Tensor, heads: Int, positions: [Int32], inverse: Bool = false) {
        apply(x, heads: heads, angles: angles(positions), inverse: inverse)
    }

    /// The same with the angles of the rows' positions already computed.
    public func apply(_ x: Tensor, heads: Int, angles: Angles, inverse: Bool = false) {
        let d = headDim, half = d / 2
        precondition(x.columns == heads * d && angles.rows == x.rows, "rotary input shape")
        angles.cosines.withUnsafeBufferPointer { cosines in
            angles.sines.withUnsafeBufferPointer { sines in
                Parallel.forEachChunk(x.rows, cost: heads * d * 4) { rows in
                    for r in rows {
                        let c = cosines.baseAddress! + r * half, s = sines.baseAddress! + r * half, row = x.row(r)
                        for h in 0..<heads {
                            let v = row + h * d
                            for i in 0..<half {
                                let a = v[i], b = v[i + half], sin = inverse ? -s[i] : s[i]
                                v[i] = a * c[i] - b * sin
                                v[i + half] = b * c[i] + a * sin
                            }
                        }
                    }
                }
            }
        }
    }
}
