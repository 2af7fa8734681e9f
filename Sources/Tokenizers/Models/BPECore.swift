/// The tables and merge loop behind `BPE`, in a class so the hot path reads memory allocated once instead of
/// retaining array buffers that two encoding threads would share.
final class BPECore: @unchecked Sendable {
    let vocab: TokenTable
    let merges: MergeTable
    /// Each id's token as a `String`, made once: `Encoding.tokens` asks for one per token.
    private let tokenStrings: [String?]
    /// Ids of single-scalar tokens for scalars below 0x400 (the byte alphabet ends at U+0143), -1 if none.
    private let smallScalarIds: UnsafeMutablePointer<Int32>
    private static let smallLimit = 0x400
    let unkId: Int32?
    /// Ids of `<0x00>`…`<0xFF>` when byte fallback is on.
    private let byteIds: [Int32?]
    let continuingSubwordPrefix: [Unicode.Scalar]
    let endOfWordSuffix: [Unicode.Scalar]
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    /// Above this many symbols the merge loop uses a priority queue instead of rescanning pair ranks.
    let heapThreshold: Int
    private let cache: BPECache?

    enum BuildError: Error { case message(field: String, reason: String) }

    init(vocab entries: [(token: String, id: Int32)], merges mergeList: [(String, String)], unkToken: String?,
         continuingSubwordPrefix: String?, endOfWordSuffix: String?, fuseUnknown: Bool, byteFallback: Bool,
         ignoreMerges: Bool, heapThreshold: Int, cacheCapacity: Int) throws {
        var vocab = TokenTable(capacity: entries.count + 16)
        for (token, id) in entries { vocab.insert(token.unicodeScalars, id: id) }
        let merges = MergeTable(capacity: mergeList.count + 16)
        let prefixLength = continuingSubwordPrefix?.unicodeScalars.count ?? 0
        for (rank, (a, b)) in mergeList.enumerated() {
            guard let aId = vocab.id(of: a.unicodeScalars) else {
                throw BuildError.message(field: "merges[\(rank)]", reason: "'\(a)' is not in the vocabulary")
            }
            guard let bId = vocab.id(of: b.unicodeScalars) else {
                throw BuildError.message(field: "merges[\(rank)]", reason: "'\(b)' is not in the vocabulary")
            }
            let joined = Array(a.unicodeScalars) + Array(b.unicodeScalars).dropFirst(prefixLength)
            guard let merged = vocab.id(of: joined) else {
                throw BuildError.message(field: "merges[\(rank)]",
                                         reason: "the merged token '\(String(scalars: joined))' is not in the vocabulary")
            }
            merges.insert(aId, bId, rank: Int32(rank), merged: merged)
        }
        smallScalarIds = .allocate(capacity: Self.smallLimit)
        for v in 0..<Self.smallLimit {
            smallScalarIds[v] = Unicode.Scalar(v).flatMap { vocab.id(of: CollectionOfOne($0)) } ?? -1
        }
        if let unkToken {
            guard let id = vocab.id(of: unkToken.unicodeScalars) else {
                smallScalarIds.deallocate()
                throw BuildError.message(field: "unk_token", reason: "'\(unkToken)' is not in the vocabulary")
            }
            unkId = id
        } else {
            unkId = nil
        }
        byteIds = byteFallback ? (0..<256).map { b in vocab.id(of: Self.byteToken(UInt8(b)).unicodeScalars) } : []
        tokenStrings = (0..<vocab.idLimit).map { vocab.string(of: Int32($0)) }
        self.vocab = vocab
        self.merges = merges
        self.continuingSubwordPrefix = Array((continuingSubwordPrefix ?? "").unicodeScalars)
        self.endOfWordSuffix = Array((endOfWordSuffix ?? "").unicodeScalars)
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        self.heapThreshold = heapThreshold
        self.cache = cacheCapacity > 0 ? BPECache(capacity: cacheCapacity) : nil
    }

    deinit { smallScalarIds.deallocate() }

