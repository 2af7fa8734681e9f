#include "decode_kernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#include "avx2_sum.h"
#endif

// Products with weights kept in a GGUF file's own block formats (ggml-common.h's block_q4_0 … block_q6_K), the way
// llama.cpp's vec_dot kernels compute them: the activations are quantised to 8 bits per block of 32 (one Float32
// step d per block and s = d·Σq), and each 32-weight chunk of a weight row is multiplied with integer dot products.
//
// Every supported type reduces to the same shape per chunk of 32 weights: 32 small integers q (unsigned 0…31 for the
// types with a minimum, signed for Q8_0 and Q6_K), an integer multiplier per 16 of them (Q6_K's scales; 1 elsewhere),
// a Float32 scale and a Float32 minimum:
//     Σ_i w_i·x_i ≈ scale·d_x·Σ_i mult_i·q_i·qx_i + minimum·s_x
// The integer sums are exact, so the scalar and AVX2 variants differ only in the order of the Float32 additions (the
// AVX-512 VNNI variant keeps the AVX2 order and its bits).
// Each output is summed chunk by chunk in order whatever m is, so a sequence's results do not depend on its batch.

enum { QK = 32, QKK = 256 };

/// IEEE half → float, exactly (subnormals included).
static inline float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
#if defined(__F16C__)
    return _cvtsh_ss(h);
