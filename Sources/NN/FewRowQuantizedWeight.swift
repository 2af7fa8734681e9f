/// A `QuantizedWeight` with a fused kernel for a few activation rows (m ≤ `fusedRowLimit`: a decode step, one token
/// per sequence). The kernel widens each weight block to Float32 in registers and multiplies it into every row, so
/// the weight streams from memory once per step at its quantised size — the step is memory-bound and this is what
/// makes it fast. Each output must be summed in the same order whatever m is, so that a sequence decodes to the same
/// tokens alone or in a batch.
public protocol FewRowQuantizedWeight: QuantizedWeight {
    /// y[r·ldy + o] = Σᵢ W[o, i] · x[r·ldx + i] for r < m ≤ `fusedRowLimit`, o in `outputs`, on the calling thread
    /// (callers split the outputs over the cores).
    func multiplyFewRows(_ x: UnsafePointer<Float>, ldx: Int, rows m: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
                         outputs: Range<Int>)
}