    /// `<0x0A>`: the Rust library's `format!("<{:#04X}>", b)`.
    static func byteToken(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    func token(_ id: Int32) -> String? { id >= 0 && Int(id) < tokenStrings.count ? tokenStrings[Int(id)] : nil }

    // MARK: - Tokenize

    /// A symbol of the word being merged: token id and the scalars of the piece it covers.
    struct Symbol {
        var id: Int32
        var start: Int32
        var end: Int32
    }

    func tokenize(_ piece: ArraySlice<Unicode.Scalar>, into sink: inout TokenSink) {
        guard !piece.isEmpty else { return }
        let base = piece.startIndex
        if ignoreMerges, let id = vocab.id(of: piece) {
            sink.append(id, base..<piece.endIndex)
            return
        }
        piece.withUnsafeBufferPointer { scalars in
            let hash = BPECache.hash(scalars)
            if let cache, cache.lookup(scalars, hash: hash, base: base, into: &sink) { return }
            let mark = sink.ids.count
            if !(scalars.count <= heapThreshold && mergeSmall(scalars, base: base, into: &sink)) {
                var symbols = initialSymbols(scalars)
                if symbols.count > heapThreshold { mergeWithHeap(&symbols) } else { mergeByScanning(&symbols) }
                Self.appendByteSymbols(symbols, of: scalars, base: base, into: &sink)
            }
            cache?.store(scalars, hash: hash, base: base, sink: sink, from: mark)
        }
    }

    /// The common case in scratch memory: every scalar is a token of its own and no prefix or suffix applies.
    /// Returns false (having appended nothing) when that does not hold.
    private func mergeSmall(_ scalars: UnsafeBufferPointer<Unicode.Scalar>, base: Int, into sink: inout TokenSink) -> Bool {
        guard continuingSubwordPrefix.isEmpty, endOfWordSuffix.isEmpty else { return false }
        let n = scalars.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * n) { buffer -> Bool in
            let ids = buffer.baseAddress!, starts = ids + n, ranks = ids + 2 * n, merged = ids + 3 * n
            for i in 0..<n {
                let v = Int(scalars[i].value)
                var id: Int32 = -1
                if v < Self.smallLimit { id = smallScalarIds[v] } else if let found = vocab.id(of: CollectionOfOne(scalars[i])) { id = found }
                if id < 0 { return false }
                ids[i] = id
                starts[i] = Int32(i)
            }
            var count = n
            for i in 0..<(count - 1) { ranks[i] = merges.rank(ids[i], ids[i + 1], merged: &merged[i]) }
            while count > 1 {
                var best = 0
                var bestRank = ranks[0]
                var i = 1
                while i < count - 1 {
                    if ranks[i] < bestRank { bestRank = ranks[i]; best = i }
                    i += 1
                }
                if bestRank == Int32.max { break }
                ids[best] = merged[best]
                // Remove symbol best+1 and pair best (its pair with best+1).
                let tail = count - best - 2
                if tail > 0 {
                    (ids + best + 1).update(from: ids + best + 2, count: tail)
                    (starts + best + 1).update(from: starts + best + 2, count: tail)
                    (ranks + best).update(from: ranks + best + 1, count: tail)
                    (merged + best).update(from: merged + best + 1, count: tail)
                }
                count -= 1
                if best > 0 { ranks[best - 1] = merges.rank(ids[best - 1], ids[best], merged: &merged[best - 1]) }
                if best < count - 1 { ranks[best] = merges.rank(ids[best], ids[best + 1], merged: &merged[best]) }
            }
            for i in 0..<count {
                let end = i + 1 < count ? Int(starts[i + 1]) : n
                sink.append(ids[i], base + Int(starts[i]) ..< base + end)
            }
            return true
        }
    }

    /// One symbol per scalar (with prefix/suffix as configured), unknown scalars handled as the Rust `merge_word`:
    /// byte-fallback tokens if all exist (a pending unknown is not flushed first, as there), else the unknown
    /// token (fused with a preceding one when `fuse_unk`), else nothing. Symbol bounds are UTF-8 byte offsets
    /// counted over the symbols kept, as the Rust library counts them: a dropped scalar shifts the offsets of
    /// the tokens after it.
    func initialSymbols(_ piece: UnsafeBufferPointer<Unicode.Scalar>) -> [Symbol] {
        var symbols: [Symbol] = []
        symbols.reserveCapacity(piece.count)
        var unk: Symbol?
        var lookup: [Unicode.Scalar] = []
        var position: Int32 = 0
        func add(_ id: Int32, _ length: Int32) {
            symbols.append(Symbol(id: id, start: position, end: position + length))
            position += length
        }
        for k in 0..<piece.count {
            let s = piece[k]
            let length = Int32(UTF8.width(s))
            lookup.removeAll(keepingCapacity: true)
            if k > 0 { lookup.append(contentsOf: continuingSubwordPrefix) }
            lookup.append(s)
            if k == piece.count - 1 { lookup.append(contentsOf: endOfWordSuffix) }
            if let id = vocab.id(of: lookup) {
                if let u = unk { add(u.id, u.end - u.start); unk = nil }
                add(id, length)
                continue
            }
            if byteFallback {
                let bytes = Array(UTF8.encode(s)!)
                if bytes.allSatisfy({ byteIds[Int($0)] != nil }) {
                    for b in bytes { add(byteIds[Int(b)]!, 1) }
                    continue
                }
            }
            if let unkId {
                if let u = unk, fuseUnknown {
                    unk = Symbol(id: u.id, start: 0, end: u.end - u.start + length)
                } else {
                    if let u = unk { add(u.id, u.end - u.start) }
                    unk = Symbol(id: unkId, start: 0, end: length)
                }
            }
        }
        if let u = unk { add(u.id, u.end - u.start) }
        return symbols
    }