#endif
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            uint32_t m = mantissa;
            do { e++; m <<= 1; } while ((m & 0x400) == 0);
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (m & 0x3FF) << 13;
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000 | mantissa << 13;
    } else {
        bits = sign | (exponent + 127 - 15) << 23 | mantissa << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static long block_elements(int type) { return type == 12 || type == 13 || type == 14 ? QKK : QK; }

static long block_bytes(int type) {
    switch (type) {
    case EXEMPLAR_GGUF_Q4_0: return 18;
    case EXEMPLAR_GGUF_Q4_1: return 20;
    case EXEMPLAR_GGUF_Q5_0: return 22;
    case EXEMPLAR_GGUF_Q5_1: return 24;
    case EXEMPLAR_GGUF_Q8_0: return 34;
    case EXEMPLAR_GGUF_Q4_K: return 144;
    case EXEMPLAR_GGUF_Q5_K: return 176;
    case EXEMPLAR_GGUF_Q6_K: return 210;
    default: return 0;
    }
}

int exemplar_gguf_type_supported(int type) { return block_bytes(type) != 0; }

long exemplar_gguf_row_bytes(int type, long k) {
    const long n = block_elements(type);
    return block_bytes(type) && k % n == 0 ? k / n * block_bytes(type) : 0;
}

/// The 6-bit scale and minimum of sub-block j of a Q4_K / Q5_K super-block (ggml's get_scale_min_k4).
static inline void k4_scale_min(const uint8_t *q, int j, int *scale, int *minimum) {
    if (j < 4) {
        *scale = q[j] & 63;
        *minimum = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        *minimum = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// Chunk c (32 weights) of a row: the super-block or block it lies in, and its position there.
#define CHUNK_BLOCK(type, row, c) ((row) + ((c) / (block_elements(type) / QK)) * block_bytes(type))

/// The float part of chunk c of a row (type-specific; the integer values come from the variants' decoders).
static inline __attribute__((always_inline)) void chunk_scales(int type, const uint8_t *row, long c, float *scale,
                                                                float *minimum) {
    const uint8_t *b = CHUNK_BLOCK(type, row, c);
    const int j = (int)(c % 8);
    int sc, mn;
    switch (type) {
    case EXEMPLAR_GGUF_Q4_0: *scale = half_to_float(b); *minimum = -8 * *scale; break;
    case EXEMPLAR_GGUF_Q4_1: *scale = half_to_float(b); *minimum = half_to_float(b + 2); break;
    case EXEMPLAR_GGUF_Q5_0: *scale = half_to_float(b); *minimum = -16 * *scale; break;
    case EXEMPLAR_GGUF_Q5_1: *scale = half_to_float(b); *minimum = half_to_float(b + 2); break;
    case EXEMPLAR_GGUF_Q8_0: *scale = half_to_float(b); *minimum = 0; break;
    case EXEMPLAR_GGUF_Q4_K:
    case EXEMPLAR_GGUF_Q5_K:
        k4_scale_min(b + 4, j, &sc, &mn);
        *scale = half_to_float(b) * (float)sc;
        *minimum = -half_to_float(b + 2) * (float)mn;
        break;
    case EXEMPLAR_GGUF_Q6_K: *scale = half_to_float(b + 208); *minimum = 0; break;
    default: *scale = *minimum = 0;
    }
}

/// Scalar decoder: the 32 integer weights of chunk c and their multipliers.
static void chunk_integers(int type, const uint8_t *row, long c, int q[QK], int mult[QK]) {
    const uint8_t *b = CHUNK_BLOCK(type, row, c);
    const int j = (int)(c % 8);
    for (int i = 0; i < QK; i++) mult[i] = 1;
    switch (type) {
    case EXEMPLAR_GGUF_Q4_0:
    case EXEMPLAR_GGUF_Q4_1: {
        const uint8_t *qs = b + (type == EXEMPLAR_GGUF_Q4_0 ? 2 : 4);
        for (int i = 0; i < 16; i++) { q[i] = qs[i] & 0x0F; q[i + 16] = qs[i] >> 4; }
        break;
    }
    case EXEMPLAR_GGUF_Q5_0:
    case EXEMPLAR_GGUF_Q5_1: {
        const uint8_t *qh = b + (type == EXEMPLAR_GGUF_Q5_0 ? 2 : 4), *qs = qh + 4;
        uint32_t high;
        memcpy(&high, qh, 4);
        for (int i = 0; i < 16; i++) {
            q[i] = (qs[i] & 0x0F) | ((high >> i) & 1) << 4;
            q[i + 16] = (qs[i] >> 4) | ((high >> (i + 16)) & 1) << 4;
        }
        break;
    }
    case EXEMPLAR_GGUF_Q8_0:
        for (int i = 0; i < QK; i++) q[i] = ((const int8_t *)(b + 2))[i];
        break;
    case EXEMPLAR_GGUF_Q4_K: {
        const uint8_t *qs = b + 16 + 32 * (j / 2);
        for (int i = 0; i < QK; i++) q[i] = (j & 1) ? qs[i] >> 4 : qs[i] & 0x0F;
        break;
    }
    case EXEMPLAR_GGUF_Q5_K: {
        const uint8_t *qh = b + 16, *qs = b + 48 + 32 * (j / 2);
        for (int i = 0; i < QK; i++) q[i] = ((j & 1) ? qs[i] >> 4 : qs[i] & 0x0F) | ((qh[i] >> j) & 1) << 4;
        break;
    }
    case EXEMPLAR_GGUF_Q6_K: {
        const int h = j / 4, t = j % 4;
        const uint8_t *ql = b + 64 * h + 32 * (t & 1), *qh = b + 128 + 32 * h;
        const int8_t *scales = (const int8_t *)(b + 192);
        for (int i = 0; i < QK; i++) {
            q[i] = (((ql[i] >> (4 * (t >> 1))) & 0x0F) | ((qh[i] >> (2 * t)) & 3) << 4) - 32;
            mult[i] = scales[8 * h + 2 * t + i / 16];
        }
        break;
    }
    default: break;
    }
}

void exemplar_q8_quantize_rows(const float *x, long ldx, long m, long k, int8_t *q, float *d, float *s) {
    const long nb = k / QK;
    for (long r = 0; r < m; r++)
        for (long b = 0; b < nb; b++) {
            const float *v = x + r * ldx + QK * b;
            float amax = 0;
            for (int i = 0; i < QK; i++) amax = fmaxf(amax, fabsf(v[i]));
            const float step = amax / 127, inverse = step > 0 ? 1 / step : 0;
            int sum = 0;
            int8_t *out = q + r * k + QK * b;
            for (int i = 0; i < QK; i++) {
                const int u = (int)nearbyintf(v[i] * inverse);
                out[i] = (int8_t)(u > 127 ? 127 : u < -127 ? -127 : u);
                sum += out[i];
            }
            d[r * nb + b] = step;
            s[r * nb + b] = step * (float)sum;
        }
}

static void gemv_scalar(int type, const uint8_t *w, long row_bytes, long k, const int8_t *qx, const float *dx,
                        const float *sx, long m, float *y, long ldy, long o0, long o1) {
    const long nc = k / QK;
    int q[QK], mult[QK];
    for (long o = o0; o < o1; o++) {
        const uint8_t *row = w + o * row_bytes;
        float acc[8] = {0}, mins[8] = {0};
        for (long c = 0; c < nc; c++) {
            float scale, minimum;
            chunk_scales(type, row, c, &scale, &minimum);
            chunk_integers(type, row, c, q, mult);
            for (long r = 0; r < m; r++) {
                const int8_t *a = qx + r * k + QK * c;
                int sum = 0;
                for (int i = 0; i < QK; i++) sum += mult[i] * q[i] * a[i];
                acc[r] += scale * dx[r * nc + c] * (float)sum;
                mins[r] += minimum * sx[r * nc + c];
            }
        }
        for (long r = 0; r < m; r++) y[r * ldy + o] = acc[r] + mins[r];
    }
}

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

/// 16 bytes of nibbles → 32 bytes: the low nibbles (elements 0…15), then the high ones (16…31).
static inline __m256i split_nibbles(const uint8_t *p) {
    const __m128i bytes = _mm_loadu_si128((const __m128i *)p), low = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), low), _mm_and_si128(bytes, low));
}

