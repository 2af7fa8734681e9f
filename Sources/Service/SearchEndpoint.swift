import Foundation
import SemanticSearch

/// `POST /v1/search`: the nearest solved problems, each query's object exactly what `exemplar search --json` prints.
struct SearchEndpoint {
    let models: ServedModels

    func respond(to request: SearchRequest) async throws -> [UInt8] {
        guard let searcher = models.searchers[request.index] else {
            let known = models.searchers.keys.sorted().joined(separator: ", ")
            throw APIError(.notFound, "no index '\(request.index)' is served" + (known.isEmpty ? "" : " (served: \(known))"),
                           param: "index", code: "index_not_found")
        }
        let (queries, k) = (request.queries, request.k)
        let answers = try await models.queue.run { try searcher.search(queries, k: k) }
        let object: Any = request.isSingle ? answers[0].jsonObject
            : ["object": "list", "data": answers.map(\.jsonObject)] as [String: Any]
        return JSONText.serialized(object)
    }
}
