import Foundation

/// Reading JSON Lines files (one JSON object per line), the format of GSM8K, BEIR corpora and Exemplar's own logs.
/// Errors name the file and the 1-based line, so a user can open the file at the bad record.
public enum JSONLines {
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let path: String
        public let line: Int?
        public let reason: String
        public var description: String { line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)" }

        public init(path: String, line: Int?, reason: String) {
            self.path = path
            self.line = line
            self.reason = reason
        }
    }

    /// One JSON object and the line it came from.
    public struct Record {
        public let line: Int
        public let fields: [String: Any]

        /// The string field `name`, or an error naming the file and line.
        public func string(_ name: String, in path: String) throws -> String {
            guard let s = fields[name] as? String else {
                throw Error(path: path, line: line, reason: fields[name] == nil ? "no field '\(name)'" : "field '\(name)' is not a string")
            }
            return s
        }

        /// The integer field `name` if present (nil if absent), or an error naming the file and line.
        public func optionalInt(_ name: String, in path: String) throws -> Int? {
            guard let value = fields[name] else { return nil }
            guard let int = value as? Int else {
                throw Error(path: path, line: line, reason: "field '\(name)' is not an integer")
            }
            return int
        }
    }

    /// Every non-blank line of `url` as a JSON object.
    public static func read(_ url: URL) throws -> [Record] {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw Error(path: path, line: nil, reason: "file not found") }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw Error(path: path, line: nil, reason: "cannot read (\(error.localizedDescription))")
        }
        var records: [Record] = []
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            lineNumber += 1
            let line = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: Any
            do { value = try JSONSerialization.jsonObject(with: line, options: []) } catch {
                throw Error(path: path, line: lineNumber, reason: "malformed JSON")
            }
            guard let object = value as? [String: Any] else {
                throw Error(path: path, line: lineNumber, reason: "expected a JSON object")
            }
            records.append(Record(line: lineNumber, fields: object))
        }
        return records
    }

    /// The string field `field` of every record.
    public static func readStrings(_ url: URL, field: String) throws -> [String] {
        try read(url).map { try $0.string(field, in: url.path) }
    }
}
