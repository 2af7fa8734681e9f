import ModelFormats
import NN
import Tensor
import TestSupport
import XCTest

/// The integer-dot-product kernels of `GGUFBlocks` against Float32 products of the dequantised blocks, for every block
/// type and every kernel variant this CPU can run, on random blocks and on real ones from the proxies' GGUF files.
final class GGUFBlocksTests: XCTestCase {
    static let types: [GGUFTensorType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    func testEveryTypeHasAKernelAndTheScalarVariantAlwaysRuns() {
        for type in Self.types { XCTAssertTrue(GGUFBlocks.supports(type), "\(type)") }
        XCTAssertFalse(GGUFBlocks.supports(.q2_K))
        XCTAssertTrue(GGUFKernel.scalar.isAvailable)
        #if arch(x86_64)
        XCTAssertTrue(GGUFKernel.avx2.isAvailable, "the package's x86-64 baseline is AVX2")
        #endif
    }

    /// The AVX-512 VNNI variant is offered exactly where the kernel's flags say the CPU has its instructions, and is
    /// then the one chosen, so the tests below run it on every machine that would.
    func testTheVNNIVariantIsOfferedWhereTheCPUHasIt() throws {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no /proc/cpuinfo")
        }
        let flags = Set(line.split(separator: " ").map(String.init))
        let has = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"].allSatisfy(flags.contains)
        XCTAssertEqual(GGUFKernel.avx512VNNI.isAvailable, has)
        if has && ProcessInfo.processInfo.environment["EXEMPLAR_GGUF_KERNEL"] == nil {
            XCTAssertEqual(GGUFKernel.best, .avx512VNNI)
        }
    }

