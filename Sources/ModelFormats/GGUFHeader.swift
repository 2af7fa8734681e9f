/// The validated header of a GGUF file (see `GGUFFile` for the layout and the rules).
struct GGUFHeader {
    /// Arrays nested deeper than this are treated as corruption (real files have none at all).
    static let maxArrayDepth = 8

    let version: UInt32
    let metadata: [(key: String, value: GGUFValue)]
    let tensors: [GGUFTensorInfo]
    let alignment: Int
    let dataStart: Int

    init(mapping: GGUFMapping) throws(GGUFError) {
        let path = mapping.path
        var cursor = GGUFByteCursor(bytes: mapping.bytes, path: path)

        guard mapping.bytes.count >= 4 else {
            throw .truncated(path: path, offset: 0, what: "the magic \"GGUF\"")
        }
        let magic = Array(mapping.bytes[0..<4])
        guard magic == Array("GGUF".utf8) else { throw .badMagic(path: path, found: magic) }
        try cursor.skip(4, "the magic")
        version = try cursor.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(path: path, version: version) }
        let tensorCount = try cursor.read(UInt64.self, "the tensor count")
        let keyCount = try cursor.read(UInt64.self, "the metadata key count")

        // A key takes at least 13 bytes (length, type, one-byte value), a tensor info 24 (length, dims, type,
        // offset): counts the rest of the file cannot hold are truncation, caught before allocating for them.
        guard keyCount <= UInt64(cursor.remaining / 13) else {
            throw .truncated(path: path, offset: cursor.offset, what: "the \(keyCount) metadata keys the header announces")
        }
        var metadata: [(key: String, value: GGUFValue)] = []
        metadata.reserveCapacity(Int(keyCount))
        var seenKeys = Set<String>()
        for index in 0..<Int(keyCount) {
            let key = try cursor.readString("metadata key \(index)")
            guard seenKeys.insert(key).inserted else { throw .duplicateKey(path: path, key: key) }
            let rawType = try cursor.read(UInt32.self, "the value type of key '\(key)'")
            let value = try Self.readValue(rawType, key: key, cursor: &cursor, mapping: mapping, depth: 0)
            metadata.append((key, value))
        }
        self.metadata = metadata

        let alignment: Int
        switch metadata.first(where: { $0.key == "general.alignment" })?.value {
        case nil:
            alignment = 32
        case .uint32(let value)?:
            guard value != 0, value & (value - 1) == 0 else {
                throw .invalidAlignment(path: path, reason: "\(value) is not a power of two")
            }
            alignment = Int(value)
        case let other?:
            throw .invalidAlignment(path: path, reason: "value is \(other.typeDescription), expected UINT32")
        }
        self.alignment = alignment

        guard tensorCount <= UInt64(cursor.remaining / 24) else {
            throw .truncated(path: path, offset: cursor.offset, what: "the \(tensorCount) tensor infos the header announces")
        }
        var entries: [(name: String, type: GGUFTensorType, dimensions: [Int], offset: UInt64)] = []
        entries.reserveCapacity(Int(tensorCount))
        var seenNames = Set<String>()
        for index in 0..<Int(tensorCount) {
            let name = try cursor.readString("the name of tensor \(index)")
            guard seenNames.insert(name).inserted else { throw .duplicateTensor(path: path, tensor: name) }
            let dimensionCount = try cursor.read(UInt32.self, "the dimension count of tensor '\(name)'")
            guard dimensionCount <= 4 else {
                throw .tooManyDimensions(path: path, tensor: name, count: dimensionCount)
            }
            var dimensions: [Int] = []
            for axis in 0..<Int(dimensionCount) {
                let size = try cursor.read(UInt64.self, "dimension \(axis) of tensor '\(name)'")
                guard let value = Int(exactly: size) else {
                    throw .invalidShape(path: path, tensor: name, reason: "dimension \(axis) is \(size), over Int.max")
                }
                dimensions.append(value)
            }
            let rawType = try cursor.read(UInt32.self, "the type of tensor '\(name)'")
            guard let type = GGUFTensorType(rawValue: rawType) else {
                throw .unknownTensorType(path: path, tensor: name, rawType: rawType)
            }
            let offset = try cursor.read(UInt64.self, "the data offset of tensor '\(name)'")
            entries.append((name, type, dimensions, offset))
        }

