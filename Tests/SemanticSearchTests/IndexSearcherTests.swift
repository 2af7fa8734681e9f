import Encoder
import Foundation
import Retrieval
import SemanticSearch
import Tensor
import TestSupport
import XCTest

/// An index built with the real MiniLM and opened through `IndexSearcher`, as `exemplar search`, retrieved shots
/// and the server's search route open it.
final class IndexSearcherTests: XCTestCase {
    var scratch: URL!

    static let documents = [
        "Tom has 3 apples and buys 4 more. How many apples does he have?",
        "A train travels 60 miles per hour for 3 hours. How far does it go?",
        "Sara bakes 12 cookies and eats 5. How many are left?",
        "A shirt costs $20 and is 25% off. What is the sale price?",
    ].enumerated().map { i, question in
        CorpusDocument(id: Int64(i), source: "test", split: "train", question: question, solution: "…\n#### \(i)", finalAnswer: "\(i)")
    }

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("index-searcher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Builds index "tiny" in the scratch directory with the model's own encoder.
    func buildIndex(model: URL) throws {
        let encoder = try SentenceEncoder(directory: model, adapter: nil)
        _ = try VectorIndexBuilder(embedder: encoder).build(
            name: "tiny", in: scratch, documents: Self.documents, options: IndexBuildOptions(modelPath: model.path, corpus: "test"))
    }

    func testSearchesWithTheIndexModelAndAnswersEachQueryAsIfAlone() throws {
        let model = try Repository.model("all-MiniLM-L6-v2")
        try buildIndex(model: model)
        let searcher = try IndexSearcher(index: "tiny", in: scratch)
        XCTAssertEqual(searcher.encoder.directory.path, model.path, "the index's own model is the default encoder")

        let queries = ["How many cookies remain after eating some?", "What does a discounted shirt cost?"]
        let together = try searcher.search(queries, k: 2)
        XCTAssertEqual(together.map { $0.hits.first?.document.id }, [2, 3])
        for (query, answer) in zip(queries, together) {
            let alone = try searcher.search([query], k: 2)[0]
            XCTAssertEqual(alone.hits.map(\.document.id), answer.hits.map(\.document.id))
            XCTAssertEqual(alone.hits.map(\.score.bitPattern), answer.hits.map(\.score.bitPattern))
            // The same as embedding the query and searching the FAISS index directly.
            let direct = try searcher.index.search([query], encoder: searcher.encoder, k: 2)
            XCTAssertEqual(direct.ids, answer.hits.map(\.document.id))
            XCTAssertEqual(direct.scores, answer.hits.map(\.score))
        }

        let json = together[0].jsonObject
        XCTAssertEqual(json["index"] as? String, "tiny")
        XCTAssertEqual(json["metric"] as? String, DistanceMetric.innerProduct.rawValue)
        let first = try XCTUnwrap((json["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["rank"] as? Int, 1)
        XCTAssertEqual(first["final_answer"] as? String, "2")
        XCTAssertEqual(first["question"] as? String, Self.documents[2].question)
    }

    func testAnEncoderThatMakesOtherVectorsIsRefused() throws {
        let model = try Repository.model("all-MiniLM-L6-v2")
        try buildIndex(model: model)
        let adapter = try Repository.adapterFixture("peft_minilm_adapter")
        XCTAssertThrowsError(try IndexSearcher(index: "tiny", in: scratch, adapter: adapter.path)) { error in
            guard case VectorIndexError.encoderMismatch(let name, _, _, let encoder)? = error as? VectorIndexError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(name, "tiny")
            XCTAssertNotNil(encoder.adapterSHA256)
        }
        XCTAssertThrowsError(try IndexSearcher(index: "missing", in: scratch)) {
            XCTAssertTrue("\($0)".contains("no index 'missing'"), "\($0)")
        }
    }
}
