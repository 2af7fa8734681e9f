import Foundation
import XCTest
import NN
import Tensor
import TestSupport
@testable import Decoder

/// Continuous batching: sequences that join a running batch at any step, beside up to a dozen others, generate what
/// they generate alone, in every weight format; removed sequences leave without an event.
final class GenerationBatchTests: XCTestCase {
    func model(_ format: DecoderWeightFormat) throws -> DecoderModel {
        let config = DecoderConfig(modelType: "qwen2", vocabSize: 50, hiddenSize: 64, intermediateSize: 96, numHiddenLayers: 2,
                                   numAttentionHeads: 4, numKeyValueHeads: 2, rmsNormEps: 1e-5, ropeTheta: 100,
                                   tieWordEmbeddings: false)
        let model = DecoderModel(config: config)
        for (i, (_, p)) in model.namedParameters.enumerated() {
            p.value.assign(GradientCheck.random(p.value.shape, scale: 0.5, seed: 900 + UInt64(i)))
        }
        return format == .f32 ? model : try model.converted(to: format)
    }

    /// Prompts of 3 to 40 tokens (both sides of the fused-kernel row limit), greedy and sampled.
    let requests: [TextGenerator.Request] = (0..<12).map { i in
        let length = [3, 40, 8, 9, 15, 5, 27, 1, 12, 33, 7, 20][i]
        let sampling = i % 3 == 2 ? Sampling(temperature: 0.8, topK: 10, topP: 0.9, seed: UInt64(i)) : .greedy
        return .init(prompt: (0..<length).map { Int32(($0 * 7 + i * 3) % 50) }, maxNewTokens: 6 + i % 4, sampling: sampling)
    }

    func testSequencesJoiningAtAnyStepGenerateWhatTheyGenerateAlone() throws {
        for format in [DecoderWeightFormat.f32, .int8, .gguf] {
            let model = try model(format)
            let alone = requests.map { TextGenerator(model: model).generate([$0])[0].tokens }
            let batch = GenerationBatch(model: model)
            var outputs: [GenerationBatch.Handle: [Int32]] = [:], streamed: [GenerationBatch.Handle: [Int32]] = [:]
            var handles: [GenerationBatch.Handle] = []
            var next = 0, steps = 0
            while next < requests.count || !batch.isEmpty {
                // Join 0, 1, 2 or 3 at a time, so each meets a different mix of prefills and decodes.
                for _ in 0..<(steps % 4) where next < requests.count {
                    handles.append(batch.add(requests[next]))
                    next += 1
                }
                for event in batch.step() {
                    switch event {
                    case .token(let h, let token): streamed[h, default: []].append(token)
                    case .text: XCTFail("no tokenizer, no text")
                    case .finished(let h, let output): outputs[h] = output.tokens
                    }
                }
                steps += 1
            }
            XCTAssertEqual(handles.map { outputs[$0] ?? [] }, alone, "\(format)")
            XCTAssertEqual(handles.map { streamed[$0] ?? [] }, alone, "\(format): tokens as they came")
            XCTAssertEqual(alone.map(\.count), requests.map(\.maxNewTokens), "\(format)")
        }
    }

    func testRemovedSequencesLeaveWithoutAnEventAndTheOthersGoOn() throws {
        let model = try model(.f32)
        let batch = GenerationBatch(model: model)
        let kept = batch.add(requests[1]), dropped = batch.add(requests[4])
        _ = batch.step()
        batch.remove(dropped)
        XCTAssertEqual(batch.count, 1)
        var finished: [GenerationBatch.Handle: [Int32]] = [:]
        while !batch.isEmpty {
            for case .finished(let h, let output) in batch.step() { finished[h] = output.tokens }
        }
        XCTAssertEqual(Array(finished.keys), [kept])
        XCTAssertEqual(finished[kept], TextGenerator(model: model).generate([requests[1]])[0].tokens)
        let empty = batch.add(.init(prompt: [1], maxNewTokens: 0))
        guard case .finished(empty, let output)? = batch.step().first else { return XCTFail("maxNewTokens 0 finishes at once") }
        XCTAssertEqual(output.tokens, [])
        XCTAssertTrue(batch.isEmpty)
    }
}