        // The data section starts at the first multiple of the alignment after the tensor infos.
        let headerEnd = cursor.offset
        dataStart = (headerEnd + alignment - 1) / alignment * alignment
        let fileSize = mapping.bytes.count
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            tensors.append(try Self.validate(entry, path: path, alignment: alignment, dataStart: dataStart, fileSize: fileSize))
        }
        try Self.checkOverlaps(tensors, path: path)
        self.tensors = tensors
    }

    // MARK: - Values

    private static func readValue(_ rawType: UInt32, key: String, cursor: inout GGUFByteCursor, mapping: GGUFMapping,
                                  depth: Int) throws(GGUFError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw .invalidValueType(path: cursor.path, key: key, rawType: rawType)
        }
        let what = "the value of key '\(key)'"
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what))
        case .int8: return .int8(try cursor.read(Int8.self, what))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what))
        case .int16: return .int16(try cursor.read(Int16.self, what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what))
        case .int32: return .int32(try cursor.read(Int32.self, what))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what))
        case .int64: return .int64(try cursor.read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try cursor.read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try cursor.read(UInt64.self, what)))
        case .bool: return .bool(try cursor.read(UInt8.self, what) != 0)
        case .string: return .string(try cursor.readString(what))
        case .array: return .array(try readArray(key: key, cursor: &cursor, mapping: mapping, depth: depth + 1))
        }
    }

    private static func readArray(key: String, cursor: inout GGUFByteCursor, mapping: GGUFMapping,
                                  depth: Int) throws(GGUFError) -> GGUFArray {
        let path = cursor.path
        let rawType = try cursor.read(UInt32.self, "the element type of array key '\(key)'")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw .invalidValueType(path: path, key: key, rawType: rawType)
        }
        let declared = try cursor.read(UInt64.self, "the length of array key '\(key)'")
        let what = "the \(declared) elements of array key '\(key)'"
        guard declared <= UInt64(cursor.remaining / type.minimumSize) else {
            throw .truncated(path: path, offset: cursor.offset, what: what)
        }
        let count = Int(declared)
        switch type {
        case .uint8: return .uint8(try cursor.readArray(of: UInt8.self, count: count, what))
        case .int8: return .int8(try cursor.readArray(of: Int8.self, count: count, what))
        case .uint16: return .uint16(try cursor.readArray(of: UInt16.self, count: count, what))
        case .int16: return .int16(try cursor.readArray(of: Int16.self, count: count, what))
        case .uint32: return .uint32(try cursor.readArray(of: UInt32.self, count: count, what))
        case .int32: return .int32(try cursor.readArray(of: Int32.self, count: count, what))
        case .uint64: return .uint64(try cursor.readArray(of: UInt64.self, count: count, what))
        case .int64: return .int64(try cursor.readArray(of: Int64.self, count: count, what))
        case .float32: return .float32(try cursor.readArray(of: Float.self, count: count, what))
        case .float64: return .float64(try cursor.readArray(of: Double.self, count: count, what))
        case .bool: return .bool(try cursor.readArray(of: UInt8.self, count: count, what).map { $0 != 0 })
        case .string:
            var starts: [Int] = []
            var lengths: [Int] = []
            starts.reserveCapacity(count)
            lengths.reserveCapacity(count)
            for index in 0..<count {
                let (start, length) = try cursor.readStringSpan("element \(index) of array key '\(key)'")
                starts.append(start)
                lengths.append(length)
            }
            return .string(GGUFStringArray(mapping: mapping, starts: starts, lengths: lengths))
        case .array:
            guard depth < maxArrayDepth else { throw .arrayNestedTooDeeply(path: path, key: key) }
            var arrays: [GGUFArray] = []
            for _ in 0..<count {
                arrays.append(try readArray(key: key, cursor: &cursor, mapping: mapping, depth: depth + 1))
            }
            return .array(arrays)
        }
    }

    // MARK: - Tensors

    private static func validate(_ entry: (name: String, type: GGUFTensorType, dimensions: [Int], offset: UInt64),
                                 path: String, alignment: Int, dataStart: Int,
                                 fileSize: Int) throws(GGUFError) -> GGUFTensorInfo {
        let (name, type, dimensions, offset) = entry
        // Rows and elements are counted separately: with ne[0] = 0 the element count is 0 while the row count
        // can still overflow.
        var rowCount = 1
        for size in dimensions.dropFirst() {
            let (product, overflow) = rowCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw .invalidShape(path: path, tensor: name, reason: "row count of \(dimensions) overflows")
            }
            rowCount = product
        }
        let rowLength = dimensions.first ?? 1
        let (elementCount, overflow) = rowCount.multipliedReportingOverflow(by: rowLength)
        guard !overflow else {
            throw .invalidShape(path: path, tensor: name, reason: "element count of \(dimensions) overflows")
        }
        guard rowLength % type.blockSize == 0 else {
            throw .rowNotWholeBlocks(path: path, tensor: name, type: type, rowLength: rowLength)
        }
        // Elements per block ≥ 1 and bytes per block ≤ 292, so bytes = elements / blockSize · bytesPerBlock can
        // only overflow when the element count is enormous.
        let (byteCount, byteOverflow) = (elementCount / type.blockSize).multipliedReportingOverflow(by: type.bytesPerBlock)
        guard !byteOverflow else {
            throw .invalidShape(path: path, tensor: name, reason: "byte count of \(dimensions) \(type) overflows")
        }
        guard offset % UInt64(alignment) == 0 else {
            throw .misalignedTensor(path: path, tensor: name, offset: offset, alignment: alignment)
        }
        let begin = UInt64(dataStart).addingReportingOverflow(offset)
        let end = begin.partialValue.addingReportingOverflow(UInt64(byteCount))
        guard !begin.overflow, !end.overflow, end.partialValue <= UInt64(fileSize) else {
            let shownBegin = begin.overflow ? UInt64.max : begin.partialValue
            let shownEnd = begin.overflow || end.overflow ? UInt64.max : end.partialValue
            throw .tensorOutOfBounds(path: path, tensor: name, begin: shownBegin, end: shownEnd, fileSize: fileSize)
        }
        return GGUFTensorInfo(name: name, type: type, dimensions: dimensions, dataOffset: Int(offset),
                              fileOffset: Int(begin.partialValue))
    }

    /// Sorted by offset, no tensor may start before the previous one ends (empty tensors take no room).
    private static func checkOverlaps(_ tensors: [GGUFTensorInfo], path: String) throws(GGUFError) {
        let byOffset = tensors.filter { $0.byteCount > 0 }.sorted { ($0.fileOffset, $0.name) < ($1.fileOffset, $1.name) }
        for (previous, tensor) in zip(byOffset, byOffset.dropFirst()) where tensor.fileOffset < previous.fileRange.upperBound {
            throw .overlappingTensors(path: path, tensor: tensor.name, other: previous.name)
        }
    }
}
