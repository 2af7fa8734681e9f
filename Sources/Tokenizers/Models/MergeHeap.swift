/// A binary min-heap of pending BPE merges ordered by (rank, position), as the Rust library's merge queue.
struct MergeHeap {
    struct Entry {
        var rank: Int32
        var pos: Int32
        var merged: Int32
    }

    private var items: [Entry] = []

    @inline(__always)
    private static func less(_ a: Entry, _ b: Entry) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos }

    mutating func push(rank: Int32, pos: Int32, merged: Int32) {
        items.append(Entry(rank: rank, pos: pos, merged: merged))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.less(items[l], items[m]) { m = l }
                if r < items.count, Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
