import Tensor

/// A frozen projection y = x·Wᵀ + b whose weight is stored in the block format `Weight` — `Int8Blocks` or `Q4Blocks`
/// for decoder inference, NF4 (`NF4Tensor`) as QLoRA's base (https://arxiv.org/abs/2305.14314) — and whose bias is
/// Float32. One layer for every format: the format stores and dequantises its blocks (and may multiply a few rows
/// itself); the products and the gradient are here.
///
/// Three ways to multiply, chosen by the number of activation rows and by whether the layer shares a scratch:
/// - few rows (a decode step: one token per sequence, ≤ `fusedRowLimit`) when the format has a fused kernel
///   (`FewRowQuantizedWeight`): the weight streams from memory once per step at its quantised size;
/// - with a `DequantizationScratch` (QLoRA: the encoder's frozen bases, for training and inference alike): the whole
///   weight is dequantised into the buffer the model's layers share and multiplied with one sgemm, so a model keeps
///   its quantised weights (about 0.52 bytes per weight in NF4) plus one dense weight of its largest layer resident;
/// - otherwise (prefill): where the CPU has AVX-512, each core dequantises its share of the weight rows and runs the
///   AVX-512 GEMM of `ManyRowProduct`; otherwise the weight is dequantised (all cores) into a buffer, whole or in
///   large tiles, and multiplied with sgemm split over the cores by activation rows, as a Float32 layer is.
///   Either way each weight is dequantised once per call. (Small sgemm tiles kept in L2 were 2× slower: sgemm repacks
///   the whole activation matrix for every tile.)
///
/// Backward returns the input gradient only (dx = dy·W, through the same dequantised weight): there is no weight to
/// train, but LoRA adapters and the layers below need dx.
public final class QuantizedLinear<Weight: QuantizedWeight>: QuantizedProjection {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Weight     // (out, in)
    public let bias: Tensor?      // (out), Float32, frozen
    /// The buffer the weight is dequantised into for every product, shared by a model's layers; nil: buffers of
    /// each call's own, and the AVX-512 GEMM where the CPU has it.
    public let scratch: DequantizationScratch?
    public let fewRowWeight: (any FewRowQuantizedWeight)?

    public init(weight: Weight, bias: Tensor?, scratch: DequantizationScratch? = nil) {
        precondition(bias == nil || bias!.count == weight.rows, "\(Self.self): bias for \(weight.rows) outputs")
        outFeatures = weight.rows
        inFeatures = weight.columns
        self.weight = weight
        self.bias = bias
        self.scratch = scratch
        fewRowWeight = weight as? any FewRowQuantizedWeight
    }

    /// Quantises a dense layer's weight; the bias stays Float32 (copied).
    public convenience init(quantizing linear: Linear, scratch: DequantizationScratch? = nil) {
        self.init(weight: Weight(quantizing: linear.weight.value), bias: linear.bias?.value.copy(), scratch: scratch)
    }

    /// Bytes this layer holds: the quantised weight and the Float32 bias (a scratch is shared and counted once per
    /// model).
    public var byteCount: Int { weight.byteCount + (bias?.count ?? 0) * MemoryLayout<Float>.size }

    public func dequantizeWeightRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        weight.dequantizeRows(rows, into: destination)
    }

    /// x (N, in) → y (N, out). Keeps nothing: backward needs only W.
    public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
        precondition(x.columns == inFeatures, "\(Self.self) expects \(inFeatures) input features, got shape \(x.shape)")
        let y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        multiply(x.data, rows: x.rows, into: y.data, ldy: outFeatures)
        return y
    }

    /// y = x·Wᵀ + b for `m` rows of x (`inFeatures` wide) into rows of y `ldy` apart, over all cores.
    private func multiply(_ x: UnsafePointer<Float>, rows m: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        let k = inFeatures, n = outFeatures
        if m <= fusedRowLimit, let kernel = fewRowWeight {
            Parallel.forEachChunk(n, cost: 2 * k * m) { outputs in
                kernel.multiplyFewRows(x, ldx: k, rows: m, into: y, ldy: ldy, outputs: outputs)
            }
            applyBias(to: y, rows: m, ldy: ldy, adding: true)
            return
        }
        applyBias(to: y, rows: m, ldy: ldy, adding: false)
        if scratch == nil, ManyRowProduct.isAvailable {
            ManyRowProduct.multiply(x, rows: m, k: k, outputs: n, into: y, ldy: ldy, accumulate: bias != nil,
                                    tile: Swift.max(32, Self.tileRows(k) / Parallel.workers), scratch: true) { rows, buffer in
                weight.dequantizeRows(rows, into: buffer!)
                return UnsafePointer(buffer!)
            }
            return
        }
        forEachDequantizedTile { rows, w in
            BLAS.parallelGemm(transB: true, m: m, n: rows.count, k: k, a: x, lda: k, b: w, ldb: k,
                              beta: bias == nil ? 0 : 1, c: y + rows.lowerBound, ldc: ldy)
        }
    }

    /// dy (N, out) → dx = dy·W (N, in).
    public func backward(_ dy: Tensor) -> Tensor {
        let dx = Tensor(uninitializedShape: Array(dy.shape.dropLast()) + [inFeatures])
        inputGradient(dy, into: dx, beta: 0)
        return dx
    }

    /// accumulator += dy·W (nil: nothing to do, the layer has no parameters to train).
    public func backward(_ dy: Tensor, accumulatingInto accumulator: Tensor?) {
        if let accumulator { inputGradient(dy, into: accumulator, beta: 1) }
    }

    /// dx = dy·W + beta·dx, tile by tile (each after the first accumulates).
    private func inputGradient(_ dy: Tensor, into dx: Tensor, beta: Float) {
        precondition(dy.columns == outFeatures && dx.count == dy.rows * inFeatures,
                     "\(Self.self).backward: dy \(dy.shape), dx \(dx.shape)")
        let k = inFeatures
        forEachDequantizedTile { rows, w in
            BLAS.parallelGemm(m: dy.rows, n: k, k: rows.count, a: dy.data + rows.lowerBound, lda: outFeatures, b: w, ldb: k,
                              beta: rows.lowerBound == 0 ? beta : 1, c: dx.data, ldc: k)
        }
    }

    /// Weight rows per tile without a scratch: up to 32 MiB of Float32, the whole matrix for every projection of the
    /// proxy models (a 0.5B model's largest is 4864 × 896), so sgemm sees the same shapes as for a Float32 layer; only
    /// lm_heads are split. Dequantising costs ~3% of the product at prefill sizes.
    static func tileRows(_ k: Int) -> Int { Swift.max(16, (8 << 20) / k) }

    /// Calls `body` with W's rows as Float32, tile by tile in order: the whole of W from the shared scratch
    /// (dequantised there unless it holds this weight already), or `tileRows` at a time from a buffer of this call's.
    private func forEachDequantizedTile(_ body: (Range<Int>, UnsafePointer<Float>) -> Void) {
        let k = inFeatures, n = outFeatures
        if let scratch {
            body(0..<n, scratch.dequantized(weight))
            return
        }
        let tile = Swift.min(n, Self.tileRows(k))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: tile * k)  // (tile, in)
        defer { buffer.deallocate() }
        for start in stride(from: 0, to: n, by: tile) {
            let rows = start..<Swift.min(n, start + tile)
            weight.dequantize(rows: rows, into: buffer)
            body(rows, UnsafePointer(buffer))
        }
    }
}
