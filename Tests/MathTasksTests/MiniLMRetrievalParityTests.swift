import Foundation
import XCTest
import Encoder
import Tensor
import TestSupport
@testable import Retrieval
import MathTasks

/// The base all-MiniLM-L6-v2 on gsm8k-qa and gsm-symbolic-similar, end to end (tokenizer, encoder, exact search,
/// metrics), against sentence-transformers' InformationRetrievalEvaluator and the peer's eval_retrieval.py, as
/// saved by scripts/reference/retrieval_minilm_fixtures.py. Embeds 3888 distinct texts.
final class MiniLMRetrievalParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Task: Decodable {
            let queries: Int
            let corpus: Int
            let metrics: [String: Double]
        }
        struct Peer: Decodable { let tasks: [String: [String: Double]] }
        let tasks: [String: Task]
        let peer: Peer?
    }

    /// The encoder as the evaluator sees it (the CLI has the same conformance; tests do not link the CLI).
    final class Embedder: TextEmbedder {
        let encoder: SentenceEncoder
        init(_ encoder: SentenceEncoder) { self.encoder = encoder }
        var dimension: Int { encoder.dimension }
        var fingerprint: EncoderFingerprint {
            EncoderFingerprint(model: "all-MiniLM-L6-v2", weightsSHA256: encoder.weightsSHA256, dimension: dimension,
                               pooling: "mean", normalized: encoder.sentenceConfig.normalize)
        }
        func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> Tensor { try encoder.embed(texts, progress: progress) }
    }

    func testBuiltinTasksMatchSentenceTransformersAndThePeer() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Repository.fixture("retrieval_minilm_gsm8k.json")))
        let data = try Repository.data("gsm8k/test.jsonl").deletingLastPathComponent().deletingLastPathComponent()
        let tasks = try [BuiltinTask.gsm8kQA, .gsmSymbolicSimilar].map { try $0.load(dataDirectory: data) }
        let encoder = try SentenceEncoder(directory: try Repository.model("all-MiniLM-L6-v2"))
        var embedded = 0, toEmbed = 0
        let reports = try RetrievalEvaluator.evaluate(tasks, embedder: Embedder(encoder)) { embedded = $0; toEmbed = $1 }
        XCTAssertEqual(toEmbed, 1319 + 1319 + 1250, "each distinct text embedded once")
        XCTAssertEqual(embedded, toEmbed)
        print(RetrievalReport.markdownTable(reports))

        for report in reports {
            let expected = try XCTUnwrap(fixture.tasks[report.task], "fixture has \(report.task)")
            XCTAssertEqual(report.metrics.queries, expected.queries)
            XCTAssertEqual(report.corpus, expected.corpus)
            for (name, value) in report.metrics.named {
                let reference = try XCTUnwrap(expected.metrics[name], "\(report.task) \(name)")
                print("\(report.task) \(name): ours \(value), sentence-transformers \(reference)")
                XCTAssertEqual(value, reference, accuracy: 0.002, "\(report.task) \(name)")
            }
            // The peer reports accuracy@k as R@k (one relevant document per query).
            if let peer = fixture.peer?.tasks[report.task] {
                let ours = ["R@1": report.metrics.accuracy[1]!, "R@5": report.metrics.accuracy[5]!,
                            "R@10": report.metrics.accuracy[10]!, "MRR@10": report.metrics.mrr[10]!]
                for (name, value) in ours.sorted(by: { $0.key < $1.key }) {
                    let reference = try XCTUnwrap(peer[name], "peer \(report.task) \(name)")
                    print("\(report.task) \(name): ours \(value), peer \(reference)")
                    XCTAssertEqual(value, reference, accuracy: 0.002, "peer \(report.task) \(name)")
                }
            }
        }
    }
}