    /// Appends symbols whose bounds are byte offsets (`initialSymbols`) with their ranges in scalars of the
    /// piece: from the scalar holding the first byte to the one holding the last, as the Rust library maps them.
    static func appendByteSymbols(_ symbols: [Symbol], of piece: UnsafeBufferPointer<Unicode.Scalar>, base: Int,
                                  into sink: inout TokenSink) {
        var byteStarts = [Int32](repeating: 0, count: piece.count + 1)
        for (k, s) in piece.enumerated() { byteStarts[k + 1] = byteStarts[k] + Int32(UTF8.width(s)) }
        func scalar(holding byte: Int32) -> Int {
            var lo = 0, hi = piece.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if byteStarts[mid] <= byte { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        for s in symbols {
            sink.append(s.id, base + scalar(holding: s.start) ..< base + scalar(holding: s.end - 1) + 1)
        }
    }

    /// Keeps each adjacent pair's rank, merges the lowest (leftmost on ties), updates its neighbours.
    func mergeByScanning(_ symbols: inout [Symbol]) {
        var n = symbols.count
        guard n > 1 else { return }
        let none = Int32.max
        var ranks = [Int32](repeating: none, count: n - 1)
        var mergedIds = [Int32](repeating: -1, count: n - 1)
        for i in 0..<(n - 1) { ranks[i] = merges.rank(symbols[i].id, symbols[i + 1].id, merged: &mergedIds[i]) }
        while n > 1 {
            var best = 0
            var bestRank = ranks[0]
            for i in 1..<(n - 1) where ranks[i] < bestRank {
                bestRank = ranks[i]
                best = i
            }
            if bestRank == none { break }
            symbols[best].id = mergedIds[best]
            symbols[best].end = symbols[best + 1].end
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            mergedIds.remove(at: best)
            n -= 1
            if best > 0 { ranks[best - 1] = merges.rank(symbols[best - 1].id, symbols[best].id, merged: &mergedIds[best - 1]) }
            if best < n - 1 { ranks[best] = merges.rank(symbols[best].id, symbols[best + 1].id, merged: &mergedIds[best]) }
        }
    }

    /// Long words: the Rust library's algorithm — a min-heap of (rank, position) over a linked list of symbols,
    /// stale entries skipped when popped.
    func mergeWithHeap(_ symbols: inout [Symbol]) {
        let n = symbols.count
        var prev = (0..<n).map { $0 - 1 }
        var next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        for i in 0..<max(0, n - 1) {
            if let m = merges.lookup(symbols[i].id, symbols[i + 1].id) { heap.push(rank: m.rank, pos: Int32(i), merged: m.merged) }
        }
        while let top = heap.pop() {
            let pos = Int(top.pos)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = next[pos]
            guard let m = merges.lookup(symbols[pos].id, symbols[right].id), m.merged == top.merged else { continue }
            symbols[pos].id = m.merged
            symbols[pos].end = symbols[right].end
            alive[right] = false
            next[pos] = next[right]
            if next[right] >= 0 { prev[next[right]] = pos }
            if prev[pos] >= 0, let l = merges.lookup(symbols[prev[pos]].id, symbols[pos].id) {
                heap.push(rank: l.rank, pos: Int32(prev[pos]), merged: l.merged)
            }
            if next[pos] >= 0, let r = merges.lookup(symbols[pos].id, symbols[next[pos]].id) {
                heap.push(rank: r.rank, pos: Int32(pos), merged: r.merged)
            }
        }
        var out: [Symbol] = []
        out.reserveCapacity(n)
        for i in 0..<n where alive[i] { out.append(symbols[i]) }
        symbols = out
    }
}
