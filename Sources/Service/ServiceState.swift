import Foundation

/// Whether the models are loaded yet: routes answer 503 until they are (and /health says so).
final class ServiceState: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: ServedModels?

    var models: ServedModels? { lock.lock(); defer { lock.unlock() }; return loaded }

    func ready(_ models: ServedModels) { lock.lock(); loaded = models; lock.unlock() }

    /// The models, or 503 while they load.
    func requireModels() throws -> ServedModels {
        guard let models else {
            throw APIError(.serviceUnavailable, "the models are still loading; retry when /health answers 200",
                           type: "server_error", code: "loading")
        }
        return models
    }
}
