#include "decode_kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include "avx2_sum.h"

// AVX2 + FMA (the package's x86-64 baseline, see Package.swift). Each kernel is written once as an always-inline
// function of the activation row count M and the number R of weight rows done together, and instantiated per M so
// the compiler keeps all R·M accumulators in registers. Every output is one accumulator updated block quarter by block
// quarter in order, whatever M and R are: a sequence's results do not depend on the batch it is decoded in.

/// Quarter j (8 values) of block b of 8-bit weight row `row`, as Float32.
static inline __attribute__((always_inline)) __m256 q8_quarter(const uint8_t *u, const float *scales,
                                                               const float *mins, long k, long row, long b, int j) {
    __m256i wide = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(u + row * k + 32 * b + 8 * j)));
    const long s = row * (k / 32) + b;
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(wide), _mm256_broadcast_ss(scales + s), _mm256_broadcast_ss(mins + s));
}

/// Quarter j of block b of q4 weight row `row`: one 32-bit word holds its 8 values, value i in bits 4i ..< 4i + 4, so
/// a broadcast, a per-lane shift and a mask give 8 integer lanes (no byte shuffles, which would be the bottleneck).
static inline __attribute__((always_inline)) __m256 q4_quarter(const uint32_t *nibbles, const float *scales,
                                                               const float *mins, long k, long row, long b, int j) {
    const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const uint32_t word = nibbles[row * (k / 8) + 4 * b + j];
    __m256i u = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)word), shifts), _mm256_set1_epi32(0x0F));
    const long s = row * (k / 32) + b;
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(u), _mm256_broadcast_ss(scales + s), _mm256_broadcast_ss(mins + s));
}

/// y[r·ldy + o] for R weight rows o ≥ o0 and M activation rows. QUARTER(row, b, j) loads (and widens) one weight
/// quarter; TAIL(row, r) adds the products past the last whole block (Float32 weights only).
#define UNROLL _Pragma("clang loop unroll(full)")
#define GEMV_ROWS(R, M, QUARTER, TAIL)                                                                   \
    {                                                                                              \
        __m256 acc[R][M];                                                                          \
        UNROLL for (int i = 0; i < (R); i++)                                                       \
            UNROLL for (int r = 0; r < (M); r++) acc[i][r] = _mm256_setzero_ps();                  \
        for (long b = 0; b < nb; b++)                                                              \
            UNROLL for (int j = 0; j < 4; j++) {                                                   \
                __m256 xv[M];                                                                      \
                UNROLL for (int r = 0; r < (M); r++) xv[r] = _mm256_loadu_ps(x + r * ldx + 32 * b + 8 * j); \
                UNROLL for (int i = 0; i < (R); i++) {                                             \
                    const __m256 wq = QUARTER(o + i, b, j);                                         \
                    UNROLL for (int r = 0; r < (M); r++) acc[i][r] = _mm256_fmadd_ps(wq, xv[r], acc[i][r]); \
                }                                                                                  \
            }                                                                                      \
        UNROLL for (int i = 0; i < (R); i++)                                                       \
            UNROLL for (int r = 0; r < (M); r++) y[r * ldy + o + i] = hsum(acc[i][r]) + TAIL(o + i, r); \
    }

/// All outputs o0 ..< o1: R rows at a time, then the remainder one by one (same arithmetic per output).
#define GEMV(M, R, QUARTER, TAIL)                                                                  \
    {                                                                                              \
        const long nb = k / 32;                                                                    \
        long o = o0;                                                                               \
        for (; o + (R) <= o1; o += (R)) GEMV_ROWS(R, M, QUARTER, TAIL)                             \
        for (; o < o1; o++) GEMV_ROWS(1, M, QUARTER, TAIL)                                         \
    }

/// The same for 5…8 activation rows, in two passes per group of R weight rows — rows 0…3, then the rest — whose second
/// pass finds the weights in L1: 8 rows in one pass need more registers than AVX2 has (8 accumulators and 8 rows of
/// x), and ran at a third of the speed. Each output's arithmetic is unchanged.
#define GEMV_SPLIT(M, R, QUARTER, TAIL)                                                            \
    {                                                                                              \
        const long nb = k / 32;                                                                    \
        const float *x_high = x + 4 * ldx;                                                         \
        float *y_high = y + 4 * ldy;                                                               \
        long o = o0;                                                                               \
        for (; o + (R) <= o1; o += (R)) {                                                          \
            GEMV_ROWS(R, 4, QUARTER, TAIL)                                                         \
            { const float *x = x_high; float *y = y_high; GEMV_ROWS(R, (M) - 4, QUARTER, TAIL) }   \
        }                                                                                          \
        for (; o < o1; o++) {                                                                      \
            GEMV_ROWS(1, 4, QUARTER, TAIL)                                                         \
            { const float *x = x_high; float *y = y_high; GEMV_ROWS(1, (M) - 4, QUARTER, TAIL) }   \
        }                                                                                          \
    }

