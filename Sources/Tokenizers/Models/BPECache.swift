#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pieces already merged → their tokens, shared by all threads encoding with one `BPE` (GSM8K repeats the same few
/// thousand words). Sixteen shards, each behind its own mutex, so two encoding threads seldom wait on each other;
/// everything lives in memory allocated once (no reference counting on the hot path, which two threads would fight
/// over). Like the Rust library's cache it stops accepting entries when full rather than evicting, and only keeps
/// pieces shorter than 256 scalars.
final class BPECache: @unchecked Sendable {
    static let maxPieceLength = 256
    private static let shardCount = 16

    private struct Entry {
        var hash: UInt64
        var keyStart: Int32
        var keyCount: Int32
        var tokenStart: Int32
        var tokenCount: Int32
    }

    private struct Shard {
        var slots: UnsafeMutablePointer<Int32>      // entry index + 1, 0 = empty
        var mask: Int
        var entries: UnsafeMutablePointer<Entry>
        var entryCount: Int
        var entryCapacity: Int
        var keys: UnsafeMutablePointer<UInt32>
        var keyCount: Int
        var keyCapacity: Int
        /// id << 32 | start << 16 | end, relative to the piece.
        var tokens: UnsafeMutablePointer<UInt64>
        var tokenCount: Int
        var tokenCapacity: Int
    }

    private let shards: UnsafeMutablePointer<Shard>
    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>

    init(capacity: Int) {
        let perShard = max(16, capacity / Self.shardCount)
        var slotCount = 16
        while slotCount < perShard * 2 { slotCount <<= 1 }
        shards = .allocate(capacity: Self.shardCount)
        mutexes = .allocate(capacity: Self.shardCount)
        for k in 0..<Self.shardCount {
            let slots = UnsafeMutablePointer<Int32>.allocate(capacity: slotCount)
            slots.initialize(repeating: 0, count: slotCount)
            shards[k] = Shard(slots: slots, mask: slotCount - 1, entries: .allocate(capacity: perShard), entryCount: 0,
                              entryCapacity: perShard, keys: .allocate(capacity: perShard * 12), keyCount: 0,
                              keyCapacity: perShard * 12, tokens: .allocate(capacity: perShard * 4), tokenCount: 0,
                              tokenCapacity: perShard * 4)
            pthread_mutex_init(mutexes + k, nil)
        }
    }

    deinit {
        for k in 0..<Self.shardCount {
            shards[k].slots.deallocate()
            shards[k].entries.deallocate()
            shards[k].keys.deallocate()
            shards[k].tokens.deallocate()
            pthread_mutex_destroy(mutexes + k)
        }
        shards.deallocate()
        mutexes.deallocate()
    }

    @inline(__always)
    static func hash(_ piece: UnsafeBufferPointer<Unicode.Scalar>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in piece { h = (h ^ UInt64(s.value)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 31)
    }

    private static func equal(_ keys: UnsafeMutablePointer<UInt32>, _ e: Entry, _ piece: UnsafeBufferPointer<Unicode.Scalar>) -> Bool {
        guard Int(e.keyCount) == piece.count else { return false }
        var k = Int(e.keyStart)
        for s in piece {
            if keys[k] != s.value { return false }
            k += 1
        }
        return true
    }

    /// Appends the cached tokens of `piece` to `sink` (ranges shifted by `base`); false on a miss.
    func lookup(_ piece: UnsafeBufferPointer<Unicode.Scalar>, hash h: UInt64, base: Int, into sink: inout TokenSink) -> Bool {
        guard piece.count < Self.maxPieceLength else { return false }
        let k = Int(h >> 60)
        pthread_mutex_lock(mutexes + k)
        defer { pthread_mutex_unlock(mutexes + k) }
        let sh = shards[k]
        var slot = Int(truncatingIfNeeded: h) & sh.mask
        while true {
            let entry = sh.slots[slot]
            if entry == 0 { return false }
            let e = sh.entries[Int(entry - 1)]
            if e.hash == h && Self.equal(sh.keys, e, piece) {
                for t in Int(e.tokenStart)..<Int(e.tokenStart + e.tokenCount) {
                    let packed = sh.tokens[t]
                    sink.append(Int32(truncatingIfNeeded: packed >> 32),
                                base + Int((packed >> 16) & 0xFFFF) ..< base + Int(packed & 0xFFFF))
                }
                return true
            }
            slot = (slot + 1) & sh.mask
        }
    }

    /// Remembers the tokens `sink` holds from index `mark` on as those of `piece` (which starts at `base`).
    func store(_ piece: UnsafeBufferPointer<Unicode.Scalar>, hash h: UInt64, base: Int, sink: TokenSink, from mark: Int) {
        guard piece.count < Self.maxPieceLength else { return }
        let count = sink.ids.count - mark
        let k = Int(h >> 60)
        pthread_mutex_lock(mutexes + k)
        defer { pthread_mutex_unlock(mutexes + k) }
        var sh = shards[k]
        guard sh.entryCount < sh.entryCapacity, sh.keyCount + piece.count <= sh.keyCapacity,
              sh.tokenCount + count <= sh.tokenCapacity else { return }
        var slot = Int(truncatingIfNeeded: h) & sh.mask
        while sh.slots[slot] != 0 {
            let e = sh.entries[Int(sh.slots[slot] - 1)]
            if e.hash == h && Self.equal(sh.keys, e, piece) { return }  // another thread was first
            slot = (slot + 1) & sh.mask
        }
        for (j, s) in piece.enumerated() { sh.keys[sh.keyCount + j] = s.value }
        for t in 0..<count {
            let r = sink.ranges[mark + t]
            sh.tokens[sh.tokenCount + t] = UInt64(UInt32(bitPattern: sink.ids[mark + t])) << 32
                | UInt64(r.lowerBound - base) << 16 | UInt64(r.upperBound - base)
        }
        sh.entries[sh.entryCount] = Entry(hash: h, keyStart: Int32(sh.keyCount), keyCount: Int32(piece.count),
                                          tokenStart: Int32(sh.tokenCount), tokenCount: Int32(count))
        sh.entryCount += 1
        sh.slots[slot] = Int32(sh.entryCount)
        sh.keyCount += piece.count
        sh.tokenCount += count
        shards[k] = sh
    }
}
