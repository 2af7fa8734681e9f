/// Why a GGUF file could not be read, or a tensor in it not converted. Every case names the file and, where one is
/// involved, the metadata key or tensor, so the CLI can print `description` as a one-line message.
public enum GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A system call failed (open, stat, mmap); `message` is strerror's text.
    case io(path: String, operation: String, message: String)
    /// The first four bytes are not "GGUF".
    case badMagic(path: String, found: [UInt8])
    /// Versions 2 and 3 share one layout (v1 had 32-bit counts and is long gone); a nonzero version whose low 16
    /// bits are zero is a big-endian file.
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends inside `what` (which names the key or tensor being read); `offset` is where it was needed.
    case truncated(path: String, offset: Int, what: String)
    case invalidValueType(path: String, key: String, rawType: UInt32)
    /// Arrays of arrays deeper than `GGUFHeader.maxArrayDepth` (real files have none; ggml rejects any).
    case arrayNestedTooDeeply(path: String, key: String)
    case invalidUTF8(path: String, what: String)
    case duplicateKey(path: String, key: String)
    /// `general.alignment` must be a UINT32 power of two (ggml and gguf-py both insist).
    case invalidAlignment(path: String, reason: String)
    case duplicateTensor(path: String, tensor: String)
    case tooManyDimensions(path: String, tensor: String, count: UInt32)
    case unknownTensorType(path: String, tensor: String, rawType: UInt32)
    /// A dimension over Int.max, or an element or byte count that overflows.
    case invalidShape(path: String, tensor: String, reason: String)
    /// ne[0], the row length, must be a whole number of blocks.
    case rowNotWholeBlocks(path: String, tensor: String, type: GGUFTensorType, rowLength: Int)
    /// Tensor offsets count from the start of the data section and must be multiples of the alignment.
    case misalignedTensor(path: String, tensor: String, offset: UInt64, alignment: Int)
    /// The tensor's bytes [begin, end) (from the start of the file) run past the end of the file.
    case tensorOutOfBounds(path: String, tensor: String, begin: UInt64, end: UInt64, fileSize: Int)
    case overlappingTensors(path: String, tensor: String, other: String)
    case tensorNotFound(path: String, tensor: String)
    case keyNotFound(path: String, key: String)
    /// A metadata value is not of the type the caller asked for (or does not fit it).
    case typeMismatch(path: String, key: String, expected: String, found: String)
    case notDequantisable(path: String, tensor: String, type: GGUFTensorType)
    /// A caller's destination holds `given` floats but the request needs `expected`.
    case elementCountMismatch(path: String, tensor: String, expected: Int, given: Int)
    case rowsOutOfRange(path: String, tensor: String, rows: Range<Int>, rowCount: Int)
    /// The tensor's `rows` output rows do not split into `heads` heads of even size (llama q/k permutation).
    case headCountMismatch(path: String, tensor: String, rows: Int, heads: Int)

    public var description: String {
        switch self {
        case let .io(path, operation, message):
            return "\(path): \(operation) failed: \(message)"
        case let .badMagic(path, found):
            let shown = found.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + hex($0) }.joined()
            return "\(path): not a GGUF file: starts with \"\(shown)\", expected \"GGUF\""
        case let .unsupportedVersion(path, version):
            let hint = version != 0 && version & 0xFFFF == 0 ? " (a big-endian file?)" : ""
            return "\(path): GGUF version \(version)\(hint) is not supported (versions 2 and 3 are)"
        case let .truncated(path, offset, what):
            return "\(path): file is truncated: it ends before \(what) (byte \(offset))"
        case let .invalidValueType(path, key, rawType):
            return "\(path): metadata key '\(key)' has unknown value type \(rawType)"
        case let .arrayNestedTooDeeply(path, key):
            return "\(path): metadata key '\(key)' nests arrays more than \(GGUFHeader.maxArrayDepth) deep"
        case let .invalidUTF8(path, what):
            return "\(path): \(what) is not valid UTF-8"
        case let .duplicateKey(path, key):
            return "\(path): metadata key '\(key)' appears more than once"
        case let .invalidAlignment(path, reason):
            return "\(path): invalid general.alignment: \(reason)"
        case let .duplicateTensor(path, tensor):
            return "\(path): tensor '\(tensor)' is listed more than once"
        case let .tooManyDimensions(path, tensor, count):
            return "\(path): tensor '\(tensor)' has \(count) dimensions, more than ggml's 4"
        case let .unknownTensorType(path, tensor, rawType):
            return "\(path): tensor '\(tensor)' has unknown ggml type \(rawType)"
        case let .invalidShape(path, tensor, reason):
            return "\(path): tensor '\(tensor)': invalid shape: \(reason)"
        case let .rowNotWholeBlocks(path, tensor, type, rowLength):
            return "\(path): tensor '\(tensor)': row length \(rowLength) is not a multiple of the \(type) block size \(type.blockSize)"
        case let .misalignedTensor(path, tensor, offset, alignment):
            return "\(path): tensor '\(tensor)': data offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(path, tensor, begin, end, fileSize):
            return "\(path): tensor '\(tensor)': data bytes [\(begin), \(end)) lie outside the \(fileSize)-byte file"
        case let .overlappingTensors(path, tensor, other):
            return "\(path): tensor '\(tensor)' overlaps tensor '\(other)' in the data section"
        case let .tensorNotFound(path, tensor):
            return "\(path): no tensor named '\(tensor)'"
        case let .keyNotFound(path, key):
            return "\(path): no metadata key '\(key)'"
        case let .typeMismatch(path, key, expected, found):
            return "\(path): metadata key '\(key)' is \(found), expected \(expected)"
        case let .notDequantisable(path, tensor, type):
            return "\(path): tensor '\(tensor)' has type \(type), which does not dequantise to Float32 here "
                + "(F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K do)"
        case let .elementCountMismatch(path, tensor, expected, given):
            return "\(path): tensor '\(tensor)': the request needs \(expected) floats but the destination holds \(given)"
        case let .rowsOutOfRange(path, tensor, rows, rowCount):
            return "\(path): tensor '\(tensor)': rows \(rows.lowerBound)..<\(rows.upperBound) are outside its \(rowCount) rows"
        case let .headCountMismatch(path, tensor, rows, heads):
            return "\(path): tensor '\(tensor)': \(rows) rows do not split into \(heads) heads of even size"
        }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
}
