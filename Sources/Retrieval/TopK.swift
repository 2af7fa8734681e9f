/// Top-k selection over one row of scores, in the order sentence-transformers' InformationRetrievalEvaluator ranks:
/// score descending, ties broken by the lower id. Keeping the boundary ties deterministic matters: with exact
/// duplicates in a corpus, whichever copy is returned decides whether a query counts as a hit.
public enum TopK {
    /// Writes the `k` best of `scores[0..<n]` (id = position) to `ids`/`outScores`, best first; slots beyond `n`
    /// get id −1 and score −∞ (what FAISS returns for missing neighbours). NaN scores are never selected.
    public static func select(_ scores: UnsafePointer<Float>, count n: Int, k: Int,
                              ids: UnsafeMutablePointer<Int64>, outScores: UnsafeMutablePointer<Float>) {
        guard k > 0 else { return }
        // Min-heap on (score, −id) of the best candidates so far: the root is the worst kept one. Positions are
        // scanned in increasing order, so a later position with the root's score is worse and never enters.
        var heapScores = [Float](), heapIDs = [Int]()
        heapScores.reserveCapacity(min(k, n))
        heapIDs.reserveCapacity(min(k, n))
        @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
            heapScores[a] < heapScores[b] || (heapScores[a] == heapScores[b] && heapIDs[a] > heapIDs[b])
        }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heapScores.count && worse(l, m) { m = l }
                if r < heapScores.count && worse(r, m) { m = r }
                if m == i { return }
                heapScores.swapAt(i, m)
                heapIDs.swapAt(i, m)
                i = m
            }
        }
        var threshold = -Float.infinity  // the root's score once the heap is full
        for j in 0..<n {
            let s = scores[j]
            if s.isNaN { continue }
            if heapScores.count < k {
                heapScores.append(s)
                heapIDs.append(j)
                var i = heapScores.count - 1
                while i > 0 {
                    let p = (i - 1) / 2
                    guard worse(i, p) else { break }
                    heapScores.swapAt(i, p)
                    heapIDs.swapAt(i, p)
                    i = p
                }
                if heapScores.count == k { threshold = heapScores[0] }
            } else if s > threshold {
                heapScores[0] = s
                heapIDs[0] = j
                siftDown(0)
                threshold = heapScores[0]
            }
        }
        let order = heapScores.indices.sorted {
            heapScores[$0] > heapScores[$1] || (heapScores[$0] == heapScores[$1] && heapIDs[$0] < heapIDs[$1])
        }
        for (slot, h) in order.enumerated() {
            ids[slot] = Int64(heapIDs[h])
            outScores[slot] = heapScores[h]
        }
        for slot in order.count..<k {
            ids[slot] = -1
            outScores[slot] = -.infinity
        }
    }
}
