import Foundation

/// Decompositions, combining classes and composition pairs as the Rust library's normalizers see them: its
/// `unicode-normalization-alignments` 0.1.12 tables are Unicode 9.0, so scalars assigned later neither decompose,
/// compose nor reorder. Built once from Foundation's normalization of each scalar (mappings of existing scalars
/// never change between Unicode versions, so filtering by age reproduces the 9.0 tables).
/// The canonical and compatibility tables are built separately, on first use (NFC needs only the first).
enum UnicodeNormalizationData {
    /// Full canonical (NFD) decompositions, Hangul syllables excepted, and the primary composites
    /// ((first << 32 | second) → composite).
    static let canonical: (decompositions: [UInt32: [Unicode.Scalar]], compositions: [UInt64: Unicode.Scalar]) = {
        var decompositions: [UInt32: [Unicode.Scalar]] = [:]
        var composites: [Unicode.Scalar] = []
        forEachCandidate { v, s in
            let nfd = Array(String(s).decomposedStringWithCanonicalMapping.unicodeScalars)
            guard nfd != [s] else { return }
            decompositions[v] = nfd
            // Composed from its decomposition (Foundation recomposes decomposed input reliably; it leaves some
            // precomposed input such as U+0CCA U+0CD5 alone).
            if nfc(nfd) == [s] { composites.append(s) }
        }
        // A composite's pair is (its decomposition without the last scalar, recomposed; that last scalar): for
        // every primary composite of Unicode the single-level mapping <p, c> has c last in the full decomposition.
        var compositions: [UInt64: Unicode.Scalar] = [:]
        for r in composites {
            let nfd = decompositions[r.value]!
            let head = nfc(Array(nfd.dropLast()))
            guard head.count == 1 else { continue }
            compositions[UInt64(head[0].value) << 32 | UInt64(nfd.last!.value)] = r
        }
        return (decompositions, compositions)
    }()

    /// Full compatibility (NFKD) decompositions, Hangul syllables excepted.
    static let compatibility: [UInt32: [Unicode.Scalar]] = {
        var decompositions: [UInt32: [Unicode.Scalar]] = [:]
        forEachCandidate { v, s in
            let nfkd = Array(String(s).decomposedStringWithCompatibilityMapping.unicodeScalars)
            if nfkd != [s] { decompositions[v] = nfkd }
        }
        return decompositions
    }()

    /// Assigned scalars of Unicode 9.0 outside the ranges that never decompose (ASCII, CJK ideographs, Hangul
    /// syllables, private use).
    private static func forEachCandidate(_ body: (UInt32, Unicode.Scalar) -> Void) {
        let ranges: [ClosedRange<UInt32>] = [0xA0...0x33FF, 0xA000...0xABFF, 0xF900...0xFFFF, 0x10000...0x1FFFF,
                                             0x2F800...0x2FA1F]
        for range in ranges {
            for v in range {
                guard let s = Unicode.Scalar(v), existed(s), s.properties.generalCategory != .unassigned else { continue }
                body(v, s)
            }
        }
    }

    private static func nfc(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        Array(String(String.UnicodeScalarView(scalars)).precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    @inline(__always)
    static func existed(_ s: Unicode.Scalar) -> Bool { HFUnicode.existed(s, in: 9, 0) }

    /// Canonical combining class as of Unicode 9.0.
    @inline(__always)
    static func combiningClass(_ s: Unicode.Scalar) -> UInt8 {
        if s.value < 0x300 || !existed(s) { return 0 }
        return s.properties.canonicalCombiningClass.rawValue
    }

    // MARK: - Hangul (algorithmic)

    static let sBase: UInt32 = 0xAC00, lBase: UInt32 = 0x1100, vBase: UInt32 = 0x1161, tBase: UInt32 = 0x11A7
    static let lCount: UInt32 = 19, vCount: UInt32 = 21, tCount: UInt32 = 28, sCount: UInt32 = 11172

    /// Appends the full decomposition of `s` (itself when it has none).
    static func decompose(_ s: Unicode.Scalar, compatibility: Bool, into out: inout [Unicode.Scalar]) {
        let v = s.value
        if v < 0xA0 { out.append(s); return }
        if v >= Self.sBase && v < Self.sBase + Self.sCount {
            let index = v - Self.sBase
            out.append(Unicode.Scalar(Self.lBase + index / (Self.vCount * Self.tCount))!)
            out.append(Unicode.Scalar(Self.vBase + (index % (Self.vCount * Self.tCount)) / Self.tCount)!)
            if index % Self.tCount != 0 { out.append(Unicode.Scalar(Self.tBase + index % Self.tCount)!) }
            return
        }
        if let d = compatibility ? Self.compatibility[v] : Self.canonical.decompositions[v] {
            out.append(contentsOf: d)
        } else {
            out.append(s)
        }
    }

    /// The primary composite of `a` followed by `b`, if any.
    static func compose(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Unicode.Scalar? {
        let x = a.value, y = b.value
        if x >= Self.lBase && x < Self.lBase + Self.lCount && y >= Self.vBase && y < Self.vBase + Self.vCount {
            return Unicode.Scalar(Self.sBase + ((x - Self.lBase) * Self.vCount + (y - Self.vBase)) * Self.tCount)
        }
        if x >= Self.sBase && x < Self.sBase + Self.sCount && (x - Self.sBase) % Self.tCount == 0
            && y > Self.tBase && y < Self.tBase + Self.tCount {
            return Unicode.Scalar(x + (y - Self.tBase))
        }
        return canonical.compositions[UInt64(x) << 32 | UInt64(y)]
    }
}