/// Bit i of the 32-bit word at p → byte i, as 0x10 or 0 (the fifth bit of the legacy 5-bit types).
static inline __m256i fifth_bits(const uint8_t *p) {
    uint32_t word;
    memcpy(&word, p, 4);
    const __m256i pick = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i spread = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)word), pick), bit);
    return _mm256_and_si256(_mm256_cmpeq_epi8(spread, bit), _mm256_set1_epi8(0x10));
}

/// The 32 integer weights of chunk c (bytes; signed for Q8_0 and Q6_K) and, for Q6_K, the int16 multipliers of the
/// 16 pair sums (ones elsewhere).
static inline __attribute__((always_inline)) __m256i chunk_bytes(int type, const uint8_t *row, long c, __m256i *mult) {
    const uint8_t *b = CHUNK_BLOCK(type, row, c);
    const int j = (int)(c % 8);
    const __m256i low = _mm256_set1_epi8(0x0F);
    *mult = _mm256_set1_epi16(1);
    switch (type) {
    case EXEMPLAR_GGUF_Q4_0: return split_nibbles(b + 2);
    case EXEMPLAR_GGUF_Q4_1: return split_nibbles(b + 4);
    case EXEMPLAR_GGUF_Q5_0: return _mm256_or_si256(split_nibbles(b + 6), fifth_bits(b + 2));
    case EXEMPLAR_GGUF_Q5_1: return _mm256_or_si256(split_nibbles(b + 8), fifth_bits(b + 4));
    case EXEMPLAR_GGUF_Q8_0: return _mm256_loadu_si256((const __m256i *)(b + 2));
    case EXEMPLAR_GGUF_Q4_K: {
        const __m256i qs = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * (j / 2)));
        return _mm256_and_si256(_mm256_srl_epi16(qs, _mm_cvtsi32_si128(4 * (j & 1))), low);
    }
    case EXEMPLAR_GGUF_Q5_K: {
        const __m256i qs = _mm256_loadu_si256((const __m256i *)(b + 48 + 32 * (j / 2)));
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 16));
        const __m256i nibble = _mm256_and_si256(_mm256_srl_epi16(qs, _mm_cvtsi32_si128(4 * (j & 1))), low);
        const __m256i high = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(j)), _mm256_set1_epi8(1));
        return _mm256_or_si256(nibble, _mm256_slli_epi16(high, 4));
    }
    case EXEMPLAR_GGUF_Q6_K: {
        const int h = j / 4, t = j % 4;
        const __m256i ql = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32 * (t & 1)));
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
        const __m256i nibble = _mm256_and_si256(_mm256_srl_epi16(ql, _mm_cvtsi32_si128(4 * (t >> 1))), low);
        const __m256i high = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * t)), _mm256_set1_epi8(3));
        const int8_t *scales = (const int8_t *)(b + 192);
        *mult = _mm256_set_m128i(_mm_set1_epi16(scales[8 * h + 2 * t + 1]), _mm_set1_epi16(scales[8 * h + 2 * t]));
        return _mm256_sub_epi8(_mm256_or_si256(nibble, _mm256_slli_epi16(high, 4)), _mm256_set1_epi8(32));
    }
    default: return _mm256_setzero_si256();
    }
}

