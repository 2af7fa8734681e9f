#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF array of strings, left in the mapped file: opening records where each string lies (and checks it is
/// UTF-8), and a `String` is only made when an element is read. `tokenizer.ggml.tokens` and `.merges` hold ~150k
/// strings each in the Qwen file, so this keeps opening a file cheap. Holds the mapping, so it outlives `GGUFFile`.
public struct GGUFStringArray: RandomAccessCollection, Equatable, Sendable {
    private let mapping: GGUFMapping
    /// Byte offset in the file of each string's first byte (after its 8-byte length).
    private let starts: [Int]
    private let lengths: [Int]

    init(mapping: GGUFMapping, starts: [Int], lengths: [Int]) {
        self.mapping = mapping
        self.starts = starts
        self.lengths = lengths
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { starts.count }

    public subscript(position: Int) -> String {
        withUTF8(at: position) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the element's bytes (valid UTF-8, checked at open time); don't let them escape `body`.
    public func withUTF8<R>(at position: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(mapping) {
            try body(UnsafeRawBufferPointer(rebasing: mapping.bytes[starts[position] ..< starts[position] + lengths[position]]))
        }
    }

    /// Byte length of an element.
    public func utf8Count(at position: Int) -> Int { lengths[position] }

    public static func == (lhs: GGUFStringArray, rhs: GGUFStringArray) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in lhs.indices where lhs.lengths[i] != rhs.lengths[i] { return false }
        for i in lhs.indices {
            let same = lhs.withUTF8(at: i) { a in
                rhs.withUTF8(at: i) { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
            }
            if !same { return false }
        }
        return true
    }
}
