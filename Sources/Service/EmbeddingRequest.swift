/// A `POST /v1/embeddings` body as OpenAI defines it (`user` is accepted and ignored; so are fields OpenAI may add).
struct EmbeddingRequest {
    enum EncodingFormat: String { case float, base64 }

    var model: String
    var input: TextInputs
    var encodingFormat: EncodingFormat
    /// Keep the first N components and re-normalise (nil: the model's full dimension).
    var dimensions: Int?

    init(_ body: JSONRequestBody) throws {
        model = try body.requiredString("model")
        input = try TextInputs(try body.requiredField("input"), field: "input")
        let format = try body.string("encoding_format") ?? "float"
        guard let encodingFormat = EncodingFormat(rawValue: format) else {
            throw APIError.invalid("'encoding_format' must be \"float\" or \"base64\", not \"\(format)\"", param: "encoding_format")
        }
        self.encodingFormat = encodingFormat
        dimensions = try body.integer("dimensions")
        _ = try body.string("user")
    }
}
