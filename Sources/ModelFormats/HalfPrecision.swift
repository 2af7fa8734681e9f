/// Bulk conversions between Float32 and the 16-bit float formats found in checkpoints.
///
/// Sources are raw (possibly unaligned) little-endian bytes, as they sit in a memory-mapped file. Widening runs eight
/// lanes at a time with integer bit manipulation: Swift's scalar `Float(Float16)` becomes a libcall per element on
/// x86_64 without F16C, and F16 subnormals are renormalised without ever doing arithmetic on a Float32 subnormal
/// (slow on x86, and flushed to zero if anything in the process set DAZ).
public enum HalfPrecision {
    /// Widens `count` IEEE binary16 values at `source` into `destination`; exact for every input (NaN payloads kept).
    public static func f16ToF32(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(destination)
        var i = 0
        while i + 8 <= count {
            let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
            raw.storeBytes(of: widenF16(SIMD8<UInt32>(truncatingIfNeeded: h)), toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            destination[i] = f16ToF32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }

    /// Widens `count` bfloat16 values (the top 16 bits of a Float32) at `source` into `destination`; exact.
    public static func bf16ToF32(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(destination)
        var i = 0
        while i + 8 <= count {
            let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
            let bits = SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16
            raw.storeBytes(of: bits, toByteOffset: 4 * i, as: SIMD8<UInt32>.self)
            i += 8
        }
        while i < count {
            destination[i] = bf16ToF32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }

    /// Narrows `count` Float32 values to binary16 bits, rounding to nearest even (overflow gives infinity).
    public static func f32ToF16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count {
            destination.storeBytes(of: Float16(source[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// Narrows `count` Float32 values to bfloat16 bits, rounding to nearest even as PyTorch does (NaN stays NaN).
    public static func f32ToBF16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<count {
            destination.storeBytes(of: f32ToBF16(source[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// One binary16 value widened; the scalar twin of the SIMD path (same bit manipulation).
    @inlinable
    public static func f16ToF32(_ h: UInt16) -> Float {
        let bits = UInt32(h)
        var o = (bits & 0x7FFF) << 13
        let exponent = o & 0x0F80_0000
        o &+= (127 - 15) << 23
        if exponent == 0x0F80_0000 {  // Inf / NaN
            o &+= (128 - 16) << 23
        } else if exponent == 0 {  // zero / subnormal: bias the exponent up by one, then subtract that 2^-14 back
            o &+= 1 << 23
            o = (Float(bitPattern: o) - Float(bitPattern: 113 << 23)).bitPattern
        }
        return Float(bitPattern: o | (bits & 0x8000) << 16)
    }

    @inlinable
    public static func bf16ToF32(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

    @inlinable
    public static func f32ToBF16(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }  // keep it NaN: force a quiet bit
        let roundingBias = 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    @inline(__always)
    static func widenF16(_ h: SIMD8<UInt32>) -> SIMD8<Float> {
        let shiftedExponent = SIMD8<UInt32>(repeating: 0x0F80_0000)
        var o = (h & 0x7FFF) &<< 13
        let exponent = o & shiftedExponent
        o &+= SIMD8(repeating: (127 - 15) << 23)
        o.replace(with: o &+ SIMD8(repeating: (128 - 16) << 23), where: exponent .== shiftedExponent)
        let tiny = exponent .== SIMD8<UInt32>(repeating: 0)
        let renormalised = unsafeBitCast(o &+ SIMD8(repeating: 1 << 23), to: SIMD8<Float>.self)
            - SIMD8<Float>(repeating: Float(bitPattern: 113 << 23))
        o.replace(with: unsafeBitCast(renormalised, to: SIMD8<UInt32>.self), where: tiny)
        return unsafeBitCast(o | (h & 0x8000) &<< 16, to: SIMD8<Float>.self)
    }
}
