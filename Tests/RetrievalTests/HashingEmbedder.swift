import Foundation
import Retrieval
import Tensor

/// A deterministic stand-in for a sentence encoder: each word adds 1 to a dimension chosen by its FNV-1a hash, then the
/// vector is L2-normalised. Texts sharing words get similar vectors, and a text's own vector scores 1 against itself.
final class HashingEmbedder: TextEmbedder {
    let dimension: Int
    let fingerprint: EncoderFingerprint
    private(set) var embeddedTexts = 0

    init(dimension: Int = 32, weights: String = "hashing-v1") {
        self.dimension = dimension
        fingerprint = EncoderFingerprint(model: "hashing", weightsSHA256: weights, dimension: dimension, pooling: "words",
                                         normalized: true)
    }

    func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor {
        let out = Tensor(zeros: [texts.count, dimension])
        for (i, text) in texts.enumerated() {
            let row = out.row(i)
            for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                row[Int(hash % UInt64(dimension))] += 1
            }
            var norm: Float = 0
            for j in 0..<dimension { norm += row[j] * row[j] }
            if norm == 0 { row[0] = 1; norm = 1 }
            norm = norm.squareRoot()
            for j in 0..<dimension { row[j] /= norm }
            if (i + 1) % 16 == 0 { progress?(i + 1) }
        }
        embeddedTexts += texts.count
        progress?(texts.count)
        return out
    }
}
