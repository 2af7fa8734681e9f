// NumPy `.npy` files of float32 (`<f4`, C order): a streaming, atomic writer and a validating reader.
//
// The header is the one `numpy.save` writes (format 1.0): `\x93NUMPY`, version 1.0, a little-endian UInt16 length,
// then `{'descr': '<f4', 'fortran_order': False, 'shape': (R, C), }`, numpy's 21-digit growth spare for the first
// axis, spaces, and a newline, so that the data starts at a multiple of 64. Because of that spare, the header's length
// does not depend on the row count, which lets the writer stream rows and fill the count in at the end.

/// Why an `.npy` file could not be written or read; every message names the file.
public enum NPYError: Error, CustomStringConvertible, Equatable, Sendable {
    case io(path: String, operation: String, message: String)
    case invalidShape(path: String, reason: String)
    /// A write handed over values that are not a whole number of rows.
    case partialRow(path: String, columns: Int, count: Int)
    case rowCountMismatch(path: String, expected: Int, written: Int)
    case alreadyFinished(path: String)
    case notNPY(path: String)
    case unsupportedVersion(path: String, major: UInt8, minor: UInt8)
    case invalidHeader(path: String, reason: String)
    case unsupportedDType(path: String, descr: String)
    case fortranOrder(path: String)
    case dataSizeMismatch(path: String, shape: [Int], expectedBytes: Int, actualBytes: Int)

    public var description: String {
        switch self {
        case let .io(path, operation, message): return "\(path): \(operation) failed: \(message)"
        case let .invalidShape(path, reason): return "\(path): invalid .npy shape: \(reason)"
        case let .partialRow(path, columns, count):
            return "\(path): \(count) values are not a whole number of \(columns)-value rows"
        case let .rowCountMismatch(path, expected, written):
            return "\(path): expected \(expected) rows but \(written) were written"
        case let .alreadyFinished(path): return "\(path): the .npy writer was already finished"
        case let .notNPY(path): return "\(path): not a .npy file (bad magic)"
        case let .unsupportedVersion(path, major, minor): return "\(path): unsupported .npy format version \(major).\(minor)"
        case let .invalidHeader(path, reason): return "\(path): invalid .npy header: \(reason)"
        case let .unsupportedDType(path, descr): return "\(path): .npy dtype '\(descr)' is not little-endian float32 ('<f4')"
        case let .fortranOrder(path): return "\(path): .npy array is in Fortran order; only C order is supported"
        case let .dataSizeMismatch(path, shape, expected, actual):
            return "\(path): .npy shape \(shape) needs \(expected) data bytes but the file has \(actual)"
        }
    }

    init(_ failure: IOFailure, target: String) {
        self = .io(path: target, operation: failure.operation(target: target), message: failure.message)
    }
}

enum NPYFormat {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// numpy's `ARRAY_ALIGN`.
    static let alignment = 64
    /// numpy's `GROWTH_AXIS_MAX_DIGITS`: spare room so the first axis can grow in place.
    static let growthAxisMaxDigits = 21

    /// Magic, version 1.0, length and padded header for a float32 C-order array of `shape`, byte for byte as numpy 2.x.
    static func header(shape: [Int]) -> [UInt8] {
        let dims: String
        switch shape.count {
        case 1: dims = "(\(shape[0]),)"
        default: dims = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
        if let first = shape.first {
            text += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count))
        }
        let headerLength = text.utf8.count + 1  // + newline
        let prefixLength = magic.count + 2 + 2
        let padding = alignment - (prefixLength + headerLength) % alignment  // numpy pads a full 64 when aligned
        var out = magic + [1, 0]
        let total = UInt16(headerLength + padding)
        out.append(UInt8(total & 0xFF))
        out.append(UInt8(total >> 8))
        out.append(contentsOf: Array(text.utf8))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        out.append(UInt8(ascii: "\n"))
        return out
    }
}

/// Writes a 1-D or 2-D float32 `.npy` file row by row, atomically: rows go to a temporary file next to `path`, and
/// `finish()` writes the final row count into the header, fsyncs, and renames over `path`. Until then nothing exists
/// under the final name; a writer dropped without `finish()` deletes its temporary file.
///
/// For a 2-D file (`columns` given) a row is `columns` values; for a 1-D file (`columns` nil) every value is one
/// element. Pass `expectedRows` when the count is known to have `finish()` check it.
public final class NPYWriter {
    public let path: String
    public let columns: Int?
    public let expectedRows: Int?
    public private(set) var rowsWritten = 0
    private var output: AtomicFileOutput?
    private let headerLength: Int

