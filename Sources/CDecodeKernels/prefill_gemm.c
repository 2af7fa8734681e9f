#include "decode_kernels.h"
#include <stdlib.h>
#include <string.h>

// The prefill products of a quantised decoder, y = x·Wᵀ over hundreds of token rows, with AVX-512 where the CPU has
// it: Debian's OpenBLAS is pinned to its AVX2 kernels on this machine (OPENBLAS_CORETYPE=Haswell), which leaves half
// of a Zen 4/5 core's multiply-add width unused. A GotoBLAS-style loop: W is packed 32 columns at a time (per block of
// KC inputs), x 14 rows at a time, and a 14×32 register tile (28 accumulators) multiplies them. Each output is summed
// over k in order within a block of KC and across blocks, so results are deterministic (though not equal to sgemm's
// rounding).

enum { MR = 14, NR = 32, KC = 256 };

#if defined(__x86_64__)
#include <immintrin.h>

/// C[MR × NR] (+)= Σ_k ap[k·MR + i] · bp[k·NR + j].
__attribute__((target("avx512f"))) static void micro_tile(long kc, const float *ap, const float *bp, float *c, long ldc,
                                                          int accumulate) {
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_loadu_ps(bp + k * NR), b1 = _mm512_loadu_ps(bp + k * NR + 16);
        _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {
            const __m512 a = _mm512_set1_ps(ap[k * MR + i]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
        }
    }
    _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {
        float *ci = c + i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(ci));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(ci + 16));
        }
        _mm512_storeu_ps(ci, acc[i][0]);
        _mm512_storeu_ps(ci + 16, acc[i][1]);
    }
}

static int avx512_state = -1;

int exemplar_prefill_gemm_available(void) {
    if (avx512_state < 0) {
        const char *env = getenv("EXEMPLAR_AVX512");
        avx512_state = __builtin_cpu_supports("avx512f") && !(env && strcmp(env, "0") == 0);
    }
    return avx512_state;
}

__attribute__((target("avx512f"))) void exemplar_prefill_gemm(long m, long n, long k, const float *a, long lda,
                                                               const float *b, long ldb, float *c, long ldc,
                                                               int accumulate) {
    const long panels = (n + NR - 1) / NR;
    float *bp = aligned_alloc(64, sizeof(float) * KC * NR * panels);
    float *ap = aligned_alloc(64, sizeof(float) * KC * MR);
    float tile[MR * NR];
    for (long k0 = 0; k0 < k; k0 += KC) {
        const long kc = k - k0 < KC ? k - k0 : KC;
        // W's rows n0 … n0 + 31, inputs k0 ..< k0 + kc, transposed into kc rows of 32 (zeros past the last row).
        for (long p = 0; p < panels; p++)
            for (long j = 0; j < NR; j++) {
                float *dst = bp + p * KC * NR + j;
                const long row = p * NR + j;
                if (row < n) {
                    const float *src = b + row * ldb + k0;
                    for (long t = 0; t < kc; t++) dst[t * NR] = src[t];
                } else {
                    for (long t = 0; t < kc; t++) dst[t * NR] = 0;
                }
            }
        const int add = accumulate || k0 > 0;
        for (long m0 = 0; m0 < m; m0 += MR) {
            const long mr = m - m0 < MR ? m - m0 : MR;
            for (long i = 0; i < MR; i++)
                for (long t = 0; t < kc; t++) ap[t * MR + i] = i < mr ? a[(m0 + i) * lda + k0 + t] : 0;
            for (long p = 0; p < panels; p++) {
                const long n0 = p * NR, nr = n - n0 < NR ? n - n0 : NR;
                if (mr == MR && nr == NR) {
                    micro_tile(kc, ap, bp + p * KC * NR, c + m0 * ldc + n0, ldc, add);
                } else {  // an edge tile: through a scratch tile
                    for (long i = 0; i < MR; i++)
                        for (long j = 0; j < NR; j++) tile[i * NR + j] = add && i < mr && j < nr ? c[(m0 + i) * ldc + n0 + j] : 0;
                    micro_tile(kc, ap, bp + p * KC * NR, tile, NR, 1);
                    for (long i = 0; i < mr; i++)
                        for (long j = 0; j < nr; j++) c[(m0 + i) * ldc + n0 + j] = tile[i * NR + j];
                }
            }
        }
    }
    free(bp);
    free(ap);
}

#else

int exemplar_prefill_gemm_available(void) { return 0; }

void exemplar_prefill_gemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                           int accumulate) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc; (void)accumulate;
    abort();  // callers check exemplar_prefill_gemm_available() first
}

#endif