    /// Random bytes for the codes, sensible f16 values for the scales (random bytes there would be NaN or huge).
    static func randomWeight(_ type: GGUFTensorType, rows: Int, columns: Int, seed: UInt64) -> GGUFBlocks {
        let weight = GGUFBlocks(type: type, rows: rows, columns: columns)
        var rng = RandomGenerator(seed: seed)
        let raw = weight.rowBlocks(0)
        for i in 0..<(rows * weight.rowBytes) { raw.storeBytes(of: UInt8(truncatingIfNeeded: rng.next()), toByteOffset: i, as: UInt8.self) }
        let halves: [Int]
        switch type {
        case .q4_0, .q5_0, .q8_0: halves = [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: halves = [0, 2]
        case .q6_K: halves = [208]
        default: halves = []
        }
        let blocks = rows * columns / type.blockSize
        for b in 0..<blocks {
            for (n, offset) in halves.enumerated() {
                let magnitude = Float(rng.next() % 1000 + 1) / 20_000
                let value = n == 1 && (rng.next() & 1) == 0 ? -magnitude : magnitude
                raw.storeBytes(of: Float16(value).bitPattern, toByteOffset: b * type.bytesPerBlock + offset, as: UInt16.self)
            }
        }
        return weight
    }

    /// The weight's values as gguf-py computes them (`GGUFDequantiser`, independent of the kernels' decoders).
    static func referenceValues(_ weight: GGUFBlocks) -> [Float] {
        let n = weight.rows * weight.columns
        return [Float](unsafeUninitializedCapacity: n) { buffer, count in
            GGUFDequantiser.dequantise(weight.type, blocks: weight.rowBlocks(0), count: n / weight.type.blockSize,
                                       into: buffer.baseAddress!)
            count = n
        }
    }

    /// The kernels' dequantisation (prefill) against gguf-py's values: gguf-py rounds scale·q and then + minimum, the
    /// kernels round once (a fused multiply-add), so they differ by at most two roundings (2 · 2⁻²⁴) of terms no larger
    /// than the tensor's largest value (plus its small minimum) here: bound 4e-7 of the largest value.
    func testDequantizedRowsMatchTheReferenceDequantiser() {
        for (t, type) in Self.types.enumerated() {
            let columns = type.blockSize == 256 ? 512 : 96
            let weight = Self.randomWeight(type, rows: 7, columns: columns, seed: UInt64(300 + t))
            let reference = Self.referenceValues(weight)
            var values = [Float](repeating: .nan, count: reference.count)
            values.withUnsafeMutableBufferPointer { weight.dequantizeRows(0..<7, into: $0.baseAddress!) }
            let largest = reference.map(abs).max()!
            for (a, b) in zip(values, reference) {
                XCTAssertLessThanOrEqual(abs(a - b), 4e-7 * largest, "\(type): \(a) vs \(b)")
            }
            // Rows from the middle land at the start of the buffer.
            var two = [Float](repeating: .nan, count: 2 * columns)
            two.withUnsafeMutableBufferPointer { weight.dequantizeRows(3..<5, into: $0.baseAddress!) }
            XCTAssertEqual(two, Array(values[(3 * columns)..<(5 * columns)]), "\(type)")
        }
    }

    /// Checks `weight` times `m` random rows against two references, in Double:
    /// - exact: the dequantised weight times the activations as the kernel quantised them (8 bits per 32, step
    ///   max|x|/127): only Float32 rounding differs, so |error| ≤ 1e-5 · Σ|w·x̂| (≈ 80 roundings of 2⁻²⁴);
    /// - true: the dequantised weight times x itself; the activation rounding is at most step/2 per element, so
    ///   |error| ≤ Σ_blocks step_b/2 · Σ_{i ∈ b} |w_i| + the first bound.
    /// And each row's result with m rows equals its result alone, bit for bit.
    func check(_ weight: GGUFBlocks, kernel: GGUFKernel, rows m: Int, seed: UInt64, label: String) {
        weight.kernel = kernel
        let n = weight.rows, k = weight.columns
        var rng = RandomGenerator(seed: seed)
        let x = (0..<(m * k)).map { _ in (rng.nextFloat() * 2 - 1) * (rng.next() % 8 == 0 ? 4 : 1) }
        let w = Self.referenceValues(weight)
        var y = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { weight.multiplyFewRows(xp.baseAddress!, ldx: k, rows: m, into: $0.baseAddress!, ldy: n, outputs: 0..<n) }
        }
        var worstExact = 0.0, worstTrue = 0.0
        for r in 0..<m {
            // The activations as quantised.
            var xq = [Double](repeating: 0, count: k), steps = [Double](repeating: 0, count: k / 32)
            for b in 0..<(k / 32) {
                let block = x[(r * k + 32 * b)..<(r * k + 32 * b + 32)]
                let step = block.map { abs($0) }.max()! / 127
                steps[b] = Double(step)
                let inverse: Float = step > 0 ? 1 / step : 0
                for i in 0..<32 { xq[32 * b + i] = Double(step) * Double(Swift.max(-127, Swift.min(127, (block[block.startIndex + i] * inverse).rounded(.toNearestOrEven)))) }
            }
            for o in 0..<n {
                var exact = 0.0, truth = 0.0, magnitude = 0.0, activationBound = 0.0
                for b in 0..<(k / 32) {
                    var blockWeight = 0.0
                    for i in (32 * b)..<(32 * b + 32) {
                        let wi = Double(w[o * k + i])
                        exact += wi * xq[i]
                        truth += wi * Double(x[r * k + i])
                        magnitude += abs(wi * xq[i])
                        blockWeight += abs(wi)
                    }
                    activationBound += steps[b] / 2 * blockWeight
                }
                let got = Double(y[r * n + o])
                let exactBound = 1e-5 * magnitude + 1e-30
                XCTAssertLessThanOrEqual(abs(got - exact), exactBound, "\(label) \(kernel) m=\(m) row \(r) output \(o): \(got) vs \(exact)")
                XCTAssertLessThanOrEqual(abs(got - truth), activationBound + exactBound, "\(label) \(kernel) m=\(m) row \(r) output \(o)")
                worstExact = Swift.max(worstExact, abs(got - exact) / Swift.max(magnitude, 1e-30))
                worstTrue = Swift.max(worstTrue, abs(got - truth) / Swift.max(activationBound + exactBound, 1e-30))
            }
            // Alone: the same bits.
            var alone = [Float](repeating: .nan, count: n)
            x.withUnsafeBufferPointer { xp in
                alone.withUnsafeMutableBufferPointer {
                    weight.multiplyFewRows(xp.baseAddress! + r * k, ldx: k, rows: 1, into: $0.baseAddress!, ldy: n, outputs: 0..<n)
                }
            }
            XCTAssertEqual(alone.map(\.bitPattern), Array(y[(r * n)..<(r * n + n)]).map(\.bitPattern), "\(label) \(kernel): row \(r) of \(m) differs from the row alone")
        }
        XCTAssertLessThan(worstExact, 1e-5)
        XCTAssertLessThanOrEqual(worstTrue, 1)
    }

