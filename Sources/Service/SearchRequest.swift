import Foundation

/// A `POST /v1/search` body: `{"index", "query" | "queries", "k"}` (k defaults to `exemplar search`'s 5).
struct SearchRequest {
    var index: String
    var queries: [String]
    /// Whether one `query` was sent (answered with one result object) rather than a `queries` list.
    var isSingle: Bool
    var k: Int

    static let defaultK = 5

    init(_ body: JSONRequestBody, maxK: Int) throws {
        index = try body.requiredString("index")
        let query = try body.string("query")
        let list = body.field("queries")
        switch (query, list) {
        case (nil, nil): throw APIError.invalid("give 'query' (a string) or 'queries' (a list of strings)", param: "query")
        case (_?, _?): throw APIError.invalid("give either 'query' or 'queries', not both", param: "queries")
        case (let query?, nil):
            queries = [query]
            isSingle = true
        case (nil, let list?):
            guard case .array(let items) = list else {
                throw APIError.invalid("'queries' must be a list of strings, not \(list.kindName)", param: "queries")
            }
            guard !items.isEmpty else { throw APIError.invalid("'queries' is an empty list", param: "queries") }
            queries = try items.enumerated().map { i, item in
                guard case .string(let s) = item else {
                    throw APIError.invalid("'queries[\(i)]' must be a string, not \(item.kindName)", param: "queries")
                }
                return s
            }
            isSingle = false
        }
        for (i, q) in queries.enumerated() where q.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError.invalid(isSingle ? "'query' is empty" : "'queries[\(i)]' is empty", param: isSingle ? "query" : "queries")
        }
        k = try body.integer("k") ?? Self.defaultK
        guard (1...maxK).contains(k) else { throw APIError.invalid("'k' must be between 1 and \(maxK), not \(k)", param: "k") }
    }
}