static inline int type_is_signed(int type) { return type == EXEMPLAR_GGUF_Q8_0 || type == EXEMPLAR_GGUF_Q6_K; }
static inline int type_has_minimum(int type) { return !type_is_signed(type); }

#define UNROLL _Pragma("clang loop unroll(full)")

/// Outputs o0 ..< o1 for M activation rows: per chunk, the weights are decoded once and multiplied into every row
/// (maddubs: unsigned × signed bytes to int16 pair sums; madd: × the multipliers to int32), then scaled in Float32.
/// Signed weights go through maddubs as |q| with the activation's sign flipped where q < 0. One weight row at a time:
/// two or four rows with independent accumulators measured 1.3–1.6× slower at M = 1 (Zen 2; the decoders' extra
/// registers spill), and splitting M = 5…8 into two passes of ≤ 4 rows (as the Float32 kernels do) no faster.
#define GGUF_GEMV(TYPE, M)                                                                                         \
    for (long o = o0; o < o1; o++) {                                                                               \
        const uint8_t *row = w + o * row_bytes;                                                                    \
        __m256 acc[M];                                                                                             \
        float mins[M];                                                                                             \
        UNROLL for (int r = 0; r < (M); r++) { acc[r] = _mm256_setzero_ps(); mins[r] = 0; }                        \
        for (long c = 0; c < nc; c++) {                                                                            \
            __m256i mult;                                                                                          \
            const __m256i q = chunk_bytes(TYPE, row, c, &mult);                                                    \
            float scale, minimum;                                                                                  \
            chunk_scales(TYPE, row, c, &scale, &minimum);                                                          \
            const __m256i magnitude = type_is_signed(TYPE) ? _mm256_sign_epi8(q, q) : q;                           \
            UNROLL for (int r = 0; r < (M); r++) {                                                                 \
                __m256i a = _mm256_loadu_si256((const __m256i *)(qx + r * k + QK * c));                           \
                if (type_is_signed(TYPE)) a = _mm256_sign_epi8(a, q);                                              \
                const __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, a), mult);                 \
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(scale * dx[r * nc + c]), acc[r]); \
                if (type_has_minimum(TYPE)) mins[r] += minimum * sx[r * nc + c];                                   \
            }                                                                                                      \
        }                                                                                                          \
        UNROLL for (int r = 0; r < (M); r++) y[r * ldy + o] = hsum(acc[r]) + mins[r];                            \
    }

/* GEMV(TYPE, M), one fully unrolled kernel per batch size m of 1 to 8, for the row type `type`: the one dispatch that
 * the AVX2 and the VNNI variants share. */
#define FOR_BATCH_SIZE(GEMV, TYPE)                         \
    switch (m) {                                           \
    case 1: GEMV(TYPE, 1) break;                           \
    case 2: GEMV(TYPE, 2) break;                           \
    case 3: GEMV(TYPE, 3) break;                           \
    case 4: GEMV(TYPE, 4) break;                           \
    case 5: GEMV(TYPE, 5) break;                           \
    case 6: GEMV(TYPE, 6) break;                           \
    case 7: GEMV(TYPE, 7) break;                           \
    case 8: GEMV(TYPE, 8) break;                           \
    default: break;                                        \
    }

