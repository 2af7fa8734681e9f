import Foundation

/// Character classes exactly as the Rust `tokenizers` library sees them, built from Swift's Unicode tables.
///
/// The library takes general categories (control/format/private-use, punctuation, non-spacing marks) from the
/// `unicode_categories` crate, whose tables are Unicode 8.0, and canonical decompositions from tables of Unicode
/// 12.x; lowercasing and White_Space come from Rust's std (current Unicode). So a scalar counts only if it already
/// existed in that Unicode version, and the few scalars whose category changed since 8.0 are listed below.
/// `Tests/Fixtures/minilm_tokenizer.json` checks every code point against the Python library.
enum HFUnicode {
    /// True when `s` was assigned in Unicode `major.minor` or earlier.
    @inline(__always)
    static func existed(_ s: Unicode.Scalar, in major: Int, _ minor: Int) -> Bool {
        guard let age = s.properties.age else { return false }
        return age.major < major || (age.major == major && age.minor <= minor)
    }

    /// Scalars whose general category changed after Unicode 8.0, with their 8.0 class.
    private enum Class8 { case punctuation, nonspacingMark, other }
    private static let changedSince8: [UInt32: Class8] = [
        0x166D: .punctuation,     // CANADIAN SYLLABICS CHI SIGN: Po in 8.0, So later
        0x111C9: .punctuation,    // SHARADA SANDHI MARK: Po in 8.0, Mn later
        0x1734: .nonspacingMark,  // HANUNOO SIGN PAMUDPOD: Mn in 8.0, Mc later
        0x1171E: .nonspacingMark, // AHOM CONSONANT SIGN MEDIAL RA: Mn in 8.0, Mc later
        0x1885: .other,           // MONGOLIAN LETTER ALI GALI BALUDA: Lo in 8.0, Mn later
        0x1886: .other,           // MONGOLIAN LETTER ALI GALI THREE BALUDA: Lo in 8.0, Mn later
        0xA9BD: .other,           // JAVANESE CONSONANT SIGN KERET: Mc in 8.0, Mn later
    ]

    private static func class8(_ s: Unicode.Scalar) -> Class8? {
        if let c = changedSince8[s.value] { return c }
        guard existed(s, in: 8, 0) else { return nil }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return .punctuation
        case .nonspacingMark: return .nonspacingMark
        default: return nil
        }
    }

    /// `unicode_categories`' `is_other` as the BertNormalizer uses it: Cc, Cf, Co (unassigned code points are kept).
    static func isOther(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s.value < 0x20 || s.value == 0x7F }
        if changedSince8[s.value] != nil || !existed(s, in: 8, 0) { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// Unicode P* in 8.0 (`is_punctuation`).
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return isASCIIPunctuation(s.value) }
        return class8(s) == .punctuation
    }

    /// Mn in 8.0 (`is_mark_nonspacing`), what `strip_accents` removes after NFD.
    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x80 && class8(s) == .nonspacingMark
    }

    /// Rust's `char::is_ascii_punctuation`: 33–47, 58–64, 91–96, 123–126.
    @inline(__always)
    static func isASCIIPunctuation(_ v: UInt32) -> Bool {
        (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
    }

    /// Rust's `char::is_whitespace` (the White_Space property).
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s.value == 0x20 || (0x09...0x0D).contains(s.value) }
        return s.properties.isWhitespace
    }

    /// The CJK ranges of the BertNormalizer (`is_chinese_char`), including its 0x2B920 start of Extension E+F.
    @inline(__always)
    static func isChineseChar(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B920...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    /// Canonical decomposition (full, recursive) as of Unicode 12: newer scalars stay whole.
    static func canonicalDecomposition(_ s: Unicode.Scalar, into out: inout [Unicode.Scalar]) {
        // Below U+00C0 and in the CJK Unified Ideographs (with Extension A) nothing decomposes.
        if s.value < 0xC0 || (0x3400...0x9FFF).contains(s.value) || !existed(s, in: 12, 1) { out.append(s); return }
        let decomposed = String(s).decomposedStringWithCanonicalMapping.unicodeScalars
        out.append(contentsOf: decomposed)
    }

    /// Canonical combining class as of Unicode 12 (classes never change once assigned; newer scalars have none).
    @inline(__always)
    static func combiningClass(_ s: Unicode.Scalar) -> UInt8 {
        if s.value < 0x300 || !existed(s, in: 12, 1) { return 0 }
        return s.properties.canonicalCombiningClass.rawValue
    }

    /// Rust's `char::to_lowercase` (full mapping, no context).
    @inline(__always)
    static func lowercase(_ s: Unicode.Scalar, into out: inout [Unicode.Scalar]) {
        if s.value < 0x80 {
            out.append((0x41...0x5A).contains(s.value) ? Unicode.Scalar(s.value + 32)! : s)
            return
        }
        out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
    }
}
