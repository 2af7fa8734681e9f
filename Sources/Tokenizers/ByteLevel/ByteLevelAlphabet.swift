/// GPT-2's reversible map between bytes and printable scalars (`bytes_to_unicode`): the 188 printable Latin-1 bytes
/// stand for themselves, the other 68 (controls, space, DEL, NBSP, soft hyphen) become U+0100…U+0143 in byte order.
/// Byte-level BPE vocabularies are written in this alphabet, so a space is `Ġ` (U+0120) and a newline `Ċ` (U+010A).
enum ByteLevelAlphabet {
    /// The scalar standing for each byte.
    static let scalarOfByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(0x100 + n)!
                n += 1
            }
        }
        return table
    }()

    /// The byte each alphabet scalar stands for (index = scalar value < 0x144), -1 for other scalars.
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarOfByte.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    @inline(__always)
    static func byte(of s: Unicode.Scalar) -> UInt8? {
        let v = s.value
        guard v < 0x144 else { return nil }
        let b = byteOfScalar[Int(v)]
        return b < 0 ? nil : UInt8(b)
    }

    /// The bytes a token spells, as the Rust decoder reads them: the alphabet's bytes when every scalar belongs to
    /// it, else the token's own UTF-8 (an added token such as "<|im_end|>" written in plain text).
    static func appendBytes(of token: String, to out: inout [UInt8]) {
        let start = out.count
        for s in token.unicodeScalars {
            guard let b = byte(of: s) else {
                out.removeSubrange(start...)
                out.append(contentsOf: token.utf8)
                return
            }
            out.append(b)
        }
    }
}
