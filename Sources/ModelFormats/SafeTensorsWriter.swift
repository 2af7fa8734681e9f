import JSONCore

/// Collects tensors and writes them as a safetensors file with the byte layout of the reference Rust library
/// (safetensors 0.8 `serialize`): tensors ordered by dtype in descending reference order ("alignment") then by name
/// (byte-wise), laid out back to back from offset 0; the compact JSON header lists `__metadata__` first, then the
/// tensors in that order, and is padded with spaces to a multiple of 8 bytes so the data section starts 8-aligned.
///
/// One deliberate difference: the reference emits `__metadata__` keys in hash-map order (different from run to run);
/// we sort them byte-wise so our output is reproducible. Empty metadata is omitted, as the reference does for `None`.
///
/// Tensor data is copied when added, so callers may reuse their buffers at once.
public struct SafeTensorsWriter {
    private struct Entry {
        let name: String
        let dtype: SafeTensorsDType
        let shape: [Int]
        let bytes: [UInt8]
    }

    public var metadata: [String: String]
    private var entries: [Entry] = []
    private var names = Set<String>()

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Names in the order they were added.
    public var tensorNames: [String] { entries.map(\.name) }

    /// Adds Float32 values (C order), stored as `dtype`: F32 as is, F16 or BF16 rounded to nearest even.
    public mutating func add(_ name: String, shape: [Int], values: [Float], as dtype: SafeTensorsDType = .f32) throws {
        try values.withUnsafeBufferPointer { try add(name, shape: shape, values: $0, as: dtype) }
    }

    /// Adds Float32 values from a caller's buffer (e.g. a model's parameter storage); `values.count` must equal the
    /// shape's element count.
    public mutating func add(_ name: String, shape: [Int], values: UnsafeBufferPointer<Float>,
                             as dtype: SafeTensorsDType = .f32) throws {
        let count = try checkNew(name, shape: shape)
        guard values.count == count else {
            throw SafeTensorsError.invalidTensor(tensor: name, reason: "shape \(shape) has \(count) elements but \(values.count) values were given")
        }
        var bytes: [UInt8]
        switch dtype {
        case .f32:
            bytes = Array(UnsafeRawBufferPointer(values))
        case .f16, .bf16:
            bytes = [UInt8](repeating: 0, count: 2 * count)
            if let source = values.baseAddress {
                bytes.withUnsafeMutableBytes { out in
                    if dtype == .f16 {
                        HalfPrecision.f32ToF16(source, out.baseAddress!, count: count)
                    } else {
                        HalfPrecision.f32ToBF16(source, out.baseAddress!, count: count)
                    }
                }
            }
        default:
            throw SafeTensorsError.invalidTensor(tensor: name, reason: "Float values are stored as F32, F16 or BF16, not \(dtype)")
        }
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
        names.insert(name)
    }

    /// Adds a tensor of any dtype from its stored bytes (little-endian, C order), e.g. to carry an I64 tensor over.
    public mutating func addRaw(_ name: String, dtype: SafeTensorsDType, shape: [Int], bytes: UnsafeRawBufferPointer) throws {
        let count = try checkNew(name, shape: shape)
        guard let expected = dtype.byteCount(elementCount: count) else {
            throw SafeTensorsError.invalidTensor(tensor: name, reason: "shape \(shape) of \(dtype) is not a whole number of bytes")
        }
        guard bytes.count == expected else {
            throw SafeTensorsError.invalidTensor(tensor: name, reason: "shape \(shape) of \(dtype) needs \(expected) bytes but \(bytes.count) were given")
        }
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: Array(bytes)))
        names.insert(name)
    }

    /// Validates a new tensor's name and shape; returns its element count.
    private func checkNew(_ name: String, shape: [Int]) throws -> Int {
        guard name != "__metadata__" else {
            throw SafeTensorsError.invalidTensor(tensor: name, reason: "the name is reserved for the metadata map")
        }
        guard !names.contains(name) else {
            throw SafeTensorsError.invalidTensor(tensor: name, reason: "a tensor with this name was already added")
        }
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw SafeTensorsError.invalidTensor(tensor: name, reason: "shape \(shape) has a negative dimension")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw SafeTensorsError.invalidTensor(tensor: name, reason: "shape \(shape) overflows") }
            count = product
        }
        return count
    }

    /// The reference order: dtype descending, then name by bytes.
    private var orderedEntries: [Entry] {
        entries.sorted { a, b in
            if a.dtype != b.dtype { return a.dtype > b.dtype }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The 8-byte length followed by the padded JSON header, for tensors in `ordered` order.
    private func headerBytes(_ ordered: [Entry], path: String) throws -> [UInt8] {
        var json: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separator() {
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
        }
        if !metadata.isEmpty {
            separator()
            JSONWriter.appendString("__metadata__", to: &json)
            json.append(contentsOf: Array(":{".utf8))
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (k, key) in keys.enumerated() {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                JSONWriter.appendString(metadata[key]!, to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for entry in ordered {
            separator()
            JSONWriter.appendString(entry.name, to: &json)
            json.append(contentsOf: Array(":{\"dtype\":".utf8))
            JSONWriter.appendString(entry.dtype.rawValue, to: &json)
            json.append(contentsOf: Array(",\"shape\":[".utf8))
            for (axis, dimension) in entry.shape.enumerated() {
                if axis > 0 { json.append(UInt8(ascii: ",")) }
                JSONWriter.appendInteger(dimension, to: &json)
            }
            json.append(contentsOf: Array("],\"data_offsets\":[".utf8))
            JSONWriter.appendInteger(offset, to: &json)
            json.append(UInt8(ascii: ","))
            offset += entry.bytes.count
            JSONWriter.appendInteger(offset, to: &json)
            json.append(contentsOf: Array("]}".utf8))
        }
        json.append(UInt8(ascii: "}"))
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        guard json.count <= SafeTensorsFile.maxHeaderLength else {
            throw SafeTensorsError.headerTooLarge(path: path, headerLength: UInt64(json.count))
        }
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out.append(contentsOf: json)
        return out
    }

    /// The complete file as bytes (for small files and tests; `write(to:)` streams instead).
    public func serialized() throws -> [UInt8] {
        let ordered = orderedEntries
        var out = try headerBytes(ordered, path: "(in memory)")
        for entry in ordered { out.append(contentsOf: entry.bytes) }
        return out
    }

    /// Writes the file atomically: to a temporary file in the same directory, fsync'd, then renamed over `path`.
    public func write(to path: String) throws {
        let ordered = orderedEntries
        let header = try headerBytes(ordered, path: path)
        do throws(IOFailure) {
            let output = try AtomicFileOutput(path: path)
            try output.write(header)
            for entry in ordered { try output.write(entry.bytes) }
            try output.commit()
        } catch {
            throw SafeTensorsError.io(path: path, operation: error.operation(target: path), message: error.message)
        }
    }
}
