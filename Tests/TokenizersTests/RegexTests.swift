import Foundation
@testable import Tokenizers
import XCTest

/// The `Split` regex engine: Oniguruma's match choices, and a clear error for every construct it does not run.
final class RegexTests: XCTestCase {
    func matches(_ pattern: String, _ text: String) throws -> [String] {
        let s = Array(text.unicodeScalars)
        return try TokenizerRegex(pattern).matches(in: s[...]).map { String(scalars: s[$0]) }
    }

    func testRegexSemantics() throws {
        // Alternatives in order, not the longest: Oniguruma's (backtracking) choice.
        XCTAssertEqual(try matches("a|ab", "abab"), ["a", "a"])
        XCTAssertEqual(try matches("ab|a", "abab"), ["ab", "ab"])
        // Greedy, lazy and counted repeats; backtracking into a repeat.
        XCTAssertEqual(try matches("a+?b", "aaab"), ["aaab"])
        XCTAssertEqual(try matches("\\p{N}{1,3}", "1234567"), ["123", "456", "7"])
        XCTAssertEqual(try matches("x{2}", "xxxxx"), ["xx", "xx"])
        XCTAssertEqual(try matches("a*ab", "aaab"), ["aaab"])
        XCTAssertEqual(try matches("(?:ab)+c", "ababc abc"), ["ababc", "abc"])
        XCTAssertEqual(try matches("(?:ab){1,2}?", "ababab"), ["ab", "ab", "ab"])
        // Lookahead, single-class and general.
        XCTAssertEqual(try matches("\\s+(?!\\S)|\\s+", "a   b  "), ["  ", " ", "  "])
        XCTAssertEqual(try matches("a(?=bc)", "ab abc"), ["a"])
        XCTAssertEqual(try matches("a(?!b|c)", "ab ac ad"), ["a"])
        // Case-insensitive groups and inline flags, with Unicode simple case folding.
        XCTAssertEqual(try matches("(?i:'s|'t)", "'S 't 'ſ 'x"), ["'S", "'t", "'ſ"])
        XCTAssertEqual(try matches("(?i)k", "kK\u{212A}"), ["k", "K", "\u{212A}"])
        XCTAssertEqual(try matches("(?i:[a-c]+)", "xABcx"), ["ABc"])
        // Classes: negation, escapes, properties inside brackets.
        XCTAssertEqual(try matches("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+", " héllo,wörld"), [" héllo", ",wörld"])
        XCTAssertEqual(try matches("[\\S]+", "ab cd"), ["ab", "cd"])
        XCTAssertEqual(try matches("\\p{Lu}\\P{Lu}", "AbCD"), ["Ab"])
        XCTAssertEqual(try matches("[\\x41-\\x43\\u0061]+", "ABCDa"), ["ABC", "a"])
        XCTAssertEqual(try matches("\\.", "a.b"), ["."])
    }

    func testRegexRefusesWhatItCannotRunExactly() {
        for (pattern, construct) in [(".+", "'.'"), ("^a", "anchor"), ("a\\b", "anchor"), ("\\d+", "\\d"),
                                     ("(?<=a)b", "lookbehind"), ("(a)\\1", "backreference"), ("a++", "possessive"),
                                     ("\\p{Greek}", "property"), ("[[:alpha:]]", "POSIX"), ("a*", "empty string"),
                                     ("(a", "unclosed group"), ("a)", "unbalanced"), ("[a-", "unclosed"), ("(?P<x>a)", "named group")] {
            XCTAssertThrowsError(try TokenizerRegex(pattern), pattern) { error in
                let e = error as? TokenizerRegexError
                XCTAssertNotNil(e, pattern)
                XCTAssertTrue(e?.description.contains(construct) ?? false, "\(pattern): \(e?.description ?? "")")
            }
        }
    }

    /// Patterns of other popular tokenizers compile (Llama 3, GPT-4o style), so their files load.
    func testKnownPatternsCompile() throws {
        for p in [#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#,
                  #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#] {
            XCTAssertNoThrow(try TokenizerRegex(p))
        }
        XCTAssertEqual(try matches(#"\p{N}{1,3}"#, "12345"), ["123", "45"])
    }
}
