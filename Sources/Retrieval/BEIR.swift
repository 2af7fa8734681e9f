import Foundation
import ModelFormats

/// Loading a retrieval dataset in BEIR's format (the layout of `beir.datasets.data_loader.GenericDataLoader`):
/// `corpus.jsonl` ({"_id", "title", "text"}), `queries.jsonl` ({"_id", "text"}) and a qrels TSV with a header line
/// and `query-id  corpus-id  score` rows.
public enum BEIR {
    /// The text embedded for a document: `(title + " " + text).strip()`, as BEIR's `SentenceBERT.encode_corpus` and
    /// sentence-transformers' BEIR examples build it. A missing or null title counts as "".
    public static func documentText(title: String?, text: String) -> String {
        pythonStrip((title ?? "") + " " + text)
    }

    /// Loads the three files into a task, named `name` or else after the corpus's directory (BEIR keeps each
    /// dataset in its own directory: `scifact/corpus.jsonl`).
    ///
    /// Follows BEIR where it is defined: a query is evaluated only if qrels mention it; the last line for a
    /// (query, document) pair wins; a qrels query that is not in the queries file is an error. Relevance is binary
    /// as in sentence-transformers' evaluator: score > 0 is relevant, 0 or less (TREC's "judged non-relevant") is
    /// not. The corpus is sorted by `_id` (code point order, like Python's string sort) so that the row order is the
    /// evaluator's tie-break order. Duplicate `_id`s are errors (BEIR would silently keep the last).
    public static func load(corpus corpusURL: URL, queries queriesURL: URL, qrels qrelsURL: URL,
                            name: String? = nil) throws -> RetrievalTask {
        let corpusRecords = try readJSONL(corpusURL)
        var documents: [(id: String, text: String)] = []
        var firstLine: [String: Int] = [:]
        for record in corpusRecords {
            let id = try identifier(record, in: corpusURL.path)
            if let previous = firstLine[id] {
                throw RetrievalError.file(path: corpusURL.path, line: record.line, reason: "duplicate _id '\(id)' (first on line \(previous))")
            }
            firstLine[id] = record.line
            let title = try optionalString(record, "title", in: corpusURL.path)
            documents.append((id, documentText(title: title, text: try string(record, "text", in: corpusURL.path))))
        }
        guard !documents.isEmpty else { throw RetrievalError.file(path: corpusURL.path, line: nil, reason: "no documents") }
        documents.sort { $0.id.unicodeScalars.lexicographicallyPrecedes($1.id.unicodeScalars) }
        var corpusRow: [String: Int64] = [:]
        for (row, document) in documents.enumerated() { corpusRow[document.id] = Int64(row) }

        var queries: [(id: String, text: String)] = []
        var queryIndex: [String: Int] = [:], queryLine: [String: Int] = [:]
        for record in try readJSONL(queriesURL) {
            let id = try identifier(record, in: queriesURL.path)
            if let previous = queryLine[id] {
                throw RetrievalError.file(path: queriesURL.path, line: record.line, reason: "duplicate _id '\(id)' (first on line \(previous))")
            }
            queryLine[id] = record.line
            queryIndex[id] = queries.count
            queries.append((id, try string(record, "text", in: queriesURL.path)))
        }

        // Graded judgements per query (last line wins), then reduced to the relevant set.
        var grades = [[String: Int]](repeating: [:], count: queries.count)
        var judged = Set<Int>()
        for row in try readQrels(qrelsURL) {
            guard let q = queryIndex[row.queryID] else {
                throw RetrievalError.file(path: qrelsURL.path, line: row.line,
                                          reason: "query-id '\(row.queryID)' is not in \(queriesURL.path)")
            }
            grades[q][row.corpusID] = row.score
            judged.insert(q)
        }
        var relevant = [Set<Int64>](repeating: [], count: queries.count)
        var missing: [String: Int64] = [:]
        for q in judged {
            for (corpusID, grade) in grades[q] where grade > 0 {
                if let row = corpusRow[corpusID] {
                    relevant[q].insert(row)
                } else {
                    if missing[corpusID] == nil { missing[corpusID] = Int64(documents.count + missing.count) }
                    relevant[q].insert(missing[corpusID]!)
                }
            }
        }
        var warnings: [String] = []
        if !missing.isEmpty {
            let examples = missing.keys.sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            warnings.append("\(qrelsURL.path): \(missing.count) relevant corpus-id(s) not in \(corpusURL.path) (e.g. \(examples)); "
                            + "they count as relevant but can never be retrieved")
        }
        let unjudged = queries.count - judged.count
        if unjudged > 0 {
            warnings.append("\(queriesURL.path): \(unjudged) \(unjudged == 1 ? "query has" : "queries have") no qrels and "
                            + "\(unjudged == 1 ? "is" : "are") not evaluated")
        }
        return RetrievalTask(name: name ?? corpusURL.deletingLastPathComponent().lastPathComponent,
                             queryIDs: queries.map(\.id), queries: queries.map(\.text),
                             corpusIDs: documents.map(\.id), corpus: documents.map(\.text),
                             relevant: relevant, warnings: warnings)
    }

