/// A set of scalars as a bracket expression or escape describes it (`[^\r\n\p{L}\p{N}]`, `\s`, `\p{Lu}`), with
/// membership precomputed for ASCII so the common case is one bit test.
///
/// Classes follow Oniguruma (the engine the Rust `tokenizers` library compiles `Split` patterns with): `\s` is the
/// Unicode White_Space property, `\p{…}` a general category or category group.
struct RegexCharacterClass: Sendable, Equatable {
    enum Item: Sendable, Equatable {
        /// An inclusive range of scalar values.
        case range(UInt32, UInt32)
        /// General categories as a bit mask (`RegexCharacterClass.categoryBit`), possibly negated (`\P{L}`).
        case categories(UInt32, negated: Bool)
        /// `\s` (negated: `\S`).
        case whitespace(negated: Bool)
    }

    private(set) var items: [Item]
    private(set) var negated: Bool
    /// Match case-insensitively (inside `(?i:…)`): a scalar is in the class when it or a simple case variant is.
    private(set) var caseInsensitive: Bool
    /// Membership of scalars 0..<64 and 64..<128, negation applied.
    private(set) var asciiBits: (UInt64, UInt64) = (0, 0)

    init(items: [Item], negated: Bool = false, caseInsensitive: Bool = false) {
        self.items = items
        self.negated = negated
        self.caseInsensitive = caseInsensitive
        var low: UInt64 = 0, high: UInt64 = 0
        for v in 0..<128 where slowContains(Unicode.Scalar(UInt8(v))) {
            if v < 64 { low |= 1 << UInt64(v) } else { high |= 1 << UInt64(v - 64) }
        }
        asciiBits = (low, high)
    }

    static func == (a: Self, b: Self) -> Bool {
        a.items == b.items && a.negated == b.negated && a.caseInsensitive == b.caseInsensitive
    }

    /// A class holding exactly one scalar (used to run single-scalar repeats through the class loop).
    init(scalar: Unicode.Scalar, caseInsensitive: Bool) {
        self.init(items: [.range(scalar.value, scalar.value)], caseInsensitive: caseInsensitive)
    }

    @inline(__always)
    func contains(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 64 { return asciiBits.0 & (1 << UInt64(v)) != 0 }
        if v < 128 { return asciiBits.1 & (1 << UInt64(v - 64)) != 0 }
        return slowContains(s)
    }

    private func slowContains(_ s: Unicode.Scalar) -> Bool {
        var hit = itemsContain(s)
        if !hit && caseInsensitive {
            for variant in RegexCaseFolding.variants(of: s) where variant != s && itemsContain(variant) {
                hit = true
                break
            }
        }
        return hit != negated
    }

    private func itemsContain(_ s: Unicode.Scalar) -> Bool {
        for item in items {
            switch item {
            case .range(let lo, let hi):
                if s.value >= lo && s.value <= hi { return true }
            case .categories(let mask, let neg):
                if (mask & Self.categoryBit(s) != 0) != neg { return true }
            case .whitespace(let neg):
                if s.properties.isWhitespace != neg { return true }
            }
        }
        return false
    }

    // MARK: - General categories

    /// One bit per general category, in the order of `Unicode.GeneralCategory`'s cases. Scalars assigned after
    /// Unicode 16.0 count as unassigned: the Rust library's Oniguruma has the 16.0 tables (checked on every code
    /// point by the parity tests), and Swift's are newer.
    static func categoryBit(_ s: Unicode.Scalar) -> UInt32 {
        guard HFUnicode.existed(s, in: 16, 0) else { return 1 << 29 }
        let bit: Int
        switch s.properties.generalCategory {
        case .uppercaseLetter: bit = 0
        case .lowercaseLetter: bit = 1
        case .titlecaseLetter: bit = 2
        case .modifierLetter: bit = 3
        case .otherLetter: bit = 4
        case .nonspacingMark: bit = 5
        case .spacingMark: bit = 6
        case .enclosingMark: bit = 7
        case .decimalNumber: bit = 8
        case .letterNumber: bit = 9
        case .otherNumber: bit = 10
        case .connectorPunctuation: bit = 11
        case .dashPunctuation: bit = 12
        case .openPunctuation: bit = 13
        case .closePunctuation: bit = 14
        case .initialPunctuation: bit = 15
        case .finalPunctuation: bit = 16
        case .otherPunctuation: bit = 17
        case .mathSymbol: bit = 18
        case .currencySymbol: bit = 19
        case .modifierSymbol: bit = 20
        case .otherSymbol: bit = 21
        case .spaceSeparator: bit = 22
        case .lineSeparator: bit = 23
        case .paragraphSeparator: bit = 24
        case .control: bit = 25
        case .format: bit = 26
        case .surrogate: bit = 27
        case .privateUse: bit = 28
        case .unassigned: bit = 29
        @unknown default: bit = 29
        }
        return 1 << UInt32(bit)
    }

