import Foundation

/// The API as an OpenAPI 3.0 document, served at /openapi.json (what schemathesis fuzzes the server against) and
/// printed by `exemplar serve --print-openapi` (docs/openapi.json is the default configuration's). Built from the
/// configuration alone, so the limits it states (`max_tokens`, inputs per request, `k`) are the ones the server
/// enforces, and the model and index names are the served ones; routes of a model that is not served are left out.
public enum OpenAPIDocument {
    /// The document as JSON text (keys sorted; `pretty`: indented, as docs/openapi.json is kept).
    public static func json(_ configuration: ServiceConfiguration, pretty: Bool = false) -> [UInt8] {
        let object = document(configuration, encoder: configuration.encoder.servedID,
                              decoder: configuration.decoder.model.isEmpty ? nil : configuration.decoder.servedID,
                              indexes: configuration.indexes.sorted())
        return JSONText.serialized(object, pretty: pretty) + (pretty ? Array("\n".utf8) : [])
    }

    static func document(_ configuration: ServiceConfiguration, encoder: String, decoder decoderID: String?, indexes: [String]) -> [String: Any] {
        let decoder = configuration.decoder
        let index: [String: Any] = indexes.isEmpty ? ["type": "string"] : ["type": "string", "enum": indexes]
        var paths: [String: Any] = [
            "/health": ["get": operation("health", "200 once every model is loaded, 503 before", body: nil, reply: ["type": "object"],
                                         extra: ["503": ["description": "still loading"]])],
            "/v1/models": ["get": operation("listModels", "The served models", body: nil, reply: ["type": "object"])],
            "/v1/embeddings": ["post": operation("createEmbedding", "Embeddings as OpenAI's route returns them", body: [
                "type": "object", "required": ["model", "input"],
                "properties": [
                    "model": ["type": "string", "enum": [encoder]],
                    "input": oneOf([nonEmptyString, ["type": "array", "minItems": 1, "maxItems": configuration.maxInputs, "items": nonEmptyString],
                                    tokenIDs, ["type": "array", "minItems": 1, "maxItems": configuration.maxInputs, "items": tokenIDs]]),
                    "encoding_format": ["type": "string", "enum": ["float", "base64"]],
                    "dimensions": ["type": "integer", "minimum": 1],
                    "user": ["type": "string"],
                ],
            ], reply: ["type": "object"])],
            "/v1/search": ["post": operation("search", "Nearest solved problems of an index", body: [
                "type": "object", "required": ["index"],
                "properties": [
                    "index": index, "query": nonEmptyString,
                    "queries": ["type": "array", "minItems": 1, "items": nonEmptyString],
                    "k": ["type": "integer", "minimum": 1, "maximum": configuration.maxK],
                ],
            ], reply: ["type": "object"])],
            "/metrics": ["get": ["operationId": "metrics", "summary": "Prometheus text",
                                 "responses": ["200": ["description": "metrics", "content": ["text/plain": ["schema": ["type": "string"]]]]]]],
            "/openapi.json": ["get": operation("openapi", "This document", body: nil, reply: ["type": "object"])],
        ]
        if let decoderID {
            let sampling: [String: Any] = [
                "model": ["type": "string", "enum": [decoderID]],
                "max_tokens": ["type": "integer", "minimum": 1, "maximum": decoder.maxTokens],
                "temperature": ["type": "number", "minimum": 0, "maximum": 2],
                "top_p": ["type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 1],
                "top_k": ["type": "integer", "minimum": 0],
                "seed": ["type": "integer", "minimum": 0],
                "stop": oneOf([["type": "string"], ["type": "array", "maxItems": CompletionRequest.maxStops, "items": nonEmptyString]]),
                "stream": ["type": "boolean"],
                "stream_options": ["type": "object", "properties": ["include_usage": ["type": "boolean"]]],
                "n": ["type": "integer", "enum": [1]],
            ]
            let message: [String: Any] = [
                "type": "object", "required": ["role", "content"],
                "properties": [
                    "role": ["type": "string", "enum": ["system", "developer", "user", "assistant"]],
                    "content": oneOf([["type": "string"], ["type": "array", "items": [
                        "type": "object", "required": ["type", "text"],
                        "properties": ["type": ["type": "string", "enum": ["text"]], "text": ["type": "string"]],
                    ]]]),
                ],
            ]
            var chat = sampling
            chat["messages"] = ["type": "array", "minItems": 1, "items": message]
            chat["max_completion_tokens"] = sampling["max_tokens"]
            chat["retrieval"] = ["type": "object", "required": ["index"], "description": "Exemplar: the nearest solved problems before the last user turn",
                                 "properties": ["index": index, "shots": ["type": "integer", "minimum": 0, "maximum": configuration.maxK]]]
            var completion = sampling
            completion["prompt"] = oneOf([nonEmptyString, ["type": "array", "minItems": 1, "items": nonEmptyString], tokenIDs,
                                          ["type": "array", "minItems": 1, "items": tokenIDs]])
            paths["/v1/completions"] = ["post": operation("createCompletion", "Text completions (stream: server-sent events)", body: [
                "type": "object", "required": ["model", "prompt"], "properties": completion,
            ], reply: ["type": "object"], streams: true)]
            paths["/v1/chat/completions"] = ["post": operation("createChatCompletion", "Chat completions (stream: server-sent events)", body: [
                "type": "object", "required": ["model", "messages"], "properties": chat,
            ], reply: ["type": "object"], streams: true)]
            paths["/tokenizer_info"] = ["get": operation("tokenizerInfo", "The decoder's special tokens, chat template and context", body: nil,
                                                         reply: ["type": "object"])]
            paths["/tokenize"] = ["post": operation("tokenize", "Token ids of a prompt or of chat messages", body: [
                "type": "object",
                "properties": ["prompt": ["type": "string"], "messages": ["type": "array", "minItems": 1, "items": message],
                               "add_special_tokens": ["type": "boolean"]],
            ], reply: ["type": "object"])]
            paths["/detokenize"] = ["post": operation("detokenize", "The text of token ids", body: [
                "type": "object", "required": ["tokens"], "properties": ["tokens": tokenIDs],
            ], reply: ["type": "object"])]
        }
        return [
            "openapi": "3.0.3",
            "info": ["title": "exemplar serve", "version": "1",
                     "description": "OpenAI-compatible embeddings and completions, nearest solved problems, and the decoder's tokenizer."],
            "paths": paths,
            "components": ["schemas": ["Error": [
                "type": "object", "required": ["error"],
                "properties": ["error": ["type": "object", "required": ["message", "type"], "properties": [
                    "message": ["type": "string"], "type": ["type": "string"],
                    "param": ["type": "string", "nullable": true], "code": ["type": "string", "nullable": true],
                ]]],
            ]]],
        ]
    }

    private static let nonEmptyString: [String: Any] = ["type": "string", "minLength": 1]
    private static let tokenIDs: [String: Any] = ["type": "array", "minItems": 1, "items": ["type": "integer", "minimum": 0]]

    private static func oneOf(_ schemas: [[String: Any]]) -> [String: Any] { ["oneOf": schemas] }

    private static func operation(_ id: String, _ summary: String, body: [String: Any]?, reply: [String: Any], streams: Bool = false,
                                  extra: [String: Any] = [:]) -> [String: Any] {
        var content: [String: Any] = ["application/json": ["schema": reply]]
        if streams { content["text/event-stream"] = ["schema": ["type": "string"]] }
        var responses: [String: Any] = ["200": ["description": "OK", "content": content]]
        let error: [String: Any] = ["description": "OpenAI's error object",
                                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        for status in ["400", "401", "404", "413", "429", "503"] { responses[status] = error }
        for (status, value) in extra { responses[status] = value }
        var object: [String: Any] = ["operationId": id, "summary": summary, "responses": responses]
        if let body { object["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]] }
        return object
    }
}