#define FOR_TYPE_AND_BATCH_SIZE(GEMV)                                          \
    switch (type) {                                                            \
    case EXEMPLAR_GGUF_Q4_0: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q4_0) break;   \
    case EXEMPLAR_GGUF_Q4_1: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q4_1) break;   \
    case EXEMPLAR_GGUF_Q5_0: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q5_0) break;   \
    case EXEMPLAR_GGUF_Q5_1: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q5_1) break;   \
    case EXEMPLAR_GGUF_Q8_0: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q8_0) break;   \
    case EXEMPLAR_GGUF_Q4_K: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q4_K) break;   \
    case EXEMPLAR_GGUF_Q5_K: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q5_K) break;   \
    case EXEMPLAR_GGUF_Q6_K: FOR_BATCH_SIZE(GEMV, EXEMPLAR_GGUF_Q6_K) break;   \
    default: break;                                                            \
    }

static void gemv_avx2(int type, const uint8_t *w, long row_bytes, long k, const int8_t *qx, const float *dx,
                      const float *sx, long m, float *y, long ldy, long o0, long o1) {
    const long nc = k / QK;
    FOR_TYPE_AND_BATCH_SIZE(GGUF_GEMV)
}

static inline __attribute__((always_inline)) void dequantize_avx2(int type, const uint8_t *w, long row_bytes, long k,
                                                                   long r0, long r1, float *dst) {
    const long nc = k / QK;
    for (long o = r0; o < r1; o++) {
        const uint8_t *row = w + o * row_bytes;
        float *out = dst + (o - r0) * k;
        for (long c = 0; c < nc; c++) {
            __m256i mult;
            const __m256i q = chunk_bytes(type, row, c, &mult);
            float scale, minimum;
            chunk_scales(type, row, c, &scale, &minimum);
            const __m128i halves[2] = {_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)};
            const int multipliers[2] = {_mm256_extract_epi16(mult, 0), _mm256_extract_epi16(mult, 8)};
            UNROLL for (int g = 0; g < 4; g++) {
                const __m128i part = g & 1 ? _mm_unpackhi_epi64(halves[g / 2], halves[g / 2]) : halves[g / 2];
                const __m256i wide = type_is_signed(type) ? _mm256_cvtepi8_epi32(part) : _mm256_cvtepu8_epi32(part);
                const __m256i scaled = _mm256_mullo_epi32(wide, _mm256_set1_epi32((int16_t)multipliers[g / 2]));
                _mm256_storeu_ps(out + QK * c + 8 * g, _mm256_fmadd_ps(_mm256_cvtepi32_ps(scaled), _mm256_set1_ps(scale),
                                                                      _mm256_set1_ps(minimum)));
            }
        }
    }
}

