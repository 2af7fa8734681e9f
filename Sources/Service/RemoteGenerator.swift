import Decoder
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Tokenizers

/// Generation on a remote OpenAI-compatible server (`exemplar serve`, llama.cpp's, vLLM's): each request goes to
/// `POST {base}/completions` as token ids (prompts are built and tokenised here, so they are exactly the local
/// prompts), all of a batch at once so the server batches them. What OpenAI's API cannot carry is the server's
/// business: its own end-of-sequence tokens replace `stopTokens`, and it reports how many tokens it generated, not
/// which. A 429 or 503 is retried after the server's Retry-After; any other failure is an error naming the server.
public final class RemoteGenerator: TextGenerating {
    public let baseURL: URL
    public let model: String
    public let apiKey: String?
    /// Seconds one request may take (a long generation on a busy server takes minutes).
    public var timeout: TimeInterval = 900
    public var maxRetries = 20

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `baseURL` ends at the API root (`http://host:port/v1`).
    public init(baseURL: URL, model: String, apiKey: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    public func generate(_ requests: [TextGenerator.Request], tokenizer: Tokenizer?, onText: ((Int, String) -> Void)?,
                         onToken: ((Int, Int32) -> Void)?) throws -> [TextGenerator.Output] {
        let results = IndexedResults<Result<TextGenerator.Output, Error>>(count: requests.count)
        let group = DispatchGroup()
        for (i, request) in requests.enumerated() {
            let body = try body(request)
            group.enter()
            DispatchQueue.global().async {
                results.set(i, Result { try self.send(body) })
                group.leave()
            }
        }
        group.wait()
        return try results.values.enumerated().map { i, result in
            let output = try (result ?? .failure(Failure(description: "no reply"))).get()
            if let onText, !output.text.isEmpty { onText(i, output.text) }
            for _ in 0..<output.tokenCount { onToken?(i, -1) }
            return output
        }
    }

    private func body(_ request: TextGenerator.Request) throws -> Data {
        guard request.stopStrings.count <= 4 else {
            throw Failure(description: "\(request.stopStrings.count) stop strings; OpenAI's API takes at most 4")
        }
        var object: [String: Any] = ["model": model, "prompt": request.prompt.map(Int.init), "max_tokens": request.maxNewTokens,
                                     "temperature": Double(request.sampling.temperature), "top_p": Double(request.sampling.topP),
                                     "seed": Int(request.sampling.seed & 0x7fff_ffff_ffff_ffff)]
        if request.sampling.topK > 0 { object["top_k"] = request.sampling.topK }
        if !request.stopStrings.isEmpty { object["stop"] = request.stopStrings }
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// One completion, retried while the server says it is busy.
    private func send(_ body: Data) throws -> TextGenerator.Output {
        let url = baseURL.appendingPathComponent("completions")
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        for _ in 0...maxRetries {
            let (status, data, retryAfter) = try exchange(request)
            if status == 429 || status == 503 {
                Thread.sleep(forTimeInterval: retryAfter ?? 1)
                continue
            }
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            guard status == 200 else {
                let message = ((object?["error"] as? [String: Any])?["message"] as? String) ?? String(decoding: data.prefix(300), as: UTF8.self)
                throw Failure(description: "\(url.absoluteString): \(status) \(message)")
            }
            guard let choice = (object?["choices"] as? [[String: Any]])?.first, let text = choice["text"] as? String else {
                throw Failure(description: "\(url.absoluteString): the reply has no choices[0].text")
            }
            let usage = object?["usage"] as? [String: Any]
            return TextGenerator.Output(tokens: [], text: text,
                                        finishReason: choice["finish_reason"] as? String == "length" ? .length : .stopString,
                                        reportedTokenCount: usage?["completion_tokens"] as? Int ?? 0)
        }
        throw Failure(description: "\(url.absoluteString): still busy after \(maxRetries) retries")
    }

    /// Status, body and Retry-After seconds of one HTTP exchange.
    private func exchange(_ request: URLRequest) throws -> (Int, Data, TimeInterval?) {
        let done = DispatchSemaphore(value: 0)
        let reply = Reply()
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                reply.result = .failure(Failure(description: "\(request.url!.absoluteString): \(error.localizedDescription)"))
            } else if let http = response as? HTTPURLResponse {
                reply.result = .success((http.statusCode, data ?? Data(), http.value(forHTTPHeaderField: "Retry-After").flatMap(TimeInterval.init)))
            }
            done.signal()
        }.resume()
        done.wait()
        return try reply.result.get()
    }
}

/// A URLSession reply handed back to the waiting thread (the semaphore orders the accesses).
private final class Reply: @unchecked Sendable {
    var result: Result<(Int, Data, TimeInterval?), Error> = .failure(RemoteGenerator.Failure(description: "no reply"))
}
