import CFaiss
import Foundation
import Tensor

/// A FAISS index owned from Swift, through the CFaiss shim: vectors in, (id, score) neighbours out.
///
/// `init(dimension:factory:metric:)` wraps the factory's index in an IndexIDMap2, so the ids passed to `add` are the
/// ids `search` returns (Exemplar uses document ids) and the file is what `faiss.read_index` expects of such an index.
/// Searching from several threads at once is safe; training, adding and removing are not.
public final class FaissIndex {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { cfaiss_free(handle) }

    /// A new empty index from a FAISS factory string (`Flat`, `HNSW32`, `IVF256,Flat`, `IVF256,PQ32`…).
    public convenience init(dimension: Int, factory: String, metric: DistanceMetric = .innerProduct) throws {
        var out: OpaquePointer?
        try Self.check(cfaiss_create(Int32(clamping: dimension), factory, metric.faissValue, &out),
                       "create '\(factory)'")
        self.init(handle: out!)
    }

    /// Reads an index file written by `write(to:)` or by Python's `faiss.write_index`.
    public static func read(path: String) throws -> FaissIndex {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FaissError(operation: "read", path: path, message: "file not found")
        }
        var out: OpaquePointer?
        try check(cfaiss_read(path, &out), "read", path: path)
        return FaissIndex(handle: out!)
    }

    /// Writes FAISS's own format to `path` (flushed and fsync'ed). Callers wanting atomic replacement write to a
    /// temporary name and rename.
    public func write(to path: String) throws {
        try Self.check(cfaiss_write(handle, path), "write", path: path)
    }

    public var dimension: Int { Int(cfaiss_dimension(handle)) }
    /// Number of vectors in the index.
    public var count: Int { Int(cfaiss_ntotal(handle)) }
    public var metric: DistanceMetric { DistanceMetric(faissValue: cfaiss_metric(handle)) }
    /// IVF and PQ factories need `train` before `add`; Flat and HNSW do not.
    public var isTrained: Bool { cfaiss_is_trained(handle) != 0 }
    /// Whether the outer index maps ids (IndexIDMap/IndexIDMap2), i.e. search returns the ids given to `add`.
    public var hasIDMap: Bool { cfaiss_has_id_map(handle) != 0 }

    /// Learns the coarse quantiser / codebooks from (n, d) sample vectors.
    public func train(_ vectors: Tensor) throws {
        try checkShape(vectors, "train")
        try withExtendedLifetime(vectors) {
            try Self.check(cfaiss_train(handle, Int64(vectors.rows), vectors.data), "train")
        }
    }

    /// Adds (n, d) vectors under the given ids.
    public func add(_ vectors: Tensor, ids: [Int64]) throws {
        try checkShape(vectors, "add")
        guard ids.count == vectors.rows else {
            throw FaissError(operation: "add", message: "\(ids.count) ids for \(vectors.rows) vectors")
        }
        try withExtendedLifetime(vectors) { try add(vectors.data, ids: ids) }
    }

    /// Adds `ids.count` vectors stored row-major at `vectors`.
    public func add(_ vectors: UnsafePointer<Float>, ids: [Int64]) throws {
        try Self.check(cfaiss_add_with_ids(handle, Int64(ids.count), vectors, ids), "add")
    }

    /// The k nearest neighbours of each row of the (Q, d) `queries`, searched `batchSize` queries at a time so the
    /// distance blocks FAISS allocates stay bounded.
    public func search(_ queries: Tensor, k: Int, batchSize: Int = 4096) throws -> SearchResults {
        try checkShape(queries, "search")
        guard k > 0 else { throw FaissError(operation: "search", message: "k must be positive, got \(k)") }
        let q = queries.rows, d = dimension
        var ids = [Int64](repeating: -1, count: q * k)
        var scores = [Float](repeating: 0, count: q * k)
        try withExtendedLifetime(queries) {
            try ids.withUnsafeMutableBufferPointer { idBuffer in
                try scores.withUnsafeMutableBufferPointer { scoreBuffer in
                    var start = 0
                    while start < q {
                        let n = min(batchSize, q - start)
                        try Self.check(cfaiss_search(handle, Int64(n), queries.data + start * d, Int64(k),
                                                     scoreBuffer.baseAddress! + start * k,
                                                     idBuffer.baseAddress! + start * k), "search")
                        start += n
                    }
                }
            }
        }
        return SearchResults(ids: ids, scores: scores, k: k, count: q)
    }

    /// Removes the vectors with these ids and returns how many were present. HNSW indexes do not support removal
    /// (FAISS's error comes back).
    @discardableResult
    public func remove(ids: [Int64]) throws -> Int {
        var removed: Int64 = 0
        try Self.check(cfaiss_remove_ids(handle, Int64(ids.count), ids, &removed), "remove")
        return Int(removed)
    }

    /// HNSW search breadth, or nil when the index has no HNSW graph.
    public var efSearch: Int? {
        var value: Int32 = 0
        guard let error = cfaiss_get_hnsw_ef_search(handle, &value) else { return Int(value) }
        cfaiss_free_error(error)
        return nil
    }

    public func setEfSearch(_ value: Int) throws {
        try Self.check(cfaiss_set_hnsw_ef_search(handle, Int32(clamping: value)), "set efSearch")
    }

    /// Inverted lists probed per query, or nil when the index is not an IVF index.
    public var nprobe: Int? {
        var value: Int64 = 0
        guard let error = cfaiss_get_ivf_nprobe(handle, &value) else { return Int(value) }
        cfaiss_free_error(error)
        return nil
    }

    public func setNprobe(_ value: Int) throws {
        try Self.check(cfaiss_set_ivf_nprobe(handle, Int64(value)), "set nprobe")
    }

    /// OpenMP threads FAISS uses, process-wide (default: one per core). BLAS stays single-threaded, as everywhere in
    /// Exemplar: flat batch searches split their queries over these threads instead (Sources/CFaiss/SimdFlat.cpp).
    public static var threads: Int {
        get { Int(cfaiss_threads()) }
        set { cfaiss_set_threads(Int32(clamping: newValue)) }
    }

    /// Whether flat and HNSW indexes use Exemplar's vectorised distance loops (Sources/CFaiss/SimdFlat.cpp, SimdHNSW.cpp).
    public static var usesSIMDKernels: Bool { cfaiss_simd() != 0 }

    /// Whether HNSWFlat indexes created or read from now on use Exemplar's copy of FAISS's HNSW loops
    /// (Sources/CFaiss/SimdHNSW.cpp). The copy mirrors FAISS 1.7.3's internals, so with any other FAISS release
    /// (or without the SIMD kernels, or with EXEMPLAR_FAISS_HNSW=0) FAISS's own search and construction run.
    public static var usesHNSWMirror: Bool { cfaiss_hnsw_mirror() != 0 }

    /// FAISS library version, e.g. "1.7.3".
    public static var libraryVersion: String { String(cString: cfaiss_version()) }

    private func checkShape(_ vectors: Tensor, _ operation: String) throws {
        guard vectors.shape.count == 2, vectors.columns == dimension else {
            throw FaissError(operation: operation, message: "vectors of shape \(vectors.shape) for an index of dimension \(dimension)")
        }
    }

    /// Turns a shim error string into a thrown `FaissError` (and frees it).
    private static func check(_ error: UnsafeMutablePointer<CChar>?, _ operation: String, path: String? = nil) throws {
        guard let error else { return }
        let message = String(cString: error)
        cfaiss_free_error(error)
        throw FaissError(operation: operation, path: path, message: message)
    }
}