static void gguf_dequantize_avx2(int type, const uint8_t *w, long row_bytes, long k, long r0, long r1, float *dst) {
    switch (type) {
    case EXEMPLAR_GGUF_Q4_0: dequantize_avx2(EXEMPLAR_GGUF_Q4_0, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q4_1: dequantize_avx2(EXEMPLAR_GGUF_Q4_1, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q5_0: dequantize_avx2(EXEMPLAR_GGUF_Q5_0, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q5_1: dequantize_avx2(EXEMPLAR_GGUF_Q5_1, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q8_0: dequantize_avx2(EXEMPLAR_GGUF_Q8_0, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q4_K: dequantize_avx2(EXEMPLAR_GGUF_Q4_K, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q5_K: dequantize_avx2(EXEMPLAR_GGUF_Q5_K, w, row_bytes, k, r0, r1, dst); break;
    case EXEMPLAR_GGUF_Q6_K: dequantize_avx2(EXEMPLAR_GGUF_Q6_K, w, row_bytes, k, r0, r1, dst); break;
    default: break;
    }
}
#define HAVE_AVX2_VARIANT 1

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

/// split_nibbles of the 16 bytes at p0 and (when `second`) at p1, in one register: the nibbles of both split at
/// once, then the four 16-byte groups put in order (p0's low, p0's high, p1's low, p1's high).
static inline __attribute__((always_inline)) VNNI_TARGET __m512i split_nibble_pair(const uint8_t *p0, const uint8_t *p1,
                                                                                  int second) {
    const __m128i first = _mm_loadu_si128((const __m128i *)p0);
    const __m256i bytes = _mm256_inserti128_si256(_mm256_castsi128_si256(first),
                                                  second ? _mm_loadu_si128((const __m128i *)p1) : _mm_setzero_si128(), 1);
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m512i halves = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(bytes, low)),
                                              _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low), 1);
    return _mm512_shuffle_i64x2(halves, halves, _MM_SHUFFLE(3, 1, 2, 0));
}

/// Chunks c and c + 1 in one 64-byte register (c + 1 zero when c is the last), with their multipliers as int32
/// lanes, one per four weights (Q6_K's scales; 1 elsewhere).
static inline __attribute__((always_inline)) VNNI_TARGET __m512i chunk_pair(int type, const uint8_t *row, long c,
                                                                           long nc, __m512i *mult) {
    if (type == EXEMPLAR_GGUF_Q4_0 || type == EXEMPLAR_GGUF_Q4_1) {
        const uint8_t *b0 = CHUNK_BLOCK(type, row, c);
        const long offset = type == EXEMPLAR_GGUF_Q4_0 ? 2 : 4;
        return split_nibble_pair(b0 + offset, b0 + block_bytes(type) + offset, c + 1 < nc);
    }
    if (type == EXEMPLAR_GGUF_Q5_0 || type == EXEMPLAR_GGUF_Q5_1) {
        // The fifth bits are a byte mask already: one masked move instead of fifth_bits' shuffle and compare.
        const long offset = type == EXEMPLAR_GGUF_Q5_0 ? 2 : 4;
        const uint8_t *b0 = CHUNK_BLOCK(type, row, c), *b1 = b0 + block_bytes(type);
        uint32_t high0, high1 = 0;
        memcpy(&high0, b0 + offset, 4);
        if (c + 1 < nc) memcpy(&high1, b1 + offset, 4);
        const __m512i nibbles = split_nibble_pair(b0 + offset + 4, b1 + offset + 4, c + 1 < nc);
        return _mm512_mask_mov_epi8(nibbles, (__mmask64)high0 | (__mmask64)high1 << 32,
                                    _mm512_or_si512(nibbles, _mm512_set1_epi8(0x10)));
    }
    __m256i m0, m1 = _mm256_set1_epi16(1);
    const __m256i q0 = chunk_bytes(type, row, c, &m0);
    const __m256i q1 = c + 1 < nc ? chunk_bytes(type, row, c + 1, &m1) : _mm256_setzero_si256();
    if (type == EXEMPLAR_GGUF_Q6_K) {
        // int16 lanes 0 and 8 of each chunk's multipliers hold its two scales: four int32 lanes each.
        const __m128i pick = _mm_setr_epi32(_mm256_extract_epi16(m0, 0), _mm256_extract_epi16(m0, 8),
                                            _mm256_extract_epi16(m1, 0), _mm256_extract_epi16(m1, 8));
        const __m512i spread = _mm512_broadcast_i32x4(_mm_srai_epi32(_mm_slli_epi32(pick, 16), 16));
        *mult = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), spread);
    }
    return _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
}

/// As GGUF_GEMV, two chunks per step: dpbusd (unsigned × signed bytes, four products summed into each int32 lane)
/// replaces maddubs + madd, with no int16 intermediate. Signed weights enter as |q| (exact for −128 too, read
/// unsigned) with the activation negated where q < 0. The integer lanes are the AVX2 variant's and each half is
/// added into the same 8-lane accumulator chunk by chunk, so the results equal the AVX2 variant's bit for bit: where
/// a greedy continuation flips depends on the last bit of the activations (their 8-bit rounding amplifies it), and
/// it should not depend on which CPU ran the product.
/// chunk_scales for chunks c and c + 1 of the one-block-per-chunk types: both blocks' leading halves (step, and
/// minimum for Q4_1 / Q5_1) converted in one instruction, the same values as four scalar conversions.
static inline __attribute__((always_inline)) void pair_scales(int type, const uint8_t *row, long c, float *scale0,
                                                              float *minimum0, float *scale1, float *minimum1) {
    const uint8_t *b = CHUNK_BLOCK(type, row, c);
    uint32_t first, second;
    memcpy(&first, b, 4);
    memcpy(&second, b + block_bytes(type), 4);
    const __m128 v = _mm_cvtph_ps(_mm_setr_epi32((int)first, (int)second, 0, 0));
    float f[4];
    _mm_storeu_ps(f, v);
    *scale0 = f[0];
    *scale1 = f[2];
    switch (type) {
    case EXEMPLAR_GGUF_Q4_1:
    case EXEMPLAR_GGUF_Q5_1: *minimum0 = f[1]; *minimum1 = f[3]; break;
    case EXEMPLAR_GGUF_Q4_0: *minimum0 = -8 * f[0]; *minimum1 = -8 * f[2]; break;
    case EXEMPLAR_GGUF_Q5_0: *minimum0 = -16 * f[0]; *minimum1 = -16 * f[2]; break;
    default: *minimum0 = *minimum1 = 0;
    }
}

/// One step of GGUF_GEMV_VNNI: chunks c and c + 1 (only c when `pair` is 0, at the end of an odd row).
static inline __attribute__((always_inline)) VNNI_TARGET void vnni_step(int type, int m, int pair, const uint8_t *row,
                                                                       long c, long nc, long k, const int8_t *qx,
                                                                       const float *dx, const float *sx, __m256 *acc,
                                                                       float *mins) {
    __m512i mult = _mm512_set1_epi32(1);
    const __m512i q = chunk_pair(type, row, c, pair ? c + 2 : c + 1, &mult);
    float scale0, minimum0, scale1 = 0, minimum1 = 0;
    if (pair && block_elements(type) == QK) {
        pair_scales(type, row, c, &scale0, &minimum0, &scale1, &minimum1);
    } else {
        chunk_scales(type, row, c, &scale0, &minimum0);
        if (pair) chunk_scales(type, row, c + 1, &scale1, &minimum1);
    }
    const __m512i magnitude = type_is_signed(type) ? _mm512_abs_epi8(q) : q;
    const __mmask64 negative = type_is_signed(type) ? _mm512_movepi8_mask(q) : 0;
    UNROLL for (int r = 0; r < m; r++) {
        const int8_t *x = qx + r * k + QK * c;
        __m512i a = pair ? _mm512_loadu_si512(x) : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)x));
        if (type_is_signed(type)) a = _mm512_mask_sub_epi8(a, negative, _mm512_setzero_si512(), a);
        __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), magnitude, a);
        if (type == EXEMPLAR_GGUF_Q6_K) sums = _mm512_mullo_epi32(sums, mult);
        const __m512 products = _mm512_cvtepi32_ps(sums);
        acc[r] = _mm256_fmadd_ps(_mm512_castps512_ps256(products), _mm256_set1_ps(scale0 * dx[r * nc + c]), acc[r]);
        if (pair)
            acc[r] = _mm256_fmadd_ps(_mm512_extractf32x8_ps(products, 1), _mm256_set1_ps(scale1 * dx[r * nc + c + 1]),
                                     acc[r]);
        if (type_has_minimum(type)) {
            mins[r] += minimum0 * sx[r * nc + c];
            if (pair) mins[r] += minimum1 * sx[r * nc + c + 1];
        }
    }
}

