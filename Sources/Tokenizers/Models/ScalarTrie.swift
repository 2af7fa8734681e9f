/// A trie over Unicode scalars with its edges in one open-addressing hash table, so that a longest-prefix walk costs
/// one probe per scalar and matching compares scalars exactly (no canonical equivalence, as the Rust library does).
struct ScalarTrie: Sendable {
    private var keys: [UInt64]     // (node << 21 | scalar) + 1; 0 = empty slot
    private var children: [Int32]  // child node of the edge in the same slot
    private var mask: Int
    /// Token id ending at each node, or -1.
    private(set) var terminal: [Int32] = [-1]
    private var edgeCount = 0

    static let root: Int32 = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        children = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func key(_ node: Int32, _ scalar: Unicode.Scalar) -> UInt64 {
        (UInt64(node) << 21 | UInt64(scalar.value)) &+ 1
    }

    @inline(__always)
    private func slot(for key: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask
        while keys[i] != 0 && keys[i] != key { i = (i + 1) & mask }
        return i
    }

    /// The child of `node` along `scalar`, or -1.
    @inline(__always)
    func child(_ node: Int32, _ scalar: Unicode.Scalar) -> Int32 {
        let k = Self.key(node, scalar)
        let i = slot(for: k)
        return keys[i] == k ? children[i] : -1
    }

    /// Adds a fresh root-like node (e.g. for continuation pieces) and returns it.
    mutating func addNode() -> Int32 {
        terminal.append(-1)
        return Int32(terminal.count - 1)
    }

    /// Inserts `scalars` below `start`, marking the end with `id` (a later insert of the same key wins).
    mutating func insert<S: Sequence>(_ scalars: S, id: Int32, from start: Int32 = ScalarTrie.root) where S.Element == Unicode.Scalar {
        var node = start
        for s in scalars {
            let k = Self.key(node, s)
            var i = slot(for: k)
            if keys[i] == k {
                node = children[i]
                continue
            }
            if (edgeCount + 1) * 2 > keys.count {
                grow()
                i = slot(for: k)
            }
            let next = addNode()
            keys[i] = k
            children[i] = next
            edgeCount += 1
            node = next
        }
        terminal[Int(node)] = id
    }

    /// Walks `scalars` from `start`; returns the token id at the end, if the whole sequence is a key.
    func lookup<S: Sequence>(_ scalars: S, from start: Int32 = ScalarTrie.root) -> Int32? where S.Element == Unicode.Scalar {
        var node = start
        for s in scalars {
            node = child(node, s)
            if node < 0 { return nil }
        }
        let id = terminal[Int(node)]
        return id >= 0 ? id : nil
    }

    private mutating func grow() {
        let oldKeys = keys, oldChildren = children
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        children = [Int32](repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        for i in oldKeys.indices where oldKeys[i] != 0 {
            let j = slot(for: oldKeys[i])
            keys[j] = oldKeys[i]
            children[j] = oldChildren[i]
        }
    }
}
