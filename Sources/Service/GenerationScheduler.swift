import Decoder
import Foundation
import Tokenizers

/// The decoder's continuous batching: one thread runs a `GenerationBatch` step after step while it holds sequences,
/// admitting waiting requests into free slots (at most `maxBatch` sequences) before each step, so a request joins the
/// running batch at the next step and leaves when it finishes. Each request's events arrive on its own stream; a
/// stream its consumer drops (a client that went away) frees the slot at the next step.
///
/// At most `maxWaiting` requests wait for a slot: `submit` refuses one more at once (429), so a burst is answered
/// rather than queued without bound.
final class GenerationScheduler: @unchecked Sendable {
    let maxBatch: Int
    let maxWaiting: Int
    private let batch: GenerationBatch
    private let metrics: ServiceMetrics
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var waiting: [(id: Int, request: TextGenerator.Request, events: AsyncStream<GenerationBatch.Event>.Continuation)] = []
    private var dropped: Set<Int> = []
    private var nextID = 0
    private var running = 0
    // The loop thread's own:
    private var streams: [GenerationBatch.Handle: (id: Int, events: AsyncStream<GenerationBatch.Event>.Continuation)] = [:]

    init(model: LanguageModel, maxBatch: Int, maxWaiting: Int, metrics: ServiceMetrics) {
        batch = GenerationBatch(model: model.model, tokenizer: model.tokenizer)
        self.maxBatch = maxBatch
        self.maxWaiting = maxWaiting
        self.metrics = metrics
        let thread = Thread { [self] in loop() }
        thread.name = "exemplar.decoder"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Queues a request; its events (`.token`, `.text`, then `.finished`) arrive on the returned stream. 429 when
    /// `maxWaiting` requests already wait.
    func submit(_ request: TextGenerator.Request) throws -> AsyncStream<GenerationBatch.Event> {
        let (stream, events) = AsyncStream<GenerationBatch.Event>.makeStream()
        condition.lock()
        defer { condition.unlock() }
        guard waiting.count < maxWaiting || (waiting.isEmpty && running < maxBatch) else {
            events.finish()
            throw APIError(.tooManyRequests, "the server is busy: \(running) requests are generating and \(waiting.count) waiting; retry shortly",
                           type: "server_error", code: "server_busy")
        }
        let id = nextID
        nextID += 1
        waiting.append((id, request, events))
        metrics.generationQueue(waiting: waiting.count, running: running)
        events.onTermination = { [weak self] reason in
            if case .cancelled = reason { self?.drop(id) }
        }
        condition.signal()
        return stream
    }

    /// Forgets request `id`: out of the waiting list at once, out of the batch at the next step.
    private func drop(_ id: Int) {
        condition.lock()
        defer { condition.unlock() }
        if let i = waiting.firstIndex(where: { $0.id == id }) {
            waiting.remove(at: i)
        } else {
            dropped.insert(id)
        }
        condition.signal()
    }

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && batch.isEmpty { condition.wait() }
            let gone = dropped
            dropped = []
            for (handle, stream) in streams where gone.contains(stream.id) {
                batch.remove(handle)
                streams[handle] = nil
            }
            let admitted = waiting.prefix(max(0, maxBatch - batch.count))
            waiting.removeFirst(admitted.count)
            for job in admitted { streams[batch.add(job.request)] = (job.id, job.events) }
            running = batch.count
            metrics.generationQueue(waiting: waiting.count, running: running)
            condition.unlock()
            guard !batch.isEmpty else { continue }

            let sequences = batch.count, newTokens = admitted.reduce(0) { $0 + $1.request.prompt.count }
            let events = batch.step()
            metrics.decodeStep(sequences: sequences, promptTokens: newTokens,
                               generatedTokens: events.reduce(0) { if case .token = $1 { $0 + 1 } else { $0 } })
            for event in events {
                switch event {
                case .token(let handle, _), .text(let handle, _):
                    streams[handle]?.events.yield(event)
                case .finished(let handle, _):
                    streams[handle]?.events.yield(event)
                    streams[handle]?.events.finish()
                    streams[handle] = nil
                }
            }
        }
    }
}
