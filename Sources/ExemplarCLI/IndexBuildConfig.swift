import Retrieval

/// `exemplar index build`'s run config (configs/index-gsm8k.yaml); keys are the YAML names.
struct IndexBuildConfig: RunConfig, Equatable {
    /// The index is written as `<index-dir>/NAME.sqlite` + `NAME.faiss`.
    var name = ""
    /// JSON Lines of solved problems in GSM8K's layout (question, answer ending in `#### N`).
    var corpus = "data/gsm8k/train.jsonl"
    var source = "gsm8k"
    var split = "train"
    var embed = EmbeddedFields.question
    var model = "models/all-MiniLM-L6-v2"
    /// PEFT LoRA adapter directory applied to the model ("" = none); part of the index's encoder fingerprint.
    var adapter = ""
    /// FAISS factory string.
    var factory = "Flat"
    var metric = DistanceMetric.innerProduct
    /// Vectors per FAISS add call.
    var batchSize = 1024
    /// HNSW efSearch and IVF nprobe stored with the index (0: FAISS's default).
    var efSearch = 0
    var nprobe = 0
    var recall = Recall()

    /// For approximate factories: recall@k of the built index against exact search.
    struct Recall: Codable, Equatable {
        /// JSON Lines file whose `field` gives the queries; "" samples `count` corpus documents instead.
        var queries = "data/gsm8k/test.jsonl"
        var field = "question"
        /// Queries used (at most); 0 skips the check.
        var count = 500
        var k = 10
    }

    enum CodingKeys: String, CodingKey {
        case name, corpus, source, split, embed, model, adapter, factory, metric
        case batchSize = "batch_size"
        case efSearch = "ef_search"
        case nprobe, recall
    }

    /// Problems the decoder cannot see: names and ranges.
    func validate(origin: String) throws {
        func fail(_ message: String) -> RunConfigError { RunConfigError(description: "\(origin): \(message)") }
        guard IndexFiles.isValidName(name) else {
            throw fail(name.isEmpty ? "name is required" : "name '\(name)': use letters, digits, '-' and '_'")
        }
        guard !corpus.isEmpty else { throw fail("corpus is required") }
        guard batchSize > 0 else { throw fail("batch_size must be positive") }
        guard efSearch >= 0, nprobe >= 0, recall.count >= 0, recall.k > 0 else {
            throw fail("ef_search, nprobe and recall.count must be ≥ 0, recall.k > 0")
        }
    }
}