    public init(path: String, columns: Int?, expectedRows: Int? = nil) throws {
        self.path = path
        self.columns = columns
        self.expectedRows = expectedRows
        if let columns, columns < 0 { throw NPYError.invalidShape(path: path, reason: "negative column count \(columns)") }
        if let expectedRows, expectedRows < 0 { throw NPYError.invalidShape(path: path, reason: "negative row count \(expectedRows)") }
        let header = NPYFormat.header(shape: Self.shape(rows: expectedRows ?? 0, columns: columns))
        headerLength = header.count
        do throws(IOFailure) {
            let output = try AtomicFileOutput(path: path)
            try output.write(header)
            self.output = output
        } catch {
            throw NPYError(error, target: path)
        }
    }

    private static func shape(rows: Int, columns: Int?) -> [Int] {
        columns.map { [rows, $0] } ?? [rows]
    }

    /// Appends whole rows (C order); `values.count` must be a multiple of `columns`.
    public func append(_ values: UnsafeBufferPointer<Float>) throws {
        guard let output else { throw NPYError.alreadyFinished(path: path) }
        let rowLength = columns ?? 1
        if rowLength == 0 {
            guard values.isEmpty else { throw NPYError.partialRow(path: path, columns: 0, count: values.count) }
            return
        }
        guard values.count % rowLength == 0 else {
            throw NPYError.partialRow(path: path, columns: rowLength, count: values.count)
        }
        do throws(IOFailure) {
            try output.write(UnsafeRawBufferPointer(values))
        } catch {
            throw NPYError(error, target: path)
        }
        rowsWritten += values.count / rowLength
    }

    public func append(_ values: [Float]) throws {
        try values.withUnsafeBufferPointer { try append($0) }
    }

    /// Appends `rows` empty rows' worth of nothing: for a zero-column matrix, whose rows carry no bytes.
    public func appendEmptyRows(_ rows: Int) throws {
        guard output != nil else { throw NPYError.alreadyFinished(path: path) }
        guard columns == 0, rows >= 0 else {
            throw NPYError.invalidShape(path: path, reason: "empty rows exist only in a matrix of 0 columns")
        }
        rowsWritten += rows
    }

    /// Writes the final shape into the header and publishes the file under `path`.
    public func finish() throws {
        guard let output else { throw NPYError.alreadyFinished(path: path) }
        if let expectedRows, expectedRows != rowsWritten {
            throw NPYError.rowCountMismatch(path: path, expected: expectedRows, written: rowsWritten)
        }
        let header = NPYFormat.header(shape: Self.shape(rows: rowsWritten, columns: columns))
        precondition(header.count == headerLength, "npy header length changed with the row count")
        do throws(IOFailure) {
            try output.write(header, at: 0)
            try output.commit()
        } catch {
            throw NPYError(error, target: path)
        }
        self.output = nil
    }

    /// Gives up: removes the temporary file; nothing appears under `path`.
    public func abandon() {
        output?.discard()
        output = nil
    }

    /// Writes a whole array at once (`shape` 1-D or 2-D, `values` in C order).
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        guard shape.count == 1 || shape.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
            throw NPYError.invalidShape(path: path, reason: "shape \(shape) is not a 1-D or 2-D size")
        }
        guard shape.reduce(1, *) == values.count else {
            throw NPYError.invalidShape(path: path, reason: "shape \(shape) does not hold \(values.count) values")
        }
        let writer = try NPYWriter(path: path, columns: shape.count == 2 ? shape[1] : nil, expectedRows: shape[0])
        if shape.count == 2 && shape[1] == 0 { try writer.appendEmptyRows(shape[0]) } else { try writer.append(values) }
        try writer.finish()
    }
}

/// A float32 array read from an `.npy` file.
public struct NPYArray: Equatable, Sendable {
    public let shape: [Int]
    /// Values in C order.
    public let values: [Float]

