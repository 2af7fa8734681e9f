/// A GGUF file (llama.cpp's model format, versions 2 and 3) mapped read-only into memory: metadata, tensor infos,
/// and tensors read or dequantised straight from the mapping.
///
/// Layout (little-endian): "GGUF", u32 version, u64 tensor count, u64 key count; the keys (u64-length UTF-8 name,
/// u32 value type, value; arrays are u32 element type, u64 count, elements); the tensor infos (name, u32 dimension
/// count, u64 dimensions innermost first, u32 ggml type, u64 offset into the data section); padding to
/// `general.alignment` (default 32); the data section. Everything is validated at open time, so later reads never
/// meet a bad offset. Rejected, each with its own `GGUFError` naming the file (and key or tensor):
/// - a short file, a wrong magic, a version other than 2 or 3, counts or lengths that run past the end of the file;
/// - unknown value types, strings that are not UTF-8, duplicate keys, a `general.alignment` that is not a UINT32
///   power of two;
/// - duplicate tensor names, more than 4 dimensions, an unknown ggml type, a row length that is not a whole number
///   of blocks, an offset that is not a multiple of the alignment, bytes past the end of the file, and tensors that
///   overlap. (ggml also insists the tensors are packed in order; a reader has no need to, so that is not checked.)
///
/// Pitfall, llama architecture: llama.cpp's converter stores the rows of `attn_q` / `attn_k` permuted for its RoPE
/// layout (the two halves of each head interleaved), so those weights are not in Hugging Face order. This type
/// returns them as stored; see `GGUFLlamaPermutation` to undo it. qwen2 files are not permuted.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let fileSize: Int
    public let version: UInt32
    public let metadata: GGUFMetadata
    /// Tensors in the order of the file's tensor infos.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or the default 32.
    public let alignment: Int
    /// Offset of the data section from the start of the file.
    public let dataStart: Int

    private let mapping: GGUFMapping
    private let indexByName: [String: Int]

    /// Opens, maps and validates `path`.
    public init(path: String) throws(GGUFError) {
        let mapping = try GGUFMapping(path: path)
        let header = try GGUFHeader(mapping: mapping)
        self.path = path
        self.mapping = mapping
        fileSize = mapping.bytes.count
        version = header.version
        metadata = GGUFMetadata(path: path, entries: header.metadata)
        tensors = header.tensors
        alignment = header.alignment
        dataStart = header.dataStart
        indexByName = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
    }

    /// `general.architecture` (`llama`, `qwen2`), the prefix of the model's hyperparameter keys.
    public var architecture: String? {
        if case .string(let name)? = metadata["general.architecture"] { return name }
        return nil
    }

    public var tensorNames: [String] { tensors.map(\.name) }

    public func contains(_ name: String) -> Bool { indexByName[name] != nil }

    public func info(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let index = indexByName[name] else { throw .tensorNotFound(path: path, tensor: name) }
        return tensors[index]
    }

    /// The tensor's blocks in the mapping, for direct reads and dequantisation.
    public func tensor(_ name: String) throws(GGUFError) -> GGUFTensorView {
        GGUFTensorView(path: path, info: try info(name), mapping: mapping)
    }

    /// The whole tensor as Float32 (row-major) into exactly `count` = element-count floats.
    public func dequantise(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int,
                           threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) {
        try tensor(name).dequantise(into: destination, count: count, threads: threads)
    }

    /// Rows `rows` of the tensor as Float32 into exactly `rows.count · rowLength` floats.
    public func dequantise(_ name: String, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>, count: Int,
                           threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) {
        try tensor(name).dequantise(rows: rows, into: destination, count: count, threads: threads)
    }

    /// The whole tensor as a new Float32 array, row-major.
    public func floats(_ name: String, threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) -> [Float] {
        try tensor(name).floats(threads: threads)
    }

    /// A llama `attn_q` / `attn_k` tensor as Float32 in Hugging Face row order, undoing llama.cpp's permutation
    /// (see `GGUFLlamaPermutation`): `heads` is n_head for q, n_head_kv for k. The permuted axis is the outermost.
    public func floatsUndoingLlamaPermutation(_ name: String, heads: Int,
                                              threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) -> [Float] {
        let info = try info(name)
        let rows = info.shape.first ?? 1
        guard GGUFLlamaPermutation.canPermute(rows: rows, heads: heads) else {
            throw .headCountMismatch(path: path, tensor: name, rows: rows, heads: heads)
        }
        let stored = try floats(name, threads: threads)
        let columns = rows == 0 ? 0 : stored.count / rows
        return [Float](unsafeUninitializedCapacity: stored.count) { buffer, initialized in
            stored.withUnsafeBufferPointer { source in
                if let from = source.baseAddress, let to = buffer.baseAddress {
                    GGUFLlamaPermutation.undo(from, into: to, rows: rows, columns: columns, heads: heads)
                }
            }
            initialized = stored.count
        }
    }
}
