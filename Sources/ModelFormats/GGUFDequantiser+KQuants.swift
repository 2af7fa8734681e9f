/// The K-quant super-blocks of 256 elements (`QK_K`), split into sub-blocks that each carry a scale (and a min).
/// Plain fixed-length loops over pointers, which LLVM vectorises (see GGUFDequantiser+Legacy.swift).
extension GGUFDequantiser {
    /// The 6-bit scale and min of sub-block j (0…7) from the 12 packed bytes of Q4_K / Q5_K (ggml's
    /// `get_scale_min_k4`): j < 4 in the low 6 bits of bytes j and j + 4; j ≥ 4 split between the nibbles of byte
    /// j + 4 and the top two bits of bytes j − 4 and j.
    @inline(__always)
    static func scaleMin(_ q: UnsafePointer<UInt8>, _ j: Int) -> (scale: Float, min: Float) {
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        return (Float((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)), Float((q[j + 4] >> 4) | ((q[j] >> 6) << 4)))
    }

    /// block_q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles. Each 64 elements
    /// take the low then the high nibbles of 32 bytes, as two sub-blocks: x = (d·scale)·q − (dmin·min).
    static func q4_K(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 144
            let d = half(p, 0)
            let dmin = half(p, 2)
            let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<4 {
                let (sc1, m1) = scaleMin(scales, 2 * j)
                let (sc2, m2) = scaleMin(scales, 2 * j + 1)
                let d1 = d * sc1, min1 = dmin * m1
                let d2 = d * sc2, min2 = dmin * m2
                let q = (p + 16 + 32 * j).assumingMemoryBound(to: UInt8.self)
                let out = y + 256 * b + 64 * j
                for l in 0..<32 { out[l] = Float(q[l] & 0x0F) * d1 - min1 }
                for l in 0..<32 { out[32 + l] = Float(q[l] >> 4) * d2 - min2 }
            }
        }
    }

    /// block_q5_K (176 bytes): f16 d, f16 dmin, 12 bytes of scales/mins, 32 bytes qh, 128 bytes of nibbles. As
    /// Q4_K, plus bit s of qh[l] as the fifth bit of element l of sub-block s.
    static func q5_K(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 176
            let d = half(p, 0)
            let dmin = half(p, 2)
            let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
            let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
            for j in 0..<4 {
                let (sc1, m1) = scaleMin(scales, 2 * j)
                let (sc2, m2) = scaleMin(scales, 2 * j + 1)
                let d1 = d * sc1, min1 = dmin * m1
                let d2 = d * sc2, min2 = dmin * m2
                let q = (p + 48 + 32 * j).assumingMemoryBound(to: UInt8.self)
                let out = y + 256 * b + 64 * j
                let s1 = UInt8(2 * j), s2 = UInt8(2 * j + 1)
                for l in 0..<32 { out[l] = Float(q[l] & 0x0F | ((qh[l] >> s1) & 1) << 4) * d1 - min1 }
                for l in 0..<32 { out[32 + l] = Float(q[l] >> 4 | ((qh[l] >> s2) & 1) << 4) * d2 - min2 }
            }
        }
    }

    /// block_q6_K (210 bytes): 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 signed 8-bit scales, f16 d.
    /// Each half of 128 elements takes 64 ql bytes and 32 qh bytes; its four runs of 32 elements use ql bytes
    /// 0–31 low nibble, 32–63 low, 0–31 high, 32–63 high, with qh bits 0–1, 2–3, 4–5, 6–7. One scale per 16
    /// elements: x = (d·scale)·(q − 32).
    static func q6_K(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 210
            let d = half(p, 208)
            let scales = (p + 192).assumingMemoryBound(to: Int8.self)
            for h in 0..<2 {
                let qh = (p + 128 + 32 * h).assumingMemoryBound(to: UInt8.self)
                for t in 0..<4 {
                    let ql = (p + 64 * h + 32 * (t & 1)).assumingMemoryBound(to: UInt8.self)
                    let lowShift = UInt8(4 * (t >> 1)), highShift = UInt8(2 * t)
                    for g in 0..<2 {
                        let ds = d * Float(scales[8 * h + 2 * t + g])
                        let out = y + 256 * b + 128 * h + 32 * t + 16 * g
                        for l in 0..<16 {
                            let i = 16 * g + l
                            let q = (ql[i] >> lowShift) & 0x0F | ((qh[i] >> highShift) & 3) << 4
                            out[l] = ds * Float(Int32(q) - 32)
                        }
                    }
                }
            }
        }
    }
}