    /// Reads and validates `path`: magic, version (1.0, 2.0 or 3.0), a header dict with exactly `descr` = `'<f4'`,
    /// `fortran_order` = False and a `shape` tuple of non-negative integers, and a data size matching the shape.
    public init(path: String) throws {
        let bytes: [UInt8]
        do throws(IOFailure) {
            bytes = try readWholeFile(path)
        } catch {
            throw NPYError(error, target: path)
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Parses a whole `.npy` file held in memory; `path` only labels errors.
    public init(bytes: [UInt8], path: String) throws {
        guard bytes.count >= 8, Array(bytes[0..<6]) == NPYFormat.magic else { throw NPYError.notNPY(path: path) }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthBytes: Int
        switch (major, minor) {
        case (1, 0): lengthBytes = 2
        case (2, 0), (3, 0): lengthBytes = 4
        default: throw NPYError.unsupportedVersion(path: path, major: major, minor: minor)
        }
        guard bytes.count >= 8 + lengthBytes else { throw NPYError.invalidHeader(path: path, reason: "file ends inside the header length") }
        var headerLength = 0
        for k in (0..<lengthBytes).reversed() { headerLength = headerLength << 8 | Int(bytes[8 + k]) }
        let headerStart = 8 + lengthBytes
        guard headerStart + headerLength <= bytes.count else {
            throw NPYError.invalidHeader(path: path, reason: "header length \(headerLength) runs past the end of the file")
        }
        let headerBytes = Array(bytes[headerStart..<(headerStart + headerLength)])
        let header = try NPYHeaderParser.parse(headerBytes, path: path)
        guard header.descr == "<f4" else { throw NPYError.unsupportedDType(path: path, descr: header.descr) }
        guard !header.fortranOrder else { throw NPYError.fortranOrder(path: path) }
        var count = 1
        for dimension in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int.max / 4 else {
                throw NPYError.invalidHeader(path: path, reason: "shape \(header.shape) is too large")
            }
            count = product
        }
        let dataStart = headerStart + headerLength
        let dataBytes = bytes.count - dataStart
        guard dataBytes == 4 * count else {
            throw NPYError.dataSizeMismatch(path: path, shape: header.shape, expectedBytes: 4 * count, actualBytes: dataBytes)
        }
        shape = header.shape
        values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                if count > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: raw.baseAddress! + dataStart, byteCount: 4 * count)
                }
            }
            initialized = count
        }
    }
}

/// Parses the Python dict literal of an `.npy` header, the small subset numpy writes.
private struct NPYHeaderParser {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]

    private enum Value {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> NPYHeaderParser {
        var i = 0
        func fail(_ reason: String) -> NPYError { .invalidHeader(path: path, reason: reason) }
        func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 } }
        func expect(_ c: Character) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == c.asciiValue! else { throw fail("expected '\(c)' at header byte \(i)") }
            i += 1
        }
        func quoted() throws -> String {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "\"") else {
                throw fail("expected a quoted string at header byte \(i)")
            }
            let quote = bytes[i]
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != quote {
                if bytes[i] == UInt8(ascii: "\\") { throw fail("escapes in strings are not supported") }
                i += 1
            }
            guard i < bytes.count else { throw fail("unterminated string") }
            defer { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        func integer() throws -> Int {
            skipSpace()
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > start, let value = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else {
                throw fail("expected a non-negative integer at header byte \(start)")
            }
            return value
        }
        func value() throws -> Value {
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of header") }
            switch bytes[i] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try quoted())
            case UInt8(ascii: "T"), UInt8(ascii: "F"):
                for (word, flag) in [("True", true), ("False", false)] where bytes[i...].starts(with: word.utf8) {
                    i += word.utf8.count
                    return .bool(flag)
                }
                throw fail("unknown literal at header byte \(i)")
            case UInt8(ascii: "("):
                i += 1
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ")") { i += 1; break }
                    dims.append(try integer())
                    skipSpace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
                        i += 1
                    } else if i < bytes.count, bytes[i] == UInt8(ascii: ")") {
                        if dims.count == 1 { throw fail("a one-element shape needs a trailing comma") }
                        i += 1
                        break
                    } else {
                        throw fail("expected ',' or ')' in shape at header byte \(i)")
                    }
                }
                return .tuple(dims)
            default:
                throw fail("unexpected character at header byte \(i)")
            }
        }

        var entries: [String: Value] = [:]
        try expect("{")
        while true {
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; break }
            let key = try quoted()
            try expect(":")
            guard entries.updateValue(try value(), forKey: key) == nil else { throw fail("key '\(key)' appears twice") }
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the header dict") }
        guard Set(entries.keys) == ["descr", "fortran_order", "shape"] else {
            throw fail("keys must be exactly descr, fortran_order and shape; found \(entries.keys.sorted())")
        }
        guard case .string(let descr)? = entries["descr"] else { throw fail("descr is not a string") }
        guard case .bool(let fortran)? = entries["fortran_order"] else { throw fail("fortran_order is not True or False") }
        guard case .tuple(let shape)? = entries["shape"] else { throw fail("shape is not a tuple of integers") }
        return NPYHeaderParser(descr: descr, fortranOrder: fortran, shape: shape)
    }
}
