/// Why a document is not JSON, and where: `offset` is the byte offset into the parsed buffer.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case syntax(String)
        /// A key that appears twice in one object under `JSONParser.DuplicateKeys.reject`; `enclosing` lists the keys
        /// of the objects around it, outermost first, so a caller can say which entry is at fault.
        case duplicateKey(String, enclosing: [String])
    }
    public let offset: Int
    public let kind: Kind

    public init(offset: Int, kind: Kind) {
        self.offset = offset
        self.kind = kind
    }

    /// A one-line reason: the syntax message, or "duplicate key 'k'".
    public var reason: String {
        switch kind {
        case .syntax(let message): return message
        case .duplicateKey(let key, _): return "duplicate key '\(key)'"
        }
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }

    /// 1-based line and column (in characters, counting UTF-8 lead bytes) of `offset` in `bytes`.
    public func lineAndColumn(in bytes: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes[..<min(offset, bytes.count)] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }
}
