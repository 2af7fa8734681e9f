import Foundation
import XCTest
@testable import Tensor

/// Parallel's loops on the worker pool: every index once, from loops nested in a task, from several threads at once
/// (the pool runs one loop at a time; the others fall back to Dispatch), and back to back (the generations of the
/// pool's ticket must never hand a finished loop's task a new loop's indices).
final class ParallelTests: XCTestCase {
    /// Counts of how often each index ran, safe to bump from any thread.
    final class Counts: @unchecked Sendable {
        let values: UnsafeMutablePointer<Int>
        let count: Int
        let lock = NSLock()
        init(_ count: Int) { self.count = count; values = .allocate(capacity: count); values.initialize(repeating: 0, count: count) }
        deinit { values.deallocate() }
        func bump(_ range: Range<Int>) { lock.lock(); for i in range { values[i] += 1 }; lock.unlock() }
        var all: [Int] { Array(UnsafeBufferPointer(start: values, count: count)) }
    }

    func testEveryIndexRunsOnceInManyLoopsBackToBack() {
        for round in 0..<2_000 {
            let n = 1 + round % 37
            let counts = Counts(n)
            Parallel.forEachChunk(n, cost: 1_000_000) { counts.bump($0) }
            XCTAssertEqual(counts.all, [Int](repeating: 1, count: n), "round \(round)")
            if counts.all != [Int](repeating: 1, count: n) { return }
        }
    }

    func testALoopInsideATaskRuns() {
        let outer = 4, inner = 50
        let counts = Counts(outer * inner)
        Parallel.forEach(outer, cost: 1_000_000) { o in
            Parallel.forEachChunk(inner, cost: 1_000_000) { range in counts.bump((o * inner + range.lowerBound)..<(o * inner + range.upperBound)) }
        }
        XCTAssertEqual(counts.all, [Int](repeating: 1, count: outer * inner))
    }

    func testLoopsFromSeveralThreadsAtOnce() {
        let threads = 4, loops = 300, n = 64
        let counts = (0..<threads).map { _ in Counts(n) }
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for _ in 0..<loops { Parallel.forEachChunk(n, cost: 1_000_000) { counts[t].bump($0) } }
        }
        for t in 0..<threads { XCTAssertEqual(counts[t].all, [Int](repeating: loops, count: n), "thread \(t)") }
    }
}
