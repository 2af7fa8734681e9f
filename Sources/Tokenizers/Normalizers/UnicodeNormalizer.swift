/// `NFC`, `NFD`, `NFKC`, `NFKD` (Qwen2 normalizes NFC). Reproduces the Rust library exactly, alignments included:
/// it streams `(scalar, change)` pairs as its `unicode-normalization-alignments` dependency does — the first scalar
/// of a decomposition replaces its source (0), the rest are inserted (+1); canonical reordering moves scalars with
/// their changes; a composition folds `a + b` into one scalar with change `a + b - 1` — and then aligns them by
/// position, so a reordered mark can report its neighbour's offsets, as in the Python library.
public struct UnicodeNormalizer: Normalizer {
    public enum Form: String, Sendable {
        case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD"
    }

    public let form: Form

    public init(form: Form) { self.form = form }

    private var compatibility: Bool { form == .nfkc || form == .nfkd }
    private var composes: Bool { form == .nfc || form == .nfkc }

    public func normalize(_ text: inout NormalizedString) {
        // Below these scalars the form changes nothing: no decompositions (or they recompose to the same scalar).
        let identityBelow: UInt32 = switch form {
        case .nfc: 0x300
        case .nfd: 0xC0
        case .nfkc, .nfkd: 0xA0
        }
        guard text.scalars.contains(where: { $0.value >= identityBelow }) else { return }

        // Decompose, each scalar with its change.
        var stream: [(scalar: Unicode.Scalar, change: Int)] = []
        stream.reserveCapacity(text.count + 8)
        var parts: [Unicode.Scalar] = []
        for s in text.scalars {
            parts.removeAll(keepingCapacity: true)
            UnicodeNormalizationData.decompose(s, compatibility: compatibility, into: &parts)
            for (k, p) in parts.enumerated() { stream.append((p, k == 0 ? 0 : 1)) }
        }
        // Canonical reordering: stable sort of each run of non-starters by combining class.
        var i = 0
        while i < stream.count {
            guard UnicodeNormalizationData.combiningClass(stream[i].scalar) != 0 else { i += 1; continue }
            var j = i
            while j < stream.count, UnicodeNormalizationData.combiningClass(stream[j].scalar) != 0 { j += 1 }
            if j - i > 1 {
                let sorted = stream[i..<j].enumerated().sorted { x, y in
                    let cx = UnicodeNormalizationData.combiningClass(x.element.scalar)
                    let cy = UnicodeNormalizationData.combiningClass(y.element.scalar)
                    return cx != cy ? cx < cy : x.offset < y.offset
                }.map(\.element)
                stream.replaceSubrange(i..<j, with: sorted)
            }
            i = j
        }
        if composes { stream = Self.recompose(stream) }
        text.apply(changes: stream)
    }

    /// The canonical composition pass, as `Recompositions` in the Rust dependency runs it.
    static func recompose(_ input: [(scalar: Unicode.Scalar, change: Int)]) -> [(scalar: Unicode.Scalar, change: Int)] {
        var out: [(scalar: Unicode.Scalar, change: Int)] = []
        out.reserveCapacity(input.count)
        var composee: (scalar: Unicode.Scalar, change: Int)?
        var lastClass: UInt8?
        var buffer: [(scalar: Unicode.Scalar, change: Int)] = []
        for (ch, change) in input {
            let chClass = UnicodeNormalizationData.combiningClass(ch)
            guard let k = composee else {
                if chClass != 0 { out.append((ch, change)) } else { composee = (ch, change) }
                continue
            }
            if let l = lastClass {
                if l >= chClass {
                    // `ch` is blocked from the composee.
                    if chClass == 0 {
                        out.append(k)
                        out.append(contentsOf: buffer)
                        buffer.removeAll(keepingCapacity: true)
                        composee = (ch, change)
                        lastClass = nil
                    } else {
                        buffer.append((ch, change))
                        lastClass = chClass
                    }
                    continue
                }
                if let r = UnicodeNormalizationData.compose(k.scalar, ch) {
                    composee = (r, k.change + change - 1)
                } else {
                    buffer.append((ch, change))
                    lastClass = chClass
                }
            } else {
                if let r = UnicodeNormalizationData.compose(k.scalar, ch) {
                    composee = (r, k.change + change - 1)
                } else if chClass == 0 {
                    out.append(k)
                    composee = (ch, change)
                } else {
                    buffer.append((ch, change))
                    lastClass = chClass
                }
            }
        }
        if let k = composee { out.append(k) }
        out.append(contentsOf: buffer)
        return out
    }
}

extension NormalizedString {
    /// Replaces the text by `changes`, aligning as the Rust library's `transform` does: change 0 takes the next
    /// source scalar's alignment, -n also skips the n source scalars after it, +1 (inserted) copies the alignment
    /// of the source scalar before it.
    mutating func apply(changes: [(scalar: Unicode.Scalar, change: Int)]) {
        var scalars: [Unicode.Scalar] = []
        var alignments: [Range<Int>] = []
        scalars.reserveCapacity(changes.count)
        alignments.reserveCapacity(changes.count)
        var offset = 0
        for (s, change) in changes {
            let a: Range<Int>
            if change > 0 {
                a = offset >= 1 ? self.alignments[offset - 1]
                    : (self.alignments.first.map { $0.lowerBound..<$0.lowerBound } ?? 0..<0)
            } else {
                a = self.alignments[offset]
                offset += 1 - change
            }
            scalars.append(s)
            alignments.append(a)
        }
        self = NormalizedString(scalars: scalars, alignments: alignments)
    }
}
