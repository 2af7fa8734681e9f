import Foundation

/// One model's work, one call at a time, on a thread of its own: the encoder's forward keeps scratch state and is not
/// re-entrant, and blocking CPU work must not hold the event loops or Swift's cooperative threads.
final class ModelQueue: @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label, qos: .userInitiated) }

    func run<T>(_ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
