/// Reads little-endian GGUF fields from a mapped file, checking every read against the end of the file so a
/// truncated or lying file gives `GGUFError.truncated` naming what was being read, never a crash.
struct GGUFByteCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int

    init(bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes exist.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        guard count <= remaining else { throw .truncated(path: path, offset: offset, what: what()) }
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        try require(count, what())
        offset += count
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    /// A GGUF string (u64 length, then UTF-8 bytes without a terminator): where its bytes lie, after checking they
    /// are in the file and valid UTF-8.
    mutating func readStringSpan(_ what: @autoclosure () -> String) throws(GGUFError) -> (start: Int, length: Int) {
        let declared = try read(UInt64.self, "the length of \(what())")
        guard declared <= UInt64(remaining) else { throw .truncated(path: path, offset: offset, what: what()) }
        let length = Int(declared)
        let start = offset
        guard Self.isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes[start ..< start + length])) else {
            throw .invalidUTF8(path: path, what: what())
        }
        offset += length
        return (start, length)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let (start, length) = try readStringSpan(what())
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< start + length]), as: UTF8.self)
    }

    /// `count` fixed-size values copied out as a Swift array (the host is little-endian; FileIO.swift enforces it).
    mutating func readArray<T>(of _: T.Type, count: Int, _ what: @autoclosure () -> String) throws(GGUFError) -> [T] {
        let size = MemoryLayout<T>.stride
        guard count <= remaining / size else { throw .truncated(path: path, offset: offset, what: what()) }
        let source = bytes.baseAddress.map { $0 + offset }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, let source {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: source, byteCount: count * size)
            }
            initialized = count
        }
        offset += count * size
        return values
    }

    /// Strict UTF-8 (RFC 3629: no overlong forms, surrogates or values past U+10FFFF), with an ASCII fast path:
    /// token strings are mostly ASCII.
    static func isValidUTF8(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = buffer.count
        var i = 0
        while i < n {
            if i + 8 <= n, base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            @inline(__always) func continuation(_ k: Int) -> Bool { i + k < n && p[i + k] & 0xC0 == 0x80 }
            switch b0 {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return false }
                let b1 = p[i + 1]
                if (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 >= 0xA0) { return false }
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let b1 = p[i + 1]
                if (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 >= 0x90) { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