#define Q8(row, b, j) q8_quarter(u, scales, mins, k, row, b, j)
#define Q4(row, b, j) q4_quarter(nibbles, scales, mins, k, row, b, j)
#define F32(row, b, j) _mm256_loadu_ps(w + (row) * ldw + 32 * (b) + 8 * (j))
#define NO_TAIL(row, r) 0.0f
#define F32_TAIL(row, r) f32_tail(w + (row) * ldw, x + (r) * ldx, 32 * nb, k)

/// Σ w[i]·x[i] for i in [from, k), in order.
static inline float f32_tail(const float *w, const float *x, long from, long k) {
    float s = 0;
    for (long i = from; i < k; i++) s += w[i] * x[i];
    return s;
}

// Weight rows per pass (R) for 1, 2, 3 and 4 activation rows, and for 5…8 (in two passes): enough independent
// accumulators (R·M) to hide the FMA latency, few enough to keep everything in the 16 vector registers — the
// accumulators, M rows of x and, for the quantised formats, each weight row's step and minimum (the compiler keeps
// those across a block's quarters). A spilling choice (8 int8 rows at once) ran at a third of the speed.
#define DISPATCH(QUARTER, TAIL, R1, R2, R3, R4, R_SPLIT)       \
    switch (m) {                                              \
    case 1: GEMV(1, R1, QUARTER, TAIL) break;                 \
    case 2: GEMV(2, R2, QUARTER, TAIL) break;                 \
    case 3: GEMV(3, R3, QUARTER, TAIL) break;                 \
    case 4: GEMV(4, R4, QUARTER, TAIL) break;                 \
    case 5: GEMV_SPLIT(5, R_SPLIT, QUARTER, TAIL) break;      \
    case 6: GEMV_SPLIT(6, R_SPLIT, QUARTER, TAIL) break;      \
    case 7: GEMV_SPLIT(7, R_SPLIT, QUARTER, TAIL) break;      \
    case 8: GEMV_SPLIT(8, R_SPLIT, QUARTER, TAIL) break;      \
    default: break;                                           \
    }

void exemplar_q8_gemv(const uint8_t *u, const float *scales, const float *mins, long k, const float *x, long ldx,
                      long m, float *y, long ldy, long o0, long o1) {
    DISPATCH(Q8, NO_TAIL, 4, 2, 2, 1, 1)
}

void exemplar_q4_gemv(const uint32_t *nibbles, const float *scales, const float *mins, long k, const float *x,
                      long ldx, long m, float *y, long ldy, long o0, long o1) {
    DISPATCH(Q4, NO_TAIL, 4, 2, 2, 1, 1)
}

void exemplar_f32_gemv(const float *w, long ldw, long k, const float *x, long ldx, long m, float *y, long ldy, long o0,
                       long o1) {
    DISPATCH(F32, F32_TAIL, 8, 4, 2, 2, 2)
}

/// C = A·B for M rows of A: for each 8-wide column chunk of C, one accumulator per row while B streams by rows once.
/// In order over B's rows for every element, whatever M is.
#define ROWS_TIMES(M)                                                                               \
    {                                                                                               \
        long col = 0;                                                                               \
        for (; col + 8 <= n; col += 8) {                                                            \
            __m256 acc[M];                                                                          \
            UNROLL for (int r = 0; r < (M); r++) acc[r] = _mm256_setzero_ps();                      \
            for (long t = 0; t < k; t++) {                                                          \
                const __m256 row = _mm256_loadu_ps(b + t * ldb + col);                              \
                UNROLL for (int r = 0; r < (M); r++)                                                \
                    acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * lda + t), row, acc[r]);    \
            }                                                                                       \
            UNROLL for (int r = 0; r < (M); r++) _mm256_storeu_ps(c + r * ldc + col, acc[r]);       \
        }                                                                                           \
        for (; col < n; col++)                                                                      \
            for (long r = 0; r < (M); r++) {                                                        \
                float sum = 0;                                                                      \
                for (long t = 0; t < k; t++) sum += a[r * lda + t] * b[t * ldb + col];              \
                c[r * ldc + col] = sum;                                                             \
            }                                                                                       \
    }

