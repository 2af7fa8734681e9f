import Decoder
import Foundation
import MathTasks

/// The decoder's tokenizer over HTTP in vLLM's shapes, which lm-evaluation-harness's `tokenizer_backend=remote`
/// reads (and detects by itself when both routes answer): `GET /tokenizer_info` → the special tokens, the chat
/// template and the context length; `POST /tokenize` `{prompt | messages, add_special_tokens}` → `{tokens, count,
/// max_model_len}`; `POST /detokenize` `{tokens}` → `{prompt}`.
struct TokenizerEndpoints {
    let decoder: ServedDecoder

    func info() -> [UInt8] {
        let lm = decoder.model, config = lm.tokenizerConfig
        var object: [String: Any] = ["model": decoder.modelID, "model_max_length": decoder.contextLength,
                                     "vocab_size": lm.model.config.vocabSize, "tokenizer_class": "PreTrainedTokenizerFast"]
        for key in ["eos_token", "bos_token", "pad_token", "unk_token"] {
            object[key] = config?.specialTokens[key] ?? NSNull()
        }
        object["chat_template"] = decoder.chatTemplate?.source ?? NSNull()
        return JSONText.serialized(object)
    }

    func tokenize(_ body: JSONRequestBody) throws -> [UInt8] {
        let addSpecial = try body.bool("add_special_tokens")
        let lm = decoder.model
        let ids: [Int32]
        switch (try body.string("prompt"), body.field("messages")) {
        case (let prompt?, nil):
            ids = try lm.tokenizer.encode(prompt, addSpecialTokens: addSpecial ?? true).ids
        case (nil, _?):
            let request = try CompletionRequest(body, kind: .chat, maxShots: 0, requiresModel: false)
            guard let template = decoder.chatTemplate else {
                throw APIError.invalid("the model '\(decoder.modelID)' has no chat template", param: "messages")
            }
            ids = try lm.tokenizer.encode(try FewShotPrompt.render(request.messages, chatTemplate: template), addSpecialTokens: addSpecial ?? false).ids
        case (_?, _?): throw APIError.invalid("give either 'prompt' or 'messages', not both", param: "messages")
        case (nil, nil): throw APIError.invalid("'prompt' (a string) or 'messages' is required", param: "prompt")
        }
        return JSONText.serialized(["tokens": ids.map(Int.init), "count": ids.count, "max_model_len": decoder.contextLength])
    }

    func detokenize(_ body: JSONRequestBody) throws -> [UInt8] {
        let vocabulary = decoder.model.model.config.vocabSize
        guard case .tokens(let lists) = try TextInputs(try body.requiredField("tokens"), field: "tokens"), lists.count == 1 else {
            throw APIError.invalid("'tokens' must be a list of token ids", param: "tokens")
        }
        if let bad = lists[0].first(where: { Int($0) >= vocabulary }) {
            throw APIError.invalid("'tokens' holds token id \(bad), outside the vocabulary (0..<\(vocabulary))", param: "tokens")
        }
        return JSONText.serialized(["prompt": decoder.model.tokenizer.decode(lists[0], skipSpecialTokens: false)])
    }
}
