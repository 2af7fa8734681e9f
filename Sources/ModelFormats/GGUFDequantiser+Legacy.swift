/// The 32-element block types. Within a block, element j < 16 comes from the low nibble of byte j and element
/// j + 16 from its high nibble; the 5-bit types add bit j of the 32-bit `qh` as the fifth bit of element j.
///
/// The inner loops are plain fixed-length loops over pointers, which LLVM vectorises (SSE2 or AVX2); Swift's
/// generic SIMD conversions (SIMD32<Int8> → SIMD32<Float>, masked selects) compiled to scalar code 20–100× slower.
extension GGUFDequantiser {
    /// block_q4_0 (18 bytes): f16 d, 16 bytes of nibbles. x = (q − 8)·d.
    static func q4_0(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 18
            let d = half(p, 0)
            let q = (p + 2).assumingMemoryBound(to: UInt8.self)
            let out = y + 32 * b
            for j in 0..<16 {
                out[j] = Float(Int32(q[j] & 0x0F) - 8) * d
                out[j + 16] = Float(Int32(q[j] >> 4) - 8) * d
            }
        }
    }

    /// block_q4_1 (20 bytes): f16 d, f16 m, 16 bytes of nibbles. x = q·d + m.
    static func q4_1(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 20
            let d = half(p, 0)
            let m = half(p, 2)
            let q = (p + 4).assumingMemoryBound(to: UInt8.self)
            let out = y + 32 * b
            for j in 0..<16 {
                out[j] = Float(q[j] & 0x0F) * d + m
                out[j + 16] = Float(q[j] >> 4) * d + m
            }
        }
    }

    /// The 32 bits of `qh` as 32 bytes of 0 or 16 (bit j → byte j): the fifth bit of each 5-bit value, spread
    /// with a multiply so no per-lane variable shift is needed.
    @inline(__always)
    private static func fifthBits(_ p: UnsafeRawPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        @inline(__always) func spread(_ byte: UInt8) -> UInt64 {
            // Copy the byte into all 8 lanes, keep bit k in lane k, turn nonzero lanes into 0x80, move to 16.
            let lanes = (UInt64(byte) &* 0x0101_0101_0101_0101) & 0x8040_2010_0804_0201
            return ((lanes &+ 0x7F7F_7F7F_7F7F_7F7F) >> 3) & 0x1010_1010_1010_1010
        }
        let q = p.assumingMemoryBound(to: UInt8.self)
        return (spread(q[0]), spread(q[1]), spread(q[2]), spread(q[3]))
    }

    /// block_q5_0 (22 bytes): f16 d, u32 qh, 16 bytes of nibbles. x = (q − 16)·d.
    static func q5_0(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 22
            let d = half(p, 0)
            var high = fifthBits(p + 2)
            let q = (p + 6).assumingMemoryBound(to: UInt8.self)
            let out = y + 32 * b
            withUnsafeBytes(of: &high) { bytes in
                let h = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    out[j] = Float(Int32(q[j] & 0x0F | h[j]) - 16) * d
                    out[j + 16] = Float(Int32(q[j] >> 4 | h[j + 16]) - 16) * d
                }
            }
        }
    }

    /// block_q5_1 (24 bytes): f16 d, f16 m, u32 qh, 16 bytes of nibbles. x = q·d + m.
    static func q5_1(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 24
            let d = half(p, 0)
            let m = half(p, 2)
            var high = fifthBits(p + 4)
            let q = (p + 8).assumingMemoryBound(to: UInt8.self)
            let out = y + 32 * b
            withUnsafeBytes(of: &high) { bytes in
                let h = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    out[j] = Float(q[j] & 0x0F | h[j]) * d + m
                    out[j + 16] = Float(q[j] >> 4 | h[j + 16]) * d + m
                }
            }
        }
    }

    /// block_q8_0 (34 bytes): f16 d, 32 signed bytes. x = q·d.
    static func q8_0(_ source: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let p = source + b * 34
            let d = half(p, 0)
            let q = (p + 2).assumingMemoryBound(to: Int8.self)
            let out = y + 32 * b
            for j in 0..<32 { out[j] = Float(q[j]) * d }
        }
    }
}
