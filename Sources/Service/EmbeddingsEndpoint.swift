import Foundation
import Tensor

/// `POST /v1/embeddings`: the vectors `exemplar embed` writes for the same texts (tokenised and packed the same
/// way, no cache), in OpenAI's reply shape.
struct EmbeddingsEndpoint {
    let models: ServedModels
    let maxInputs: Int
    let metrics: ServiceMetrics

    func respond(to request: EmbeddingRequest) async throws -> [UInt8] {
        let encoder = models.encoder
        guard request.model == models.modelID else {
            throw APIError(.notFound, "the model '\(request.model)' does not exist; this server has '\(models.modelID)'",
                           param: "model", code: "model_not_found")
        }
        guard request.input.count <= maxInputs else {
            throw APIError.invalid("'input' has \(request.input.count) items; the limit is \(maxInputs)", param: "input")
        }
        let dimension = encoder.dimension
        if let d = request.dimensions, !(1...dimension).contains(d) {
            throw APIError.invalid("'dimensions' must be between 1 and \(dimension), not \(d)", param: "dimensions")
        }
        if case .tokens(let lists) = request.input {
            let vocabulary = encoder.config.vocabSize, longest = encoder.maxSequenceLength
            for (i, ids) in lists.enumerated() {
                guard ids.count <= longest else {
                    throw APIError.invalid("'input[\(i)]' has \(ids.count) token ids; the model's limit is \(longest)", param: "input")
                }
                if let bad = ids.first(where: { Int($0) >= vocabulary }) {
                    throw APIError.invalid("'input' holds token id \(bad), outside the vocabulary (0..<\(vocabulary))", param: "input")
                }
            }
        }
        let input = request.input
        let (vectors, tokens) = try await metrics.queued { try await models.queue.run { () throws -> (Tensor, Int) in
            let ids: [[Int32]]
            switch input {
            case .texts(let texts): ids = try encoder.tokenize(texts)
            case .tokens(let lists): ids = lists
            }
            return (encoder.embed(tokenized: ids, batchTokens: encoder.batchTokens), ids.reduce(0) { $0 + $1.count })
        } }
        metrics.embedded(inputs: vectors.rows, tokens: tokens)
        return Self.reply(vectors, dimensions: request.dimensions ?? dimension, format: request.encodingFormat,
                          model: models.modelID, promptTokens: tokens)
    }

    /// OpenAI's reply: {"object":"list","data":[{"object":"embedding","index":i,"embedding":…}],"model",
    /// "usage":{"prompt_tokens","total_tokens"}}. The embedding is a list of floats, or base64 of little-endian
    /// float32 (what the Python client decodes with numpy). Fewer `dimensions` than the model's keep the first ones,
    /// scaled back to unit length.
    static func reply(_ vectors: Tensor, dimensions: Int, format: EmbeddingRequest.EncodingFormat, model: String,
                      promptTokens: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(vectors.rows * (format == .float ? dimensions * 12 : dimensions * 6) + 256)
        out += Array(#"{"object":"list","data":["#.utf8)
        var row = [Float](repeating: 0, count: dimensions)
        withExtendedLifetime(vectors) {
            for r in 0..<vectors.rows {
                let source = UnsafeBufferPointer(start: vectors.row(r), count: dimensions)
                for i in 0..<dimensions { row[i] = source[i] }
                if dimensions < vectors.columns { normalise(&row) }
                if r > 0 { out.append(UInt8(ascii: ",")) }
                out += Array(#"{"object":"embedding","index":"#.utf8)
                out += Array(String(r).utf8)
                out += Array(#","embedding":"#.utf8)
                switch format {
                case .float:
                    out.append(UInt8(ascii: "["))
                    for (i, v) in row.enumerated() {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        JSONText.appendFloat(v, to: &out)
                    }
                    out.append(UInt8(ascii: "]"))
                case .base64:
                    let bytes = row.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian on every supported CPU
                    JSONText.appendString(bytes.base64EncodedString(), to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
        out += Array(#"],"model":"#.utf8)
        JSONText.appendString(model, to: &out)
        out += Array(#","usage":{"prompt_tokens":\#(promptTokens),"total_tokens":\#(promptTokens)}}"#.utf8)
        return out
    }

    /// Scales `v` to unit Euclidean length (left alone when it is all zeros).
    static func normalise(_ v: inout [Float]) {
        let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return }
        for i in v.indices { v[i] /= norm }
    }
}
