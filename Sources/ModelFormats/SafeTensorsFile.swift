#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONCore

/// One tensor of a safetensors file, as its header entry describes it (after validation).
public struct SafeTensorInfo: Equatable, Sendable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Product of `shape` (1 for a scalar, `[]`).
    public let elementCount: Int
    /// Byte range inside the data section, i.e. the header's `data_offsets`.
    public let dataOffsets: Range<Int>
    /// The same bytes as offsets from the start of the file.
    public let fileOffsets: Range<Int>

    public var byteCount: Int { dataOffsets.count }
}

/// A safetensors file mapped read-only into memory; tensors are read straight from the mapping, which is unmapped
/// when the object goes away.
///
/// Layout: 8-byte little-endian header length N, N bytes of JSON header, then the data section. The whole header is
/// validated at open time, so later reads never meet a bad offset. Enforced, as the reference Rust crate
/// (safetensors 0.8, `SafeTensors::read_metadata` + `Metadata::validate`) does:
/// - file ≥ 8 bytes; N ≤ 100,000,000 and 8 + N ≤ file size; header valid UTF-8 and one JSON object (surrounding
///   JSON whitespace allowed, so the writer's space padding is fine; NUL padding is not);
/// - `__metadata__` null or a string→string map; every other key a tensor with a known `dtype`, a `shape` of
///   non-negative integers and `data_offsets` of exactly two non-negative integers (no sign, fraction or exponent);
/// - byte length = element count × dtype bits / 8 exactly (packed F4/F6 tensors must end on a byte boundary);
/// - sorted by offset, the tensors tile the data section: each starts where the previous one ended and the last ends
///   at the end of the file — no holes, no overlaps, no trailing bytes.
/// Stricter than the reference: duplicate keys anywhere in the header are errors (the reference keeps the last
/// duplicate silently), and each failure gets its own error naming the file and tensor. Like the reference, unknown
/// fields inside a tensor entry are ignored.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The reference crate's limit; a larger length is corruption, not a real header.
    public static let maxHeaderLength = 100_000_000

    public let path: String
    public let fileSize: Int
    /// N, the length of the JSON header (including any padding).
    public let headerLength: Int
    /// The `__metadata__` map (empty when absent or null).
    public let metadata: [String: String]
    /// All tensors in data-section order.
    public let tensors: [SafeTensorInfo]

    private let mapping: UnsafeRawPointer
    private let indexByName: [String: Int]

    /// Offset of the data section from the start of the file.
    public var dataStart: Int { 8 + headerLength }

    /// Tensor names in data-section order.
    public var tensorNames: [String] { tensors.map(\.name) }

    /// Opens and maps `path`, validating its header; throws `SafeTensorsError`.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw Self.ioError(IOFailure("open", path)) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) != 0 { throw Self.ioError(IOFailure("stat", path)) }
        if (status.st_mode & S_IFMT) != S_IFREG {
            throw SafeTensorsError.io(path: path, operation: "open", message: "not a regular file")
        }
        let size = Int(status.st_size)
        if size < 8 { throw SafeTensorsError.fileTooShort(path: path, size: size) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw Self.ioError(IOFailure("mmap", path))
        }
        let bytes = UnsafeRawBufferPointer(start: address, count: size)
        do {
            let header = try SafeTensorsHeader(file: bytes, path: path)
            fileSize = size
            headerLength = header.length
            metadata = header.metadata
            tensors = header.tensors
            indexByName = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
            mapping = UnsafeRawPointer(address)
        } catch {
            munmap(address, size)
            throw error
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: mapping), fileSize)
    }

    private static func ioError(_ failure: IOFailure) -> SafeTensorsError {
        .io(path: failure.path, operation: failure.operation, message: failure.message)
    }

    public func contains(_ name: String) -> Bool { indexByName[name] != nil }

    /// The tensor called `name`; throws `SafeTensorsError.tensorNotFound` naming the file.
    public func info(_ name: String) throws -> SafeTensorInfo {
        guard let index = indexByName[name] else { throw SafeTensorsError.tensorNotFound(path: path, tensor: name) }
        return tensors[index]
    }

    /// Calls `body` with the tensor's bytes as stored (little-endian, C order). The bytes belong to the mapping:
    /// don't let the pointer escape `body`.
    public func withUnsafeRawBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try info(name)
        return try withExtendedLifetime(self) {
            try body(UnsafeRawBufferPointer(start: mapping + info.fileOffsets.lowerBound, count: info.byteCount))
        }
    }

    /// The tensor as Float32 values in C order (F32 copied, F16/BF16 widened exactly, F64 rounded to nearest).
    public func floats(_ name: String) throws -> [Float] {
        let info = try floatConvertibleInfo(name)
        return [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            if let destination = buffer.baseAddress { convert(info, into: destination) }
            initialized = info.elementCount
        }
    }

    /// Converts the tensor into the caller's buffer of exactly `count` floats (models load straight into their own
    /// storage). `count` must equal the tensor's element count, which catches a wrong shape assumption early.
    public func copyFloats(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        let info = try floatConvertibleInfo(name)
        guard count == info.elementCount else {
            throw SafeTensorsError.elementCountMismatch(path: path, tensor: name, expected: info.elementCount, given: count)
        }
        convert(info, into: destination)
    }

    private func floatConvertibleInfo(_ name: String) throws -> SafeTensorInfo {
        let info = try info(name)
        guard info.dtype.convertsToFloat else {
            throw SafeTensorsError.notConvertibleToFloat(path: path, tensor: name, dtype: info.dtype)
        }
        return info
    }

    private func convert(_ info: SafeTensorInfo, into destination: UnsafeMutablePointer<Float>) {
        let source = mapping + info.fileOffsets.lowerBound
        let count = info.elementCount
        withExtendedLifetime(self) {
            switch info.dtype {
            case .f32:
                UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * count)
            case .f16:
                HalfPrecision.f16ToF32(source, destination, count: count)
            case .bf16:
                HalfPrecision.bf16ToF32(source, destination, count: count)
            case .f64:
                for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
            default:
                preconditionFailure("\(info.dtype) is not float-convertible")
            }
        }
    }
}

