/// Why a safetensors file could not be read or written. Every case names the file and, where one is involved, the
/// tensor, so the CLI can print `description` as a one-line message that says what to fix.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A system call failed (open, stat, mmap, write, fsync, rename); `message` is strerror's text.
    case io(path: String, operation: String, message: String)
    /// Fewer than the 8 bytes of the header length.
    case fileTooShort(path: String, size: Int)
    /// The header length is over the reference library's 100 MB limit.
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The header length points past the end of the file.
    case headerPastEnd(path: String, headerLength: Int, fileSize: Int)
    case headerNotUTF8(path: String)
    /// `offset` counts bytes from the start of the header (just after the 8-byte length).
    case invalidHeaderJSON(path: String, offset: Int, reason: String)
    case headerNotObject(path: String)
    case invalidMetadata(path: String, reason: String)
    case duplicateTensor(path: String, tensor: String)
    /// The tensor's header entry is not an object with `dtype`, `shape` and `data_offsets`.
    case invalidTensorEntry(path: String, tensor: String, reason: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case invalidShape(path: String, tensor: String, reason: String)
    case invalidDataOffsets(path: String, tensor: String, reason: String)
    /// `data_offsets` reach past the end of the data section.
    case offsetsOutOfBounds(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// The byte range does not hold exactly shape × dtype; `expected` is nil when that is not a whole number of bytes.
    case byteCountMismatch(path: String, tensor: String, dtype: SafeTensorsDType, shape: [Int], expected: Int?, actual: Int)
    case overlappingTensors(path: String, tensor: String, other: String)
    /// Bytes of the data section no tensor covers; `before` is the tensor after the gap, nil for trailing bytes.
    case uncoveredData(path: String, begin: Int, end: Int, before: String?)
    case tensorNotFound(path: String, tensor: String)
    case notConvertibleToFloat(path: String, tensor: String, dtype: SafeTensorsDType)
    /// A caller's destination holds `given` elements but the tensor has `expected`.
    case elementCountMismatch(path: String, tensor: String, expected: Int, given: Int)
    /// A tensor handed to `SafeTensorsWriter` is unusable (no file is involved yet).
    case invalidTensor(tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, operation, message):
            return "\(path): \(operation) failed: \(message)"
        case let .fileTooShort(path, size):
            return "\(path): not a safetensors file: \(size) bytes, shorter than the 8-byte header length"
        case let .headerTooLarge(path, length):
            return "\(path): safetensors header length \(length) exceeds the 100000000-byte limit"
        case let .headerPastEnd(path, length, size):
            return "\(path): safetensors header length \(length) runs past the end of the \(size)-byte file"
        case let .headerNotUTF8(path):
            return "\(path): safetensors header is not valid UTF-8"
        case let .invalidHeaderJSON(path, offset, reason):
            return "\(path): safetensors header is not valid JSON at header byte \(offset): \(reason)"
        case let .headerNotObject(path):
            return "\(path): safetensors header is not a JSON object"
        case let .invalidMetadata(path, reason):
            return "\(path): invalid __metadata__: \(reason)"
        case let .duplicateTensor(path, tensor):
            return "\(path): tensor '\(tensor)' is listed more than once in the header"
        case let .invalidTensorEntry(path, tensor, reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case let .unknownDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)': unknown dtype \"\(dtype)\""
        case let .invalidShape(path, tensor, reason):
            return "\(path): tensor '\(tensor)': invalid shape: \(reason)"
        case let .invalidDataOffsets(path, tensor, reason):
            return "\(path): tensor '\(tensor)': invalid data_offsets: \(reason)"
        case let .offsetsOutOfBounds(path, tensor, begin, end, size):
            return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)] lie outside the \(size)-byte data section"
        case let .byteCountMismatch(path, tensor, dtype, shape, expected, actual):
            let want = expected.map { "\($0) bytes" } ?? "a fractional number of bytes"
            return "\(path): tensor '\(tensor)': shape \(shape) of \(dtype) needs \(want) but data_offsets span \(actual)"
        case let .overlappingTensors(path, tensor, other):
            return "\(path): tensor '\(tensor)' overlaps tensor '\(other)' in the data section"
        case let .uncoveredData(path, begin, end, before):
            let place = before.map { "before tensor '\($0)'" } ?? "after the last tensor"
            return "\(path): data bytes [\(begin), \(end)) \(place) belong to no tensor"
        case let .tensorNotFound(path, tensor):
            return "\(path): no tensor named '\(tensor)'"
        case let .notConvertibleToFloat(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype), which does not convert to Float (F32, F16, BF16, F64 do)"
        case let .elementCountMismatch(path, tensor, expected, given):
            return "\(path): tensor '\(tensor)' has \(expected) elements but the destination holds \(given)"
        case let .invalidTensor(tensor, reason):
            return "safetensors writer: tensor '\(tensor)': \(reason)"
        }
    }
}
