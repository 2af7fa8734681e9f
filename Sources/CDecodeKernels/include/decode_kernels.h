#pragma once
#include <stdint.h>

/// Kernels for running a decoder. Matrix-vector kernels for decoding: y = x·Wᵀ with W (n, k) stored row by row — quantised in blocks of 32 inputs, or
/// Float32 — and x a few (m ≤ 8) activation rows. Each weight block is loaded (and widened to Float32) once and
/// multiplied into all m rows, so W streams from memory once per call whatever m is; sgemm would first copy ("pack")
/// the whole of W, which costs more than the product at these sizes. Callers split the output rows [o0, o1) over
/// threads; k must be a multiple of 32 for the quantised formats.
///
/// int8 (8-bit codes, affine): w[o, 32b + j] = scales[o·k/32 + b] · u[o·k + 32b + j] + mins[o·k/32 + b].
/// q4 (ggml's Q4_1 values, own packing): w[o, 32b + j] = scales[o·k/32 + b] · u + mins[o·k/32 + b], u the 4-bit value
/// of element j: word c of block b (nibbles[o·k/8 + 4b + c]) holds elements 8c ..< 8c + 8, element 8c + i in bits
/// 4i ..< 4i + 4.

/// y[r·ldy + o] = Σ_i w[o, i] · x[r·ldx + i] for r < m (1…8), o0 ≤ o < o1.
void exemplar_q8_gemv(const uint8_t *u, const float *scales, const float *mins, long k, const float *x, long ldx, long m,
                      float *y, long ldy, long o0, long o1);

/// Rows o0 ..< o1 of w as Float32, row-major (k wide) from dst.
void exemplar_q8_dequantize(const uint8_t *u, const float *scales, const float *mins, long k, long o0, long o1, float *dst);

void exemplar_q4_gemv(const uint32_t *nibbles, const float *scales, const float *mins, long k, const float *x, long ldx,
                      long m, float *y, long ldy, long o0, long o1);

/// Float32 W with rows ldw apart; any k.
void exemplar_f32_gemv(const float *w, long ldw, long k, const float *x, long ldx, long m, float *y, long ldy, long o0,
                       long o1);

/// C (m, n) = A (m, k) · B (k, n) for m ≤ 8, all row-major with the given leading dimensions (attention of one
/// decode step: probabilities times the cached values, B streaming once).
void exemplar_f32_rows_times(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c,
                             long ldc);

void exemplar_q4_dequantize(const uint32_t *nibbles, const float *scales, const float *mins, long k, long o0, long o1,
                            float *dst);

/// 1 when exemplar_prefill_gemm can run: the CPU has AVX-512F and the environment does not set EXEMPLAR_AVX512=0.
int exemplar_prefill_gemm_available(void);

/// C[i·ldc + j] (+ C when accumulate) = Σ_t A[i·lda + t] · B[j·ldb + t] for i < m, j < n: x·Wᵀ for many rows of x, with
/// AVX-512 (prefill_gemm.c). Single-threaded; callers split the columns (W's rows) over threads.
void exemplar_prefill_gemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                           int accumulate);

/// GGUF block types (ggml's type ids) the integer-dot-product kernels of gguf_kernels.c multiply directly.
enum {
    EXEMPLAR_GGUF_Q4_0 = 2, EXEMPLAR_GGUF_Q4_1 = 3, EXEMPLAR_GGUF_Q5_0 = 6, EXEMPLAR_GGUF_Q5_1 = 7,
    EXEMPLAR_GGUF_Q8_0 = 8, EXEMPLAR_GGUF_Q4_K = 12, EXEMPLAR_GGUF_Q5_K = 13, EXEMPLAR_GGUF_Q6_K = 14,
};

/// Kernel variants: the portable one, AVX2 (maddubs/madd integer dot products) and AVX-512 VNNI (dpbusd, two chunks
/// of 32 per register; chosen at run time where the CPU has it).
enum { EXEMPLAR_GGUF_SCALAR = 1, EXEMPLAR_GGUF_AVX2 = 2, EXEMPLAR_GGUF_AVX512_VNNI = 3 };

int exemplar_gguf_type_supported(int type);
/// Bytes of one row of k elements of `type` (0 when the type is unsupported or k is not a whole number of blocks).
long exemplar_gguf_row_bytes(int type, long k);
int exemplar_gguf_variant_available(int variant);
/// The fastest variant this CPU runs (EXEMPLAR_GGUF_KERNEL=scalar or avx2 forces that one).
int exemplar_gguf_best_variant(void);

/// m rows of x (k wide, k a multiple of 32, rows ldx apart) as 8-bit blocks of 32: q (m·k bytes, row-major), the step
/// d of each block and s = d·Σq (m·k/32 floats each): llama.cpp's block_q8_0 / block_q8_1 values with Float32 steps.
void exemplar_q8_quantize_rows(const float *x, long ldx, long m, long k, int8_t *q, float *d, float *s);

/// y[r·ldy + o] = Σ_i W[o, i] · x[r, i] for r < m (1…8), o0 ≤ o < o1: W's rows are `row_bytes` apart in the GGUF
/// block format `type`, x the rows quantised by exemplar_q8_quantize_rows.
void exemplar_gguf_gemv(int type, int variant, const uint8_t *w, long row_bytes, long k, const int8_t *qx,
                        const float *dx, const float *sx, long m, float *y, long ldy, long o0, long o1);

/// Rows r0 ..< r1 of W (`type` blocks, rows `row_bytes` apart, k wide) as Float32, row-major from dst: per 32
/// weights scale·(mult·q) + minimum, the values llama.cpp's dequantize_row_* gives to within one rounding.
void exemplar_gguf_dequantize(int type, const uint8_t *w, long row_bytes, long k, long r0, long r1, float *dst);