#define GGUF_GEMV_VNNI(TYPE, M)                                                                                    \
    for (long o = o0; o < o1; o++) {                                                                               \
        const uint8_t *row = w + o * row_bytes;                                                                    \
        __m256 acc[M];                                                                                             \
        float mins[M];                                                                                             \
        UNROLL for (int r = 0; r < (M); r++) { acc[r] = _mm256_setzero_ps(); mins[r] = 0; }                        \
        long c = 0;                                                                                                \
        for (; c + 1 < nc; c += 2) vnni_step(TYPE, M, 1, row, c, nc, k, qx, dx, sx, acc, mins);                   \
        if (c < nc) vnni_step(TYPE, M, 0, row, c, nc, k, qx, dx, sx, acc, mins);                                  \
        UNROLL for (int r = 0; r < (M); r++) y[r * ldy + o] = hsum(acc[r]) + mins[r];                            \
    }

VNNI_TARGET static void gemv_vnni(int type, const uint8_t *w, long row_bytes, long k, const int8_t *qx,
                                  const float *dx, const float *sx, long m, float *y, long ldy, long o0, long o1) {
    const long nc = k / QK;
    FOR_TYPE_AND_BATCH_SIZE(GGUF_GEMV_VNNI)
}

static int vnni_supported(void) {
    static int state = -1;
    if (state < 0)
        state = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vnni");
    return state;
}
#endif

