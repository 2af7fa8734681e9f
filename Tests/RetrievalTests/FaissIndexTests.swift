import Foundation
import XCTest
import Tensor
import TestSupport
@testable import Retrieval

/// The CFaiss shim through `FaissIndex`: round trips for the factories Exemplar offers, and FAISS errors as values.
final class FaissIndexTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exemplar-faiss-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// n unit vectors of dimension d from a fixed seed.
    static func unitVectors(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        let t = GradientCheck.random([n, d], seed: seed)
        for r in 0..<n {
            let row = t.row(r)
            var norm: Float = 0
            for j in 0..<d { norm += row[j] * row[j] }
            norm = norm.squareRoot()
            for j in 0..<d { row[j] /= norm }
        }
        return t
    }

    /// Exact top-k by brute force in Double, for checking FAISS.
    static func bruteForce(_ corpus: Tensor, ids: [Int64], _ query: UnsafePointer<Float>, k: Int) -> [Int64] {
        let d = corpus.columns
        let scores = (0..<corpus.rows).map { r -> Double in
            (0..<d).reduce(0.0) { $0 + Double(corpus.row(r)[$1]) * Double(query[$1]) }
        }
        return scores.indices.sorted { scores[$0] > scores[$1] }.prefix(k).map { ids[$0] }
    }

    /// Create, add with sparse ids, search, write, read, search again. `lossy`: PQ codes approximate the vectors, so a
    /// vector's own id need only be among its 5 nearest, not first.
    func roundTrip(factory: String, n: Int = 600, d: Int = 16, exact: Bool, lossy: Bool = false) throws {
        let corpus = Self.unitVectors(n, d, seed: 1)
        let ids = (0..<n).map { Int64($0 * 7 + 1000) }
        let index = try FaissIndex(dimension: d, factory: factory)
        XCTAssertTrue(index.hasIDMap)
        XCTAssertEqual(index.dimension, d)
        XCTAssertEqual(index.metric, .innerProduct)
        if !index.isTrained { try index.train(corpus) }
        XCTAssertTrue(index.isTrained)
        try index.add(corpus, ids: ids)
        XCTAssertEqual(index.count, n)

        // Each corpus vector's nearest neighbour is itself (score 1).
        let queries = Tensor(shape: [20, d], values: (0..<20).flatMap { Array(UnsafeBufferPointer(start: corpus.row($0 * 29), count: d)) })
        let results = try index.search(queries, k: 5, batchSize: 7)
        XCTAssertEqual(results.count, 20)
        if lossy {
            let found = (0..<20).filter { results.ids(forQuery: $0).contains(ids[$0 * 29]) }.count
            XCTAssertGreaterThanOrEqual(found, 16, "\(factory): self matches in the top 5")
        }
        for q in 0..<20 where !lossy {
            XCTAssertEqual(results.ids[q * 5], ids[q * 29], "\(factory): self match of query \(q)")
            XCTAssertEqual(results.scores[q * 5], 1, accuracy: 1e-5)
            if exact {
                XCTAssertEqual(results.ids(forQuery: q), Self.bruteForce(corpus, ids: ids, corpus.row(q * 29), k: 5))
            }
        }

        let path = scratch.appendingPathComponent("\(factory.replacingOccurrences(of: ",", with: "_")).faiss").path
        try index.write(to: path)
        // Exemplar's vectorised flat storage is written as FAISS's own IndexFlatIP ("IxFI"), under IndexIDMap2.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(bytes.prefix(4), Data("IxM2".utf8), factory)
        if factory == "Flat" || factory.hasPrefix("HNSW") || factory.hasPrefix("IVF") {
            XCTAssertNotNil(bytes.range(of: Data("IxFI".utf8)), "\(factory): flat storage written as IndexFlatIP")
        }
        let reread = try FaissIndex.read(path: path)
        XCTAssertEqual(reread.count, n)
        XCTAssertEqual(reread.dimension, d)
        XCTAssertTrue(reread.hasIDMap)
        XCTAssertEqual(try reread.search(queries, k: 5, batchSize: 7), results, "same results after a write and read")
    }

    func testFlatRoundTripAndRemove() throws {
        try roundTrip(factory: "Flat", exact: true)
        let index = try FaissIndex(dimension: 4, factory: "Flat")
        try index.add(Tensor(shape: [3, 4], values: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]), ids: [10, 20, 30])
        XCTAssertEqual(try index.remove(ids: [20, 99]), 1)
        XCTAssertEqual(index.count, 2)
        let results = try index.search(Tensor(shape: [1, 4], values: [0, 1, 0, 0]), k: 3)
        XCTAssertEqual(Set(results.ids.prefix(2)), [10, 30], "removed id 20 is gone")
        XCTAssertEqual(results.ids[2], -1, "fewer vectors than k: padded with -1")
        XCTAssertEqual(results.ids(forQuery: 0).count, 2)
    }

    /// Fewer than 20 queries are scanned with the shim's vectorised kernels, larger batches by FAISS with one sgemm:
    /// both give the same neighbours.
    func testSmallAndLargeBatchesAgree() throws {
        for metric in DistanceMetric.allCases {
            let corpus = Self.unitVectors(500, 48, seed: 5), queries = Self.unitVectors(40, 48, seed: 6)
            let index = try FaissIndex(dimension: 48, factory: "Flat", metric: metric)
            try index.add(corpus, ids: (0..<500).map { Int64($0) })
            let small = try index.search(queries, k: 8, batchSize: 5), large = try index.search(queries, k: 8, batchSize: 40)
            XCTAssertEqual(small.ids, large.ids, "\(metric)")
            for (a, b) in zip(small.scores, large.scores) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(metric)") }
            for q in 0..<3 where metric == .innerProduct {
                XCTAssertEqual(small.ids(forQuery: q), Self.bruteForce(corpus, ids: (0..<500).map { Int64($0) }, queries.row(q), k: 8))
            }
        }
    }

    func testHNSWRoundTrip() throws {
        try roundTrip(factory: "HNSW16", exact: false)
        let index = try FaissIndex(dimension: 16, factory: "HNSW16")
        XCTAssertEqual(index.efSearch, 16)
        try index.setEfSearch(64)
        XCTAssertEqual(index.efSearch, 64)
        XCTAssertNil(index.nprobe)
        XCTAssertThrowsError(try index.setNprobe(4)) { XCTAssertTrue("\($0)".contains("IVF"), "\($0)") }
        XCTAssertThrowsError(try index.remove(ids: [1])) { XCTAssertTrue($0 is FaissError, "\($0)") }
    }

    /// The HNSW loops copy FAISS 1.7.3's internals, so they run only over that release (and with the SIMD kernels);
    /// with any other FAISS, FAISS's own search and construction do. EXEMPLAR_FAISS_HNSW=0 turns them off.
    func testHNSWMirrorIsActiveOnlyOverTheFAISSItMirrors() {
        defer { unsetenv("EXEMPLAR_FAISS_HNSW") }
        unsetenv("EXEMPLAR_FAISS_HNSW")
        XCTAssertEqual(FaissIndex.usesHNSWMirror, FaissIndex.libraryVersion == "1.7.3" && FaissIndex.usesSIMDKernels,
                       "FAISS \(FaissIndex.libraryVersion), SIMD kernels \(FaissIndex.usesSIMDKernels)")
        setenv("EXEMPLAR_FAISS_HNSW", "0", 1)
        XCTAssertFalse(FaissIndex.usesHNSWMirror)
    }

    /// Exemplar's HNSW loops (Sources/CFaiss/SimdHNSW.cpp) change only how distances are computed: on one thread
    /// they build the same graph, byte for byte, as FAISS's own hnsw_add_vertices, and on any thread count search
    /// returns exactly what FAISS's own IndexHNSW::search returns on the same file. EXEMPLAR_FAISS_HNSW=0 selects
    /// FAISS's loops.
    func testHNSWLoopsMatchFAISSOwn() throws {
        let savedThreads = FaissIndex.threads
        defer { FaissIndex.threads = savedThreads; unsetenv("EXEMPLAR_FAISS_HNSW") }
        for metric in [DistanceMetric.innerProduct, .l2] {
            let n = 3000, d = 48
            let corpus = Self.unitVectors(n, d, seed: 11), ids = (0..<n).map { Int64($0 * 3 + 5) }
            let queries = Self.unitVectors(300, d, seed: 12)
            func build(faissLoops: Bool, name: String) throws -> String {
                if faissLoops { setenv("EXEMPLAR_FAISS_HNSW", "0", 1) } else { unsetenv("EXEMPLAR_FAISS_HNSW") }
                FaissIndex.threads = 1
                let index = try FaissIndex(dimension: d, factory: "HNSW32", metric: metric)
                try index.add(corpus, ids: ids)
                let path = scratch.appendingPathComponent(name).path
                try index.write(to: path)
                return path
            }
            let ours = try build(faissLoops: false, name: "ours-\(metric).faiss")
            let faiss = try build(faissLoops: true, name: "faiss-\(metric).faiss")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ours)), try Data(contentsOf: URL(fileURLWithPath: faiss)),
                           "\(metric): same graph as FAISS's construction on one thread")

            setenv("EXEMPLAR_FAISS_HNSW", "0", 1)
            let reference = try FaissIndex.read(path: ours)
            try reference.setEfSearch(24)
            let expected = try reference.search(queries, k: 10)
            unsetenv("EXEMPLAR_FAISS_HNSW")
            for threads in [1, 2] {
                FaissIndex.threads = threads
                let index = try FaissIndex.read(path: ours)
                try index.setEfSearch(24)
                XCTAssertEqual(try index.search(queries, k: 10), expected, "\(metric), \(threads) threads")
                XCTAssertEqual(try index.search(queries, k: 10, batchSize: 1), expected, "\(metric), one query at a time")
            }
            // A 2-thread build (lock order varies) still finds each vector's own id first.
            FaissIndex.threads = 2
            let parallel = try FaissIndex(dimension: d, factory: "HNSW32", metric: metric)
            try parallel.add(corpus, ids: ids)
            let own = try parallel.search(Tensor(shape: [100, d], values: Array(UnsafeBufferPointer(start: corpus.row(0), count: 100 * d))), k: 1)
            XCTAssertEqual(own.ids, Array(ids.prefix(100)), "\(metric)")
        }
    }

    func testIVFTrainsAndRoundTrips() throws {
        try roundTrip(factory: "IVF8,Flat", exact: false)
        let untrained = try FaissIndex(dimension: 16, factory: "IVF8,Flat")
        XCTAssertFalse(untrained.isTrained)
        XCTAssertThrowsError(try untrained.add(Self.unitVectors(10, 16, seed: 2), ids: Array(0..<10))) {
            XCTAssertTrue("\($0)".contains("not trained"), "\($0)")
        }
        XCTAssertEqual(untrained.nprobe, 1)
        try untrained.setNprobe(8)
        XCTAssertEqual(untrained.nprobe, 8)
        XCTAssertNil(untrained.efSearch)
    }

    func testIVFPQRoundTripAndL2() throws {
        try roundTrip(factory: "IVF4,PQ8x4np", n: 800, exact: false, lossy: true)
        let index = try FaissIndex(dimension: 2, factory: "Flat", metric: .l2)
        XCTAssertEqual(index.metric, .l2)
        try index.add(Tensor(shape: [2, 2], values: [0, 0, 3, 4]), ids: [1, 2])
        let results = try index.search(Tensor(shape: [1, 2], values: [3, 4]), k: 2)
        XCTAssertEqual(results.ids, [2, 1])
        XCTAssertEqual(results.scores, [0, 25], "squared L2 distances")
    }

    func testBadFactoryStringIsAnError() {
        XCTAssertThrowsError(try FaissIndex(dimension: 8, factory: "NoSuchIndex42")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("NoSuchIndex42"), text)
            XCTAssertTrue(text.contains("create"), text)
        }
        XCTAssertThrowsError(try FaissIndex(dimension: 8, factory: "IVF4,PQ3")) { error in
            XCTAssertTrue(error is FaissError, "\(error)")  // 8 dims do not split into 3 sub-quantizers
        }
    }

    func testDimensionMismatchIsAnError() throws {
        let index = try FaissIndex(dimension: 8, factory: "Flat")
        XCTAssertThrowsError(try index.add(Self.unitVectors(2, 4, seed: 3), ids: [1, 2])) {
            XCTAssertTrue("\($0)".contains("dimension 8"), "\($0)")
        }
        XCTAssertThrowsError(try index.search(Self.unitVectors(2, 8, seed: 3), k: 0))
    }

    func testCorruptAndMissingFilesAreErrorsNamingTheFile() throws {
        let index = try FaissIndex(dimension: 16, factory: "Flat")
        try index.add(Self.unitVectors(50, 16, seed: 4), ids: Array(0..<50))
        let path = scratch.appendingPathComponent("x.faiss").path
        try index.write(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))

        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try FaissIndex.read(path: path)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }

        try Data("not a faiss file at all, just text".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try FaissIndex.read(path: path)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }

        let missing = scratch.appendingPathComponent("missing.faiss").path
        XCTAssertThrowsError(try FaissIndex.read(path: missing)) {
            XCTAssertTrue("\($0)".contains(missing) && "\($0)".contains("not found"), "\($0)")
        }
        XCTAssertThrowsError(try index.write(to: scratch.appendingPathComponent("no/such/dir.faiss").path)) {
            XCTAssertTrue("\($0)".contains("no/such/dir.faiss"), "\($0)")
        }
    }
}
