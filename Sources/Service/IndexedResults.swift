import Foundation

/// Values filled in by index from several threads (one slot per request sent concurrently), read once they are done.
public final class IndexedResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public func set(_ i: Int, _ value: Value) { lock.lock(); slots[i] = value; lock.unlock() }

    /// Each slot's value, nil where none was set.
    public var values: [Value?] {
        lock.lock(); defer { lock.unlock() }
        return slots
    }
}