    func testRandomBlocksOfEveryTypeWithEveryKernel() {
        for (t, type) in Self.types.enumerated() {
            let columns = type.blockSize == 256 ? 512 : 96
            let weight = Self.randomWeight(type, rows: 13, columns: columns, seed: UInt64(100 + t))
            for kernel in GGUFKernel.allCases where kernel.isAvailable {
                for m in [1, 3, 8] { check(weight, kernel: kernel, rows: m, seed: UInt64(7 * m + t), label: "\(type)") }
            }
        }
    }

    /// The VNNI variant adds the AVX2 variant's integer lanes in the AVX2 order: the same bits, so a decode does not
    /// depend on which of the two the CPU runs (odd chunk counts included: 96 columns are three chunks).
    func testTheVNNIVariantEqualsTheAVX2VariantBitForBit() throws {
        guard GGUFKernel.avx512VNNI.isAvailable, GGUFKernel.avx2.isAvailable else { throw XCTSkip("no AVX-512 VNNI") }
        for (t, type) in Self.types.enumerated() {
            let columns = type.blockSize == 256 ? 512 : 96
            let weight = Self.randomWeight(type, rows: 13, columns: columns, seed: UInt64(200 + t))
            for m in [1, 2, 5, 8] {
                var rng = RandomGenerator(seed: UInt64(m * 31 + t))
                let x = (0..<(m * columns)).map { _ in rng.nextFloat() * 2 - 1 }
                var results: [[UInt32]] = []
                for kernel in [GGUFKernel.avx2, .avx512VNNI] {
                    weight.kernel = kernel
                    var y = [Float](repeating: .nan, count: m * 13)
                    x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer {
                            weight.multiplyFewRows(xp.baseAddress!, ldx: columns, rows: m, into: $0.baseAddress!, ldy: 13,
                                                   outputs: 0..<13)
                        }
                    }
                    results.append(y.map(\.bitPattern))
                }
                XCTAssertEqual(results[0], results[1], "\(type) m=\(m)")
            }
        }
    }

    /// Rows of the proxies' own tensors: Q4_1 and Q8_0 (SmolLM2), Q5_0, Q8_0, Q4_K and Q6_K (Qwen).
    func testRealBlocksFromTheProxyFiles() throws {
        let files: [(String, String)] = [("SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct.Q4_1.gguf"),
                                         ("Qwen2.5-Coder-0.5B-Instruct", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")]
        var seen = Set<GGUFTensorType>()
        for (model, name) in files {
            let file = try GGUFFile(path: try Repository.model(model).appendingPathComponent(name).path)
            for info in file.tensors where GGUFBlocks.supports(info.type) && !seen.contains(info.type) && info.shape.count == 2 {
                seen.insert(info.type)
                let view = try file.tensor(info.name)
                let rows = Swift.min(24, view.rowCount)
                let full = GGUFBlocks(copying: view)
                let weight = GGUFBlocks(type: view.type, rows: rows, columns: view.rowLength)
                weight.rowBlocks(0).copyMemory(from: full.rowBlocks(0), byteCount: rows * weight.rowBytes)
                for kernel in GGUFKernel.allCases where kernel.isAvailable {
                    for m in [1, 4] { check(weight, kernel: kernel, rows: m, seed: UInt64(m), label: info.name) }
                }
            }
        }
        XCTAssertEqual(seen, [.q4_1, .q8_0, .q5_0, .q4_K, .q6_K])
    }

    /// Quantising a Float32 matrix gives Q8_0 whose dequantised values are within half a step of the originals plus
    /// the step's own rounding to f16 (|q| ≤ 127 times it).
    func testQuantizingGivesQ8_0() {
        var rng = RandomGenerator(seed: 3)
        let values = (0..<(4 * 64)).map { _ in (rng.nextFloat() * 2 - 1) }
        let tensor = Tensor(shape: [4, 64], values: values)
        let weight = GGUFBlocks(quantizing: tensor)
        XCTAssertEqual(weight.type, .q8_0)
        let back = Self.referenceValues(weight)
        for b in 0..<(values.count / 32) {
            let block = values[(32 * b)..<(32 * b + 32)], step = block.map { abs($0) }.max()! / 127
            let stored = Float(Float16(step)), bound = step / 2 + 127 * abs(stored - step)
            for i in (32 * b)..<(32 * b + 32) { XCTAssertEqual(back[i], values[i], accuracy: bound * 1.0001) }
        }
    }
}
