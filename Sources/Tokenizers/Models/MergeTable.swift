/// (left id, right id) → (rank, merged id) for BPE merges: open addressing on the packed pair, in memory allocated
/// once for the number of merges, so lookups in the merge loop cost no reference counting.
final class MergeTable: @unchecked Sendable {
    private let keys: UnsafeMutablePointer<UInt64>
    private let values: UnsafeMutablePointer<UInt64>
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    /// Room for `capacity` merges (never grows).
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = .allocate(capacity: size)
        keys.initialize(repeating: Self.empty, count: size)
        values = .allocate(capacity: size)
        values.initialize(repeating: 0, count: size)
        mask = size - 1
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// A later merge of the same pair replaces the earlier one (the Rust library collects them into a map).
    func insert(_ a: Int32, _ b: Int32, rank: Int32, merged: Int32) {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        var i = Self.slot(key, mask)
        while keys[i] != Self.empty && keys[i] != key { i = (i + 1) & mask }
        if keys[i] == Self.empty {
            precondition((count + 1) * 2 <= mask + 1, "MergeTable capacity exceeded")
            count += 1
        }
        keys[i] = key
        values[i] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    /// (rank, merged id) of the pair, or nil.
    @inline(__always)
    func lookup(_ a: Int32, _ b: Int32) -> (rank: Int32, merged: Int32)? {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key {
                let v = values[i]
                return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
            }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// The rank of the pair (Int32.max when it has no merge) and the merged id, without optionals.
    @inline(__always)
    func rank(_ a: Int32, _ b: Int32, merged: inout Int32) -> Int32 {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key {
                let v = values[i]
                merged = Int32(truncatingIfNeeded: v)
                return Int32(truncatingIfNeeded: v >> 32)
            }
            if k == Self.empty { return Int32.max }
            i = (i + 1) & mask
        }
    }
}
