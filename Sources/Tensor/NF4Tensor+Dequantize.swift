extension NF4Tensor {
    /// Rows `rows` of the row-major 2-D view, as `dequantize_4bit` computes them (nf4[code]·blockAbsmax), written
    /// contiguously to `out` (rows.count × columns floats), on the calling thread (a `QuantizedWeight`'s rows).
    public func dequantizeRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= self.rows, "NF4Tensor: rows \(rows) of \(self.rows)")
        guard !rows.isEmpty else { return }
        dequantizeSerially(rows.lowerBound * columns..<rows.upperBound * columns, into: out)
    }

    /// Elements `range` of the flat tensor into `out[0..<range.count]`, in chunks of whole blocks per worker. Runs for
    /// every frozen projection in every training step, so whole blocks go through an 8-wide kernel and the blocks are
    /// split over the cores.
    public func dequantizeElements(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "NF4Tensor: elements \(range) of \(count)")
        guard !range.isEmpty else { return }
        let firstBlock = range.lowerBound / Self.blockSize
        let blocks = (range.upperBound + Self.blockSize - 1) / Self.blockSize - firstBlock
        // A block takes ~10 ns; below ~4096 blocks (40 µs) waking a second thread costs more than it saves.
        Parallel.forEachChunk(blocks, cost: 8) { chunk in
            let lo = Swift.max(range.lowerBound, (firstBlock + chunk.lowerBound) * Self.blockSize)
            let hi = Swift.min(range.upperBound, (firstBlock + chunk.upperBound) * Self.blockSize)
            dequantizeSerially(lo..<hi, into: out + (lo - range.lowerBound))
        }
    }

    /// One thread's share: whole blocks through `dequantizeBlock`, partial ones element by element.
    private func dequantizeSerially(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let pairs = Self.codePairs, dynamic = NF4Codebook.dynamic
        packed.withUnsafeBufferPointer { packed in
        quantizedAbsmax.withUnsafeBufferPointer { codes in
        absmaxScales.withUnsafeBufferPointer { scales in
        pairs.withUnsafeBufferPointer { pairs in
        dynamic.withUnsafeBufferPointer { dynamic in
            let packed = packed.baseAddress!, pairs = pairs.baseAddress!
            var i = range.lowerBound
            while i < range.upperBound {
                let b = i / Self.blockSize
                let blockStart = b * Self.blockSize
                let end = Swift.min(blockStart + Self.blockSize, range.upperBound)
                let product = dynamic[Int(codes[b])] * scales[b / Self.statisticsBlockSize]
                let scale = product + offset
                let o = out + (i - range.lowerBound)
                if i == blockStart && end - i == Self.blockSize {
                    Self.dequantizeBlock(packed + blockStart / 2, scale: scale, pairs: pairs, into: o)
                } else {
                    for j in i..<end {
                        let byte = packed[j / 2]
                        let code = j & 1 == 0 ? byte >> 4 : byte & 0xF
                        o[j - i] = NF4Codebook.nf4[Int(code)] * scale
                    }
                }
                i = end
            }
        }}}}}
    }

    /// 64 values from 32 bytes: each byte looks up its two codes' values at once in `codePairs`, four bytes make an
    /// 8-wide vector, one multiply scales it (the same float32 products as code·scale one at a time).
    @inline(__always)
    private static func dequantizeBlock(_ bytes: UnsafePointer<UInt8>, scale: Float,
                                        pairs: UnsafePointer<SIMD2<Float>>, into out: UnsafeMutablePointer<Float>) {
        let s = SIMD8<Float>(repeating: scale)
        let word = UnsafeRawPointer(bytes)
        for j in 0..<8 {
            let w = word.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self).littleEndian
            let low = SIMD4(lowHalf: pairs[Int(w & 0xFF)], highHalf: pairs[Int(w >> 8 & 0xFF)])
            let high = SIMD4(lowHalf: pairs[Int(w >> 16 & 0xFF)], highHalf: pairs[Int(w >> 24)])
            let v = SIMD8(lowHalf: low, highHalf: high) * s
            UnsafeMutableRawPointer(out + 8 * j).storeBytes(of: v, as: SIMD8<Float>.self)
        }
    }

    /// For each byte, the values of its high and low nibble codes, in output order.
    static let codePairs: [SIMD2<Float>] = (0..<256).map {
        SIMD2(NF4Codebook.nf4[$0 >> 4], NF4Codebook.nf4[$0 & 0xF])
    }
}
