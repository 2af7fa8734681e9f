import Foundation

/// One tensor's bytes in a mapped GGUF file, as stored: the raw blocks a fused dequantise-and-multiply kernel
/// reads directly, and dequantisation of the whole tensor or of a run of rows into a caller's buffer.
///
/// Row r (r < `rowCount`) is `rowLength` elements = `rowLength / type.blockSize` blocks of `type.bytesPerBlock`
/// bytes, starting at `base + r · rowStride`; rows follow each other without gaps. For a weight of PyTorch shape
/// `[out, in]`, a row is one output feature. The view holds the mapping, so `base` stays valid as long as the
/// view exists, even after its `GGUFFile` is gone.
public struct GGUFTensorView: @unchecked Sendable {
    /// The file, for error messages.
    public let path: String
    public let info: GGUFTensorInfo
    /// The tensor's first byte in the mapping (read-only).
    public let base: UnsafeRawPointer
    private let mapping: GGUFMapping

    /// All cores: dequantising a layer is the only thing the caller waits for at that point.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    init(path: String, info: GGUFTensorInfo, mapping: GGUFMapping) {
        self.path = path
        self.info = info
        self.mapping = mapping
        // An empty tensor may sit at the very end of the file; it is never read through.
        base = mapping.bytes.baseAddress.map { UnsafeRawPointer($0) + info.fileOffset } ?? UnsafeRawPointer(bitPattern: 1)!
    }

    public var name: String { info.name }
    public var type: GGUFTensorType { info.type }
    public var rowCount: Int { info.rowCount }
    public var rowLength: Int { info.rowLength }
    /// Bytes from one row to the next.
    public var rowStride: Int { info.rowByteCount }
    public var blocksPerRow: Int { info.rowLength / info.type.blockSize }

    /// The first block of row `index`.
    public func row(_ index: Int) -> UnsafeRawPointer {
        precondition(index >= 0 && index < rowCount, "row \(index) outside 0..<\(rowCount) of \(name)")
        return base + index * rowStride
    }

    /// The whole tensor as Float32 in row-major order into exactly `count` = `info.elementCount` floats.
    public func dequantise(into destination: UnsafeMutablePointer<Float>, count: Int,
                           threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) {
        try dequantise(rows: 0..<rowCount, into: destination, count: count, threads: threads)
    }

    /// Rows `rows` as Float32 into exactly `count` = `rows.count · rowLength` floats (a layer's weight, or a block
    /// of rows for a row-split matrix product).
    public func dequantise(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>, count: Int,
                           threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) {
        guard type.isDequantisable else { throw .notDequantisable(path: path, tensor: name, type: type) }
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw .rowsOutOfRange(path: path, tensor: name, rows: rows, rowCount: rowCount)
        }
        guard count == rows.count * rowLength else {
            throw .elementCountMismatch(path: path, tensor: name, expected: rows.count * rowLength, given: count)
        }
        guard count > 0 else { return }
        withExtendedLifetime(mapping) {
            GGUFDequantiser.dequantise(type, blocks: base + rows.lowerBound * rowStride, count: rows.count * blocksPerRow,
                                       into: destination, threads: threads)
        }
    }

    /// The whole tensor as a new array of Float32, row-major.
    public func floats(threads: Int = GGUFTensorView.defaultThreads) throws(GGUFError) -> [Float] {
        guard type.isDequantisable else { throw .notDequantisable(path: path, tensor: name, type: type) }
        let count = info.elementCount
        var failure: GGUFError?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(GGUFError) {
                if let start = buffer.baseAddress { try dequantise(into: start, count: count, threads: threads) }
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }
}
