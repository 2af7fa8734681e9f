import Tokenizers

/// The text of one generated sequence, built token by token in time linear in its length: each token is decoded
/// once (`StreamingDecoder`), and a stop string is looked for only where the new text could have completed one (the
/// new characters and the `longest stop − 1` before them) instead of re-decoding and searching the whole output at
/// every step.
///
/// `append` returns what can be streamed now: the text so far minus any ending that could still grow into a stop
/// string (a stop string is never shown, not even in part). Everything `append` and `finish` return, concatenated,
/// is `text`.
struct GeneratedText {
    private var decoder: StreamingDecoder
    private let stops: [[Unicode.Scalar]]
    private let longestStop: Int
    /// The text so far, cut before the first stop string once one is found.
    private(set) var scalars: [Unicode.Scalar] = []
    /// How many of `scalars` were handed out for streaming.
    private var streamed = 0
    /// A stop string was found: `scalars` ends where it began.
    private(set) var stopped = false

    init(tokenizer: Tokenizer, stopStrings: [String]) {
        decoder = StreamingDecoder(tokenizer: tokenizer, skipSpecialTokens: true)
        stops = stopStrings.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
        longestStop = stops.map(\.count).max() ?? 0
    }

    var text: String { String(String.UnicodeScalarView(scalars)) }

    /// Adds one generated token; returns the text that became safe to stream.
    mutating func append(_ id: Int32) -> String {
        guard !stopped else { return "" }
        add(decoder.append(id))
        return release(holdingBack: !stopped)
    }

    /// Decodes whatever the streaming decoder held back (an unfinished UTF-8 character) and returns all text not yet
    /// streamed: the sequence is over, so an ending that looked like the start of a stop string is text after all.
    mutating func finish() -> String {
        if !stopped { add(decoder.finish()) }
        return release(holdingBack: false)
    }

    private mutating func add(_ piece: String) {
        guard !piece.isEmpty else { return }
        let before = scalars.count
        scalars.append(contentsOf: piece.unicodeScalars)
        guard longestStop > 0 else { return }
        // A stop string found now must end in the new text, so it starts at most longestStop − 1 scalars before it.
        var position = max(0, before - (longestStop - 1))
        while position < scalars.count {
            if stops.contains(where: { matches($0, at: position) }) {
                scalars.removeSubrange(position...)
                stopped = true
                return
            }
            position += 1
        }
    }

    /// The length of the longest ending of the text that is a proper beginning of `stop`.
    private func heldBack(_ stop: [Unicode.Scalar]) -> Int {
        var n = min(stop.count - 1, scalars.count)
        while n > 0 {
            if matches(Array(stop[..<n]), at: scalars.count - n) { return n }
            n -= 1
        }
        return 0
    }

    private func matches(_ stop: [Unicode.Scalar], at position: Int) -> Bool {
        guard position + stop.count <= scalars.count else { return false }
        for (i, s) in stop.enumerated() where scalars[position + i] != s { return false }
        return true
    }

    /// Hands out the text after what was streamed, except (when `holdingBack`) the longest ending that is the
    /// beginning of a stop string.
    private mutating func release(holdingBack: Bool) -> String {
        var end = scalars.count
        if holdingBack { end -= stops.map(heldBack).max() ?? 0 }
        guard end > streamed else { return "" }
        defer { streamed = end }
        return String(String.UnicodeScalarView(scalars[streamed..<end]))
    }
}
