import Foundation
import XCTest
import NN
import Tensor
import TestSupport
@testable import Encoder

/// BERT's train-mode dropout against PyTorch's in distribution (masks from different generators cannot be equal):
/// the mean over masks of 1 − cos(train-mode embedding, eval-mode embedding) of 16 GSM8K texts, with dropout on the
/// hidden states, on the attention probabilities, and on both (scripts/reference/dropout_statistics_fixtures.py).
/// A dropout in the wrong place, missing, or scaled wrongly moves this mean by far more than its sampling error.
final class DropoutStatisticsTests: XCTestCase {
    struct Fixture: Decodable {
        struct Setting: Decodable {
            let hidden_dropout: Float
            let attention_dropout: Float
            let draws: Int
            let mean_one_minus_cosine: Double
            let sd_one_minus_cosine: Double
        }
        let texts: [String]
        let settings: [Setting]
    }

    /// Exemplar's mean over 24 mask draws is within 4 standard errors of torch's (the standard error of the
    /// difference, from torch's per-draw spread and both draw counts).
    func testDropoutMovesEmbeddingsAsPyTorchDoes() throws {
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: Repository.fixture("minilm_dropout_statistics.json")))
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"))
        let model = encoder.model, c = encoder.dimension
        XCTAssertTrue(encoder.pooling.normalize, "the dot products below are cosines only for unit embeddings")
        let ids = try encoder.tokenize(fixture.texts)
        let layout = PackedSequences(lengths: ids.map(\.count))
        let tokens = ids.flatMap { $0 }
        let clean = encoder.pooling.forward(model.forward(tokens, layout: layout), layout: layout)
        var generator = RandomGenerator(seed: 2026)
        let draws = 24
        for setting in fixture.settings {
            model.setDropout(hidden: setting.hidden_dropout, attention: setting.attention_dropout)
            var sum = 0.0
            for _ in 0..<draws {
                model.dropoutSeeds.seeds = tokens.map { _ in generator.next() }
                let noisy = encoder.pooling.forward(model.forward(tokens, layout: layout, training: true),
                                                    layout: layout, training: true)
                var cosines = 0.0
                for i in 0..<fixture.texts.count { cosines += Double(Kernels.dot(noisy.row(i), clean.row(i), c)) }
                sum += 1 - cosines / Double(fixture.texts.count)
            }
            let mean = sum / Double(draws)
            let sd = setting.sd_one_minus_cosine
            let standardError = (sd * sd / Double(draws) + sd * sd / Double(setting.draws)).squareRoot()
            print("dropout hidden \(setting.hidden_dropout), attention \(setting.attention_dropout): mean 1 − cos "
                  + "\(mean) (torch \(setting.mean_one_minus_cosine), standard error \(standardError))")
            XCTAssertEqual(mean, setting.mean_one_minus_cosine, accuracy: 4 * standardError,
                           "hidden \(setting.hidden_dropout), attention \(setting.attention_dropout)")
        }
    }
}
