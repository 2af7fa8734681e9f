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