    /// One judgement of a qrels file.
    public typealias Judgement = (queryID: String, corpusID: String, score: Int, line: Int)

    /// The rows of a qrels TSV after its header line, with their 1-based line numbers. Blank lines are skipped;
    /// extra columns are ignored (as BEIR's reader does); a first line that is itself a judgement is an error,
    /// because BEIR would silently drop it as the header.
    public static func readQrels(_ url: URL) throws -> [Judgement] {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw RetrievalError.file(path: path, line: nil, reason: "file not found") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RetrievalError.file(path: path, line: nil, reason: "cannot read (\(error.localizedDescription))")
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw RetrievalError.file(path: path, line: nil, reason: "not UTF-8 text")
        }
        var rows: [Judgement] = []
        var sawHeader = false
        // Split on scalars, not Characters: "\r\n" is a single Character and would hide the line break.
        for (index, rawLine) in content.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
            if !sawHeader {
                sawHeader = true
                if fields.count >= 3, parseScore(fields[2]) != nil {
                    throw RetrievalError.file(path: path, line: lineNumber,
                                              reason: "expected a header line (query-id, corpus-id, score), found a judgement")
                }
                continue
            }
            guard fields.count >= 3 else {
                throw RetrievalError.file(path: path, line: lineNumber,
                                          reason: "expected 3 tab-separated fields (query-id, corpus-id, score), found \(fields.count)")
            }
            guard let score = parseScore(fields[2]) else {
                throw RetrievalError.file(path: path, line: lineNumber, reason: "score '\(fields[2])' is not an integer")
            }
            rows.append((fields[0], fields[1], score, lineNumber))
        }
        guard sawHeader else { throw RetrievalError.file(path: path, line: nil, reason: "empty qrels file") }
        return rows
    }

    /// The score column as Python's `int()` reads it (surrounding whitespace allowed).
    private static func parseScore(_ field: String) -> Int? { Int(pythonStrip(field)) }

    // MARK: - Field access with file-and-line errors

    private static func readJSONL(_ url: URL) throws -> [JSONLines.Record] {
        do { return try JSONLines.read(url) } catch let error as JSONLines.Error {
            throw RetrievalError.file(path: error.path, line: error.line, reason: error.reason)
        }
    }

    /// `_id`, which must be a string: qrels ids are strings, so a numeric `_id` would never match in BEIR either.
    private static func identifier(_ record: JSONLines.Record, in path: String) throws -> String {
        try string(record, "_id", in: path)
    }

    private static func string(_ record: JSONLines.Record, _ name: String, in path: String) throws -> String {
        guard let value = record.fields[name] else {
            throw RetrievalError.file(path: path, line: record.line, reason: "no field '\(name)'")
        }
        guard let s = value as? String else {
            throw RetrievalError.file(path: path, line: record.line, reason: "field '\(name)' is not a string")
        }
        return s
    }

    private static func optionalString(_ record: JSONLines.Record, _ name: String, in path: String) throws -> String? {
        guard let value = record.fields[name], !(value is NSNull) else { return nil }
        guard let s = value as? String else {
            throw RetrievalError.file(path: path, line: record.line, reason: "field '\(name)' is not a string")
        }
        return s
    }

    /// Python's `str.strip()`: removes leading and trailing characters for which `str.isspace()` is true.
    static func pythonStrip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isPythonSpace($0) })!
        return String(scalars[first...last])
    }

    /// `str.isspace()` for one code point: Unicode White_Space plus the ASCII separators 0x1C–0x1F.
    private static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