void exemplar_gguf_dequantize(int type, const uint8_t *w, long row_bytes, long k, long r0, long r1, float *dst) {
    if (!exemplar_gguf_type_supported(type)) return;
#ifdef HAVE_AVX2_VARIANT
    gguf_dequantize_avx2(type, w, row_bytes, k, r0, r1, dst);
#else
    int q[QK], mult[QK];
    for (long o = r0; o < r1; o++)
        for (long c = 0; c < k / QK; c++) {
            const uint8_t *row = w + o * row_bytes;
            float scale, minimum;
            chunk_scales(type, row, c, &scale, &minimum);
            chunk_integers(type, row, c, q, mult);
            for (int i = 0; i < QK; i++) dst[(o - r0) * k + QK * c + i] = scale * (float)(mult[i] * q[i]) + minimum;
        }
#endif
}

int exemplar_gguf_variant_available(int variant) {
    switch (variant) {
    case EXEMPLAR_GGUF_SCALAR: return 1;
#ifdef HAVE_AVX2_VARIANT
    case EXEMPLAR_GGUF_AVX2: return 1;
    case EXEMPLAR_GGUF_AVX512_VNNI: return vnni_supported();
#endif
    default: return 0;
    }
}

int exemplar_gguf_best_variant(void) {
    const char *forced = getenv("EXEMPLAR_GGUF_KERNEL");
    if (forced && strcmp(forced, "scalar") == 0) return EXEMPLAR_GGUF_SCALAR;
    if (forced && strcmp(forced, "avx2") == 0 && exemplar_gguf_variant_available(EXEMPLAR_GGUF_AVX2))
        return EXEMPLAR_GGUF_AVX2;
    if (exemplar_gguf_variant_available(EXEMPLAR_GGUF_AVX512_VNNI)) return EXEMPLAR_GGUF_AVX512_VNNI;
    return exemplar_gguf_variant_available(EXEMPLAR_GGUF_AVX2) ? EXEMPLAR_GGUF_AVX2 : EXEMPLAR_GGUF_SCALAR;
}

void exemplar_gguf_gemv(int type, int variant, const uint8_t *w, long row_bytes, long k, const int8_t *qx,
                        const float *dx, const float *sx, long m, float *y, long ldy, long o0, long o1) {
    if (m < 1 || m > 8 || !exemplar_gguf_type_supported(type)) return;
#ifdef HAVE_AVX2_VARIANT
    if (variant == EXEMPLAR_GGUF_AVX2) {
        gemv_avx2(type, w, row_bytes, k, qx, dx, sx, m, y, ldy, o0, o1);
        return;
    }
    if (variant == EXEMPLAR_GGUF_AVX512_VNNI && vnni_supported()) {
        gemv_vnni(type, w, row_bytes, k, qx, dx, sx, m, y, ldy, o0, o1);
        return;
    }
#endif
    gemv_scalar(type, w, row_bytes, k, qx, dx, sx, m, y, ldy, o0, o1);
}
