import Foundation
import ModelFormats
import Retrieval

/// Reads solved problems from a JSON Lines file in GSM8K's layout (`question`, `answer` ending in `#### N`).
public enum SolvedProblemCorpus {
    /// One document per non-blank line, ids 0, 1, 2… in file order. Fields other than question and answer are kept
    /// in `extra`, with the 1-based source line as `line`.
    public static func load(path: String, source: String, split: String) throws -> [CorpusDocument] {
        try JSONLines.read(URL(fileURLWithPath: path)).enumerated().map { index, record in
            let question = try record.string("question", in: path)
            let solution = try record.string("answer", in: path)
            var extra = record.fields.filter { $0.key != "question" && $0.key != "answer" }
            extra["line"] = record.line
            let json = try JSONSerialization.data(withJSONObject: extra, options: [.sortedKeys])
            return CorpusDocument(id: Int64(index), source: source, split: split, question: question, solution: solution,
                                  finalAnswer: GSM8KFinalAnswer.extract(from: solution),
                                  extra: String(decoding: json, as: UTF8.self))
        }
    }
}