void exemplar_f32_rows_times(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c,
                             long ldc) {
    switch (m) {
    case 1: ROWS_TIMES(1) break;
    case 2: ROWS_TIMES(2) break;
    case 3: ROWS_TIMES(3) break;
    case 4: ROWS_TIMES(4) break;
    case 5: ROWS_TIMES(5) break;
    case 6: ROWS_TIMES(6) break;
    case 7: ROWS_TIMES(7) break;
    case 8: ROWS_TIMES(8) break;
    default: break;
    }
}

void exemplar_q8_dequantize(const uint8_t *u, const float *scales, const float *mins, long k, long o0, long o1,
                            float *dst) {
    for (long o = o0; o < o1; o++)
        for (long b = 0; b < k / 32; b++)
            for (int j = 0; j < 4; j++) _mm256_storeu_ps(dst + (o - o0) * k + 32 * b + 8 * j, Q8(o, b, j));
}

void exemplar_q4_dequantize(const uint32_t *nibbles, const float *scales, const float *mins, long k, long o0, long o1,
                            float *dst) {
    for (long o = o0; o < o1; o++)
        for (long b = 0; b < k / 32; b++)
            for (int j = 0; j < 4; j++) _mm256_storeu_ps(dst + (o - o0) * k + 32 * b + 8 * j, Q4(o, b, j));
}

#else

// Portable fallback (no AVX2): the same arithmetic one element at a time.

static inline float q4_value(const uint32_t *nibbles, const float *scales, const float *mins, long k, long o, long i) {
    const uint32_t word = nibbles[(o * k + i) / 8];
    return scales[(o * k + i) / 32] * (float)((word >> (4 * (i % 8))) & 0x0F) + mins[(o * k + i) / 32];
}

void exemplar_q8_gemv(const uint8_t *u, const float *scales, const float *mins, long k, const float *x, long ldx,
                      long m, float *y, long ldy, long o0, long o1) {
    for (long o = o0; o < o1; o++)
        for (long r = 0; r < m; r++) {
            float sum = 0;
            for (long i = 0; i < k; i++)
                sum += (scales[(o * k + i) / 32] * (float)u[o * k + i] + mins[(o * k + i) / 32]) * x[r * ldx + i];
            y[r * ldy + o] = sum;
        }
}

void exemplar_q4_gemv(const uint32_t *nibbles, const float *scales, const float *mins, long k, const float *x,
                      long ldx, long m, float *y, long ldy, long o0, long o1) {
    for (long o = o0; o < o1; o++)
        for (long r = 0; r < m; r++) {
            float sum = 0;
            for (long i = 0; i < k; i++) sum += q4_value(nibbles, scales, mins, k, o, i) * x[r * ldx + i];
            y[r * ldy + o] = sum;
        }
}

void exemplar_f32_gemv(const float *w, long ldw, long k, const float *x, long ldx, long m, float *y, long ldy, long o0,
                       long o1) {
    for (long o = o0; o < o1; o++)
        for (long r = 0; r < m; r++) {
            float sum = 0;
            for (long i = 0; i < k; i++) sum += w[o * ldw + i] * x[r * ldx + i];
            y[r * ldy + o] = sum;
        }
}

void exemplar_f32_rows_times(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c,
                             long ldc) {
    for (long r = 0; r < m; r++)
        for (long col = 0; col < n; col++) {
            float sum = 0;
            for (long t = 0; t < k; t++) sum += a[r * lda + t] * b[t * ldb + col];
            c[r * ldc + col] = sum;
        }
}

void exemplar_q8_dequantize(const uint8_t *u, const float *scales, const float *mins, long k, long o0, long o1,
                            float *dst) {
    for (long o = o0; o < o1; o++)
        for (long i = 0; i < k; i++)
            dst[(o - o0) * k + i] = scales[(o * k + i) / 32] * (float)u[o * k + i] + mins[(o * k + i) / 32];
}

void exemplar_q4_dequantize(const uint32_t *nibbles, const float *scales, const float *mins, long k, long o0, long o1,
                            float *dst) {
    for (long o = o0; o < o1; o++)
        for (long i = 0; i < k; i++) dst[(o - o0) * k + i] = q4_value(nibbles, scales, mins, k, o, i);
}

#endif