    /// `\p{name}` names: categories (`Lu`), groups (`L`, `N`, …) and their long forms, compared as Oniguruma does
    /// (case, spaces, hyphens and underscores ignored). Scripts and binary properties are not supported.
    static func categoryMask(named raw: String) -> UInt32? {
        let key = String(raw.lowercased().filter { $0 != " " && $0 != "_" && $0 != "-" })
        func bits(_ list: [Int]) -> UInt32 { list.reduce(0) { $0 | 1 << UInt32($1) } }
        switch key {
        case "l", "letter": return bits([0, 1, 2, 3, 4])
        case "lu", "uppercaseletter": return bits([0])
        case "ll", "lowercaseletter": return bits([1])
        case "lt", "titlecaseletter": return bits([2])
        case "lm", "modifierletter": return bits([3])
        case "lo", "otherletter": return bits([4])
        case "lc", "casedletter", "l&": return bits([0, 1, 2])
        case "m", "mark", "combiningmark": return bits([5, 6, 7])
        case "mn", "nonspacingmark": return bits([5])
        case "mc", "spacingmark": return bits([6])
        case "me", "enclosingmark": return bits([7])
        case "n", "number": return bits([8, 9, 10])
        case "nd", "decimalnumber": return bits([8])
        case "nl", "letternumber": return bits([9])
        case "no", "othernumber": return bits([10])
        case "p", "punctuation": return bits([11, 12, 13, 14, 15, 16, 17])
        case "pc", "connectorpunctuation": return bits([11])
        case "pd", "dashpunctuation": return bits([12])
        case "ps", "openpunctuation": return bits([13])
        case "pe", "closepunctuation": return bits([14])
        case "pi", "initialpunctuation": return bits([15])
        case "pf", "finalpunctuation": return bits([16])
        case "po", "otherpunctuation": return bits([17])
        case "s", "symbol": return bits([18, 19, 20, 21])
        case "sm", "mathsymbol": return bits([18])
        case "sc", "currencysymbol": return bits([19])
        case "sk", "modifiersymbol": return bits([20])
        case "so", "othersymbol": return bits([21])
        case "z", "separator": return bits([22, 23, 24])
        case "zs", "spaceseparator": return bits([22])
        case "zl", "lineseparator": return bits([23])
        case "zp", "paragraphseparator": return bits([24])
        case "c", "other": return bits([25, 26, 27, 28, 29])
        case "cc", "control": return bits([25])
        case "cf", "format": return bits([26])
        case "cs", "surrogate": return bits([27])
        case "co", "privateuse": return bits([28])
        case "cn", "unassigned": return bits([29])
        default: return nil
        }
    }
}

/// Simple (one-scalar) case variants, for `(?i:…)`: two scalars match when their lowercase or uppercase mappings
/// agree, which also pairs `ſ` with `s` and `K` (Kelvin) with `k`, as Unicode case folding does.
enum RegexCaseFolding {
    @inline(__always)
    static func equal(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        if a == b { return true }
        if a.isASCII && b.isASCII {
            let x = a.value | 0x20, y = b.value | 0x20
            return x == y && x >= 0x61 && x <= 0x7A
        }
        let la = single(a.properties.lowercaseMapping), lb = single(b.properties.lowercaseMapping)
        if let la, la == lb { return true }
        let ua = single(a.properties.uppercaseMapping), ub = single(b.properties.uppercaseMapping)
        if let ua, ua == ub { return true }
        return false
    }

    /// The scalar and everything reachable from it through single-scalar lower, upper and title case mappings
    /// (`ſ` → `S` → `s`).
    static func variants(of s: Unicode.Scalar) -> [Unicode.Scalar] {
        var out = [s]
        var i = 0
        while i < out.count {
            let p = out[i].properties
            for m in [p.lowercaseMapping, p.uppercaseMapping, p.titlecaseMapping] {
                if let v = single(m), !out.contains(v) { out.append(v) }
            }
            i += 1
        }
        return out
    }

    private static func single(_ s: String) -> Unicode.Scalar? {
        let u = s.unicodeScalars
        return u.count == 1 ? u.first : nil
    }
}
