import Tensor

/// A frozen projection y = x·Wᵀ + b whose weight rows are stored in quantised blocks of 32 inputs (`Int8Linear`,
/// `Q4Linear`), for inference.
///
/// Two ways to multiply, chosen by the number of activation rows:
/// - few rows (a decode step: one token per sequence, ≤ `fusedRowLimit`): a fused kernel widens each weight block to
///   Float32 in registers and multiplies it into every row, so the weight streams from memory once per step at its
///   quantised size — the step is memory-bound and this is what makes it fast;
/// - many rows (prefill): where the CPU has AVX-512, each core dequantises its share of the weight rows and runs the
///   AVX-512 GEMM of `ManyRowProduct`; otherwise the weight is dequantised (all cores) into a scratch, whole or in
///   large tiles, and multiplied with sgemm split over the cores by activation rows, as a Float32 layer is.
///   Either way each weight is dequantised once per call. (Small sgemm tiles kept in L2 were 2× slower: sgemm repacks
///   the whole activation matrix for every tile.)
///
/// Backward returns the input gradient only (dx = dy·W, through the same dequantised tiles): there is no weight to
/// train, but LoRA adapters and the layers below need dx.
public protocol BlockQuantizedLinear: LinearLayer {
    var bias: Tensor? { get }
    /// Bytes of the quantised weight (values and scales; the bias is not counted).
    var weightBytes: Int { get }
    /// y[r·ldy + o] = Σᵢ W[o, i] · x[r·ldx + i] for r < m ≤ `fusedRowLimit`, o in `outputs`; single-threaded.
    func multiplyFused(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
                       outputs: Range<Int>)
    /// Rows `rows` of W as Float32, row-major (`inFeatures` wide) from `destination`; single-threaded.
    func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>)
}

extension BlockQuantizedLinear {
    /// x (N, in) → y (N, out). Nothing is kept: backward needs only W.
    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        precondition(x.columns == inFeatures, "\(Self.self) expects \(inFeatures) input features, got shape \(x.shape)")
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        multiply(x.data, rows: x.rows, into: y.data, ldy: outFeatures)
        return y
    }

    /// y = x·Wᵀ + b for `m` rows of x (`inFeatures` wide) into rows of y `ldy` apart, over all cores.
    public func multiply(_ x: UnsafePointer<Float>, rows m: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        let k = inFeatures, n = outFeatures
        if m <= fusedRowLimit {
            Parallel.forEachChunk(n, cost: 2 * k * m) { outputs in
                multiplyFused(x, ldx: k, rows: m, into: y, ldy: ldy, outputs: outputs)
            }
        } else if ManyRowProduct.isAvailable {
            multiplyManyRows(x, rows: m, into: y, ldy: ldy)
            return
        } else {
            if let bias { for r in 0..<m { (y + r * ldy).update(from: bias.data, count: n) } }
            let tile = Swift.min(n, Self.tileRows(k))
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)
            defer { scratch.deallocate() }
            for start in stride(from: 0, to: n, by: tile) {
                let count = Swift.min(tile, n - start)
                dequantize(rows: start..<(start + count), into: scratch)
                BLAS.parallelGemm(transB: true, m: m, n: count, k: k, a: x, lda: k, b: scratch, ldb: k,
                                  beta: bias == nil ? 0 : 1, c: y + start, ldc: ldy)
            }
            return
        }
        if let bias { for r in 0..<m { Kernels.add(bias.data, into: y + r * ldy, n) } }
    }

    /// Prefill where the CPU has AVX-512 (`ManyRowProduct`): each core dequantises its share of W's rows a tile at a
    /// time and multiplies all rows of x by them.
    private func multiplyManyRows(_ x: UnsafePointer<Float>, rows m: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        let k = inFeatures, n = outFeatures
        if let bias { for r in 0..<m { (y + r * ldy).update(from: bias.data, count: n) } }
        ManyRowProduct.multiply(x, rows: m, k: k, outputs: n, into: y, ldy: ldy, accumulate: bias != nil,
                                tile: Swift.max(32, Self.tileRows(k) / Parallel.workers), scratch: true) { range, scratch in
            dequantizeRows(range, into: scratch!)
            return UnsafePointer(scratch!)
        }
    }

    /// Weight rows per dequantised tile: up to 32 MiB of Float32, the whole matrix for every projection of the proxy
    /// models (a 0.5B model's largest is 4864 × 896), so sgemm sees the same shapes as for a Float32 layer; only
    /// lm_heads are split. Dequantising costs ~3% of the product at prefill sizes.
    static func tileRows(_ k: Int) -> Int { Swift.max(16, (8 << 20) / k) }

    /// Rows `rows` of W as Float32 (row-major) into `destination`, split over the cores.
    public func dequantize(rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let k = inFeatures
        Parallel.forEachChunk(rows.count, cost: k) { part in
            dequantizeRows((rows.lowerBound + part.lowerBound)..<(rows.lowerBound + part.upperBound),
                           into: destination + part.lowerBound * k)
        }
    }

    /// dy (N, out) → dx = dy·W (N, in).
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.columns == outFeatures, "\(Self.self).backward expects \(outFeatures) columns, got \(dy.shape)")
        let n = dy.rows, k = inFeatures, tile = Swift.min(outFeatures, Self.tileRows(k))
        let dx = Tensor(zeros: Array(dy.shape.dropLast()) + [k])
        let scratch = Tensor(uninitializedShape: [tile, k])
        withExtendedLifetime(scratch) {
            for start in stride(from: 0, to: outFeatures, by: tile) {
                let count = Swift.min(tile, outFeatures - start)
                dequantize(rows: start..<(start + count), into: scratch.data)
                BLAS.parallelGemm(m: n, n: k, k: count, a: dy.data + start, lda: outFeatures, b: scratch.data, ldb: k,
                                  beta: 1, c: dx.data, ldc: k)
            }
        }
        return dx
    }
}

/// y_i = x·W_iᵀ + b_i for several layers that share their input (q/k/v, or gate/up), in one pass over the cores when
/// x is a decode step: one thread hand-off instead of one per layer, which is a sizeable part of a small model's
/// step (each hand-off costs about as much as multiplying a small projection). Many rows go layer by layer.
public func forwardTogether(_ layers: [any BlockQuantizedLinear], _ x: Tensor) -> [Tensor] {
    let m = x.rows, k = x.columns
    precondition(layers.allSatisfy { $0.inFeatures == k }, "forwardTogether: layers take \(layers.map(\.inFeatures)) features, x has \(k)")
    guard m <= fusedRowLimit else { return layers.map { $0.forward(x, training: false) } }
    let outputs = layers.map { Tensor(uninitializedShape: Array(x.shape.dropLast()) + [$0.outFeatures]) }
    var starts: [Int] = [], total = 0
    for layer in layers { starts.append(total); total += layer.outFeatures }
    Parallel.forEachChunk(total, cost: 2 * k * m) { range in
        for (i, layer) in layers.enumerated() {
            let lo = Swift.max(range.lowerBound, starts[i]), hi = Swift.min(range.upperBound, starts[i] + layer.outFeatures)
            guard lo < hi else { continue }
            layer.multiplyFused(x.data, ldx: k, rows: m, into: outputs[i].data, ldy: layer.outFeatures,
                                outputs: (lo - starts[i])..<(hi - starts[i]))
        }
    }
    for (layer, y) in zip(layers, outputs) {
        if let bias = layer.bias { for r in 0..<m { Kernels.add(bias.data, into: y.row(r), layer.outFeatures) } }
    }
    return outputs
}