/// The validated header of a safetensors file held in memory (see `SafeTensorsFile` for the rules).
struct SafeTensorsHeader {
    let length: Int
    let metadata: [String: String]
    let tensors: [SafeTensorInfo]

    init(file bytes: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) {
        guard bytes.count >= 8 else { throw .fileTooShort(path: path, size: bytes.count) }
        let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(SafeTensorsFile.maxHeaderLength) else {
            throw .headerTooLarge(path: path, headerLength: declared)
        }
        let length = Int(declared)
        guard 8 + length <= bytes.count else {
            throw .headerPastEnd(path: path, headerLength: length, fileSize: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + length)])
        guard Self.isValidUTF8(headerBytes) else { throw .headerNotUTF8(path: path) }

        let root: JSONValue
        do throws(JSONParseError) {
            root = try JSONParser.parse(headerBytes, duplicateKeys: .reject, maxDepth: 64)
        } catch {
            throw Self.translate(error, path: path)
        }
        guard case .object(let members) = root else { throw .headerNotObject(path: path) }

        let dataSize = bytes.count - 8 - length
        var metadata: [String: String] = [:]
        var tensors: [SafeTensorInfo] = []
        tensors.reserveCapacity(members.count)
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try Self.parseMetadata(value, path: path)
            } else {
                tensors.append(try Self.parseTensor(key, value, path: path, dataStart: 8 + length, dataSize: dataSize))
            }
        }
        tensors.sort {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        try Self.checkTiling(tensors, dataSize: dataSize, path: path)
        self.length = length
        self.metadata = metadata
        self.tensors = tensors
    }

    private static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private static func translate(_ error: JSONParseError, path: String) -> SafeTensorsError {
        switch error.kind {
        case .syntax(let message):
            return .invalidHeaderJSON(path: path, offset: error.offset, reason: message)
        case .duplicateKey(let key, let enclosing):
            switch enclosing.count {
            case 0 where key == "__metadata__":
                return .invalidMetadata(path: path, reason: "__metadata__ appears more than once")
            case 0:
                return .duplicateTensor(path: path, tensor: key)
            case 1 where enclosing[0] == "__metadata__":
                return .invalidMetadata(path: path, reason: "key '\(key)' appears more than once")
            case 1:
                return .invalidTensorEntry(path: path, tensor: enclosing[0], reason: "field '\(key)' appears more than once")
            default:
                return .invalidHeaderJSON(path: path, offset: error.offset,
                                          reason: "duplicate key '\(key)' inside '\(enclosing.joined(separator: "."))'")
            }
        }
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws(SafeTensorsError) -> [String: String] {
        switch value {
        case .null:
            return [:]
        case .object(let members):
            var map: [String: String] = [:]
            for (key, entry) in members {
                guard case .string(let text) = entry else {
                    throw .invalidMetadata(path: path, reason: "value of '\(key)' is \(entry.kindName), expected a string")
                }
                map[key] = text
            }
            return map
        default:
            throw .invalidMetadata(path: path, reason: "expected an object of strings, found \(value.kindName)")
        }
    }

    private static func parseTensor(_ name: String, _ value: JSONValue, path: String, dataStart: Int,
                                    dataSize: Int) throws(SafeTensorsError) -> SafeTensorInfo {
        guard case .object(let fields) = value else {
            throw .invalidTensorEntry(path: path, tensor: name,
                                      reason: "header entry is \(value.kindName), expected an object with dtype, shape and data_offsets")
        }
        func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else {
                throw .invalidTensorEntry(path: path, tensor: name, reason: "missing field '\(key)'")
            }
            return found.value
        }

        guard case .string(let dtypeName) = try field("dtype") else {
            throw .invalidTensorEntry(path: path, tensor: name, reason: "dtype is \(try field("dtype").kindName), expected a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
        }

        guard case .array(let dimensions) = try field("shape") else {
            throw .invalidShape(path: path, tensor: name,
                                reason: "expected an array of non-negative integers, found \(try field("shape").kindName)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dimensions.count)
        var elementCount = 1
        var overflow = false
        for (axis, dimension) in dimensions.enumerated() {
            switch UsizeLiteral(dimension) {
            case .value(let size):
                shape.append(size)
                if !overflow { (elementCount, overflow) = elementCount.multipliedReportingOverflow(by: size) }
            case .negative:
                throw .invalidShape(path: path, tensor: name, reason: "dimension \(axis) is negative (\(Self.literal(dimension)))")
            case .notAnInteger:
                throw .invalidShape(path: path, tensor: name, reason: "dimension \(axis) is not an integer (\(Self.literal(dimension)))")
            case .tooLarge:
                throw .invalidShape(path: path, tensor: name, reason: "dimension \(axis) is too large (\(Self.literal(dimension)))")
            }
        }
        if overflow { throw .invalidShape(path: path, tensor: name, reason: "element count of \(shape) overflows") }

        guard case .array(let offsets) = try field("data_offsets") else {
            throw .invalidDataOffsets(path: path, tensor: name,
                                      reason: "expected [begin, end], found \(try field("data_offsets").kindName)")
        }
        guard offsets.count == 2 else {
            throw .invalidDataOffsets(path: path, tensor: name, reason: "expected two integers [begin, end], found \(offsets.count) values")
        }
        var bounds: [Int] = []
        for (position, offset) in zip(["begin", "end"], offsets) {
            switch UsizeLiteral(offset) {
            case .value(let v): bounds.append(v)
            case .negative: throw .invalidDataOffsets(path: path, tensor: name, reason: "\(position) is negative (\(Self.literal(offset)))")
            case .notAnInteger: throw .invalidDataOffsets(path: path, tensor: name, reason: "\(position) is not an integer (\(Self.literal(offset)))")
            case .tooLarge: throw .invalidDataOffsets(path: path, tensor: name, reason: "\(position) is too large (\(Self.literal(offset)))")
            }
        }
        let (begin, end) = (bounds[0], bounds[1])
        guard begin <= end else {
            throw .invalidDataOffsets(path: path, tensor: name, reason: "begin \(begin) is after end \(end)")
        }
        guard end <= dataSize else {
            throw .offsetsOutOfBounds(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let expected = dtype.byteCount(elementCount: elementCount)
        guard expected == end - begin else {
            throw .byteCountMismatch(path: path, tensor: name, dtype: dtype, shape: shape, expected: expected, actual: end - begin)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, elementCount: elementCount,
                              dataOffsets: begin..<end, fileOffsets: (dataStart + begin)..<(dataStart + end))
    }

    private static func literal(_ value: JSONValue) -> String {
        switch value {
        case .number(let text): return text
        case .string(let text): return "\"\(text)\""
        default: return value.kindName
        }
    }

    /// Sorted by offset, the tensors must tile [0, dataSize) exactly, as the reference requires.
    private static func checkTiling(_ tensors: [SafeTensorInfo], dataSize: Int, path: String) throws(SafeTensorsError) {
        var cursor = 0
        var previous: String?
        for tensor in tensors {
            let begin = tensor.dataOffsets.lowerBound
            if begin < cursor, let other = previous {
                throw .overlappingTensors(path: path, tensor: tensor.name, other: other)
            }
            if begin > cursor {
                throw .uncoveredData(path: path, begin: cursor, end: begin, before: tensor.name)
            }
            cursor = tensor.dataOffsets.upperBound
            previous = tensor.name
        }
        if cursor < dataSize {
            throw .uncoveredData(path: path, begin: cursor, end: dataSize, before: nil)
        }
    }
}
