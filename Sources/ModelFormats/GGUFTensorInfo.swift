/// One tensor of a GGUF file, as its tensor-info entry describes it (after validation).
///
/// GGUF lists dimensions innermost first, as ggml's `ne`: `dimensions[0]` is the row length (the contiguous axis),
/// so a PyTorch `[out, in]` weight is stored as `[in, out]`. `shape` gives the usual row-major order.
public struct GGUFTensorInfo: Equatable, Sendable {
    public let name: String
    public let type: GGUFTensorType
    /// ggml's `ne`, innermost (contiguous) first.
    public let dimensions: [Int]
    /// Offset of the tensor's first byte from the start of the data section, as stored.
    public let dataOffset: Int
    /// The same byte as an offset from the start of the file.
    public let fileOffset: Int

    /// Row-major (PyTorch) order: `dimensions` reversed.
    public var shape: [Int] { dimensions.reversed() }
    /// Elements per row, ne[0] (1 for a 0-dimensional tensor).
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Product of the outer dimensions: ne[1]·ne[2]·ne[3].
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
    public var elementCount: Int { rowLength * rowCount }
    /// Bytes per row: rows are whole blocks, stored one after another.
    public var rowByteCount: Int { rowLength / type.blockSize * type.bytesPerBlock }
    public var byteCount: Int { rowCount * rowByteCount }
    /// The tensor's bytes as offsets from the start of the file.
    public var fileRange: Range<Int> { fileOffset ..< fileOffset + byteCount }
}
