/// Token strings ↔ ids for large vocabularies (Qwen2: 151 936 tokens): every token's scalars in one array, an
/// open-addressing index hashed over scalars. Lookups compare scalars exactly — Swift `String` keys would merge
/// canonically equivalent tokens, which the Rust library keeps apart — and need no `String` for the key.
struct TokenTable: Sendable {
    private var arena: [Unicode.Scalar] = []
    /// Per id: start and end in `arena`; (0, -1) where no token has the id.
    private var bounds: [(start: Int32, end: Int32)] = []
    /// Slots hold id + 1 (0 = empty).
    private var index: [Int32] = []
    private var mask = 0
    private(set) var count = 0
    /// One more than the largest id.
    var idLimit: Int { bounds.count }

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        index = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func hash<C: Collection>(_ scalars: C) -> Int where C.Element == Unicode.Scalar {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in scalars { h = (h ^ UInt64(s.value)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    private func equal<C: Collection>(_ id: Int32, _ scalars: C) -> Bool where C.Element == Unicode.Scalar {
        let b = bounds[Int(id)]
        guard Int(b.end - b.start) == scalars.count else { return false }
        var k = Int(b.start)
        for s in scalars {
            if arena[k] != s { return false }
            k += 1
        }
        return true
    }

    /// Adds or replaces (a later entry for the same string wins, as in a Rust `HashMap` built from the JSON).
    mutating func insert<C: Collection>(_ scalars: C, id: Int32) where C.Element == Unicode.Scalar {
        precondition(id >= 0)
        if (count + 1) * 2 > index.count { grow() }
        if Int(id) >= bounds.count { bounds.append(contentsOf: repeatElement((start: Int32(0), end: Int32(-1)), count: Int(id) + 1 - bounds.count)) }
        var slot = Self.hash(scalars) & mask
        while index[slot] != 0 {
            if equal(index[slot] - 1, scalars) { break }
            slot = (slot + 1) & mask
        }
        let start = Int32(arena.count)
        arena.append(contentsOf: scalars)
        if bounds[Int(id)].end < 0 { count += 1 }
        bounds[Int(id)] = (start, Int32(arena.count))
        index[slot] = id + 1
    }

    private mutating func grow() {
        let old = index
        index = [Int32](repeating: 0, count: old.count * 2)
        mask = index.count - 1
        for entry in old where entry != 0 {
            let b = bounds[Int(entry - 1)]
            var slot = Self.hash(arena[Int(b.start)..<Int(b.end)]) & mask
            while index[slot] != 0 { slot = (slot + 1) & mask }
            index[slot] = entry
        }
    }

    @inline(__always)
    func id<C: Collection>(of scalars: C) -> Int32? where C.Element == Unicode.Scalar {
        var slot = Self.hash(scalars) & mask
        while true {
            let entry = index[slot]
            if entry == 0 { return nil }
            if equal(entry - 1, scalars) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    func scalars(of id: Int32) -> ArraySlice<Unicode.Scalar>? {
        guard id >= 0, Int(id) < bounds.count else { return nil }
        let b = bounds[Int(id)]
        return b.end < 0 ? nil : arena[Int(b.start)..<Int(b.end)]
    }

    func string(of id: Int32) -> String? { scalars(of: id).map { String(scalars: $0) } }
}
