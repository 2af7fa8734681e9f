// AVX2 and AVX-512 distance kernels, one template per instruction set, instantiated for one and four stored vectors.
// Four independent accumulators per vector: a 384-dimensional product is a short chain of FMAs, and with fewer
// chains the FMA latency, not the loads, would set the pace.

#include "SimdKernels.h"

#include <immintrin.h>

#include <cstdlib>
#include <string>

namespace cfaiss {
namespace {

__attribute__((target("avx2,fma"))) inline float horizontalSum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <int N, bool L2>
__attribute__((target("avx2,fma"), always_inline)) inline void avx2Distances(const float *x, const float *const *ys,
                                                                             size_t d, float *out) {
    __m256 acc[N][4];
    for (int v = 0; v < N; v++)
        for (int a = 0; a < 4; a++) acc[v][a] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        for (int a = 0; a < 4; a++) {
            const __m256 q = _mm256_loadu_ps(x + i + 8 * a);
            for (int v = 0; v < N; v++) {
                const __m256 y = _mm256_loadu_ps(ys[v] + i + 8 * a);
                if (L2) {
                    const __m256 t = _mm256_sub_ps(q, y);
                    acc[v][a] = _mm256_fmadd_ps(t, t, acc[v][a]);
                } else {
                    acc[v][a] = _mm256_fmadd_ps(q, y, acc[v][a]);
                }
            }
        }
    }
    for (; i + 8 <= d; i += 8) {
        const __m256 q = _mm256_loadu_ps(x + i);
        for (int v = 0; v < N; v++) {
            const __m256 y = _mm256_loadu_ps(ys[v] + i);
            if (L2) {
                const __m256 t = _mm256_sub_ps(q, y);
                acc[v][0] = _mm256_fmadd_ps(t, t, acc[v][0]);
            } else {
                acc[v][0] = _mm256_fmadd_ps(q, y, acc[v][0]);
            }
        }
    }
    for (int v = 0; v < N; v++) {
        float sum = horizontalSum(_mm256_add_ps(_mm256_add_ps(acc[v][0], acc[v][1]), _mm256_add_ps(acc[v][2], acc[v][3])));
        for (size_t j = i; j < d; j++) {
            const float t = L2 ? x[j] - ys[v][j] : x[j];
            sum += t * (L2 ? t : ys[v][j]);
        }
        out[v] = sum;
    }
}

template <int N, bool L2>
__attribute__((target("avx512f"), always_inline)) inline void avx512Distances(const float *x, const float *const *ys,
                                                                             size_t d, float *out) {
    __m512 acc[N][4];
    for (int v = 0; v < N; v++)
        for (int a = 0; a < 4; a++) acc[v][a] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= d; i += 64) {
        for (int a = 0; a < 4; a++) {
            const __m512 q = _mm512_loadu_ps(x + i + 16 * a);
            for (int v = 0; v < N; v++) {
                const __m512 y = _mm512_loadu_ps(ys[v] + i + 16 * a);
                if (L2) {
                    const __m512 t = _mm512_sub_ps(q, y);
                    acc[v][a] = _mm512_fmadd_ps(t, t, acc[v][a]);
                } else {
                    acc[v][a] = _mm512_fmadd_ps(q, y, acc[v][a]);
                }
            }
        }
    }
    for (int a = 0; i + 16 <= d; i += 16, a = (a + 1) & 3) {
        const __m512 q = _mm512_loadu_ps(x + i);
        for (int v = 0; v < N; v++) {
            const __m512 y = _mm512_loadu_ps(ys[v] + i);
            if (L2) {
                const __m512 t = _mm512_sub_ps(q, y);
                acc[v][a] = _mm512_fmadd_ps(t, t, acc[v][a]);
            } else {
                acc[v][a] = _mm512_fmadd_ps(q, y, acc[v][a]);
            }
        }
    }
    for (int v = 0; v < N; v++) {
        float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[v][0], acc[v][1]), _mm512_add_ps(acc[v][2], acc[v][3])));
        for (size_t j = i; j < d; j++) {
            const float t = L2 ? x[j] - ys[v][j] : x[j];
            sum += t * (L2 ? t : ys[v][j]);
        }
        out[v] = sum;
    }
}

__attribute__((target("avx2,fma"))) float avx2InnerProduct(const float *x, const float *y, size_t d) {
    float out;
    avx2Distances<1, false>(x, &y, d, &out);
    return out;
}
__attribute__((target("avx2,fma"))) float avx2SquaredL2(const float *x, const float *y, size_t d) {
    float out;
    avx2Distances<1, true>(x, &y, d, &out);
    return out;
}
__attribute__((target("avx2,fma"))) void avx2InnerProduct4(const float *x, const float *const *ys, size_t d, float *out) {
    avx2Distances<4, false>(x, ys, d, out);
}
__attribute__((target("avx2,fma"))) void avx2SquaredL2_4(const float *x, const float *const *ys, size_t d, float *out) {
    avx2Distances<4, true>(x, ys, d, out);
}
__attribute__((target("avx512f"))) float avx512InnerProduct(const float *x, const float *y, size_t d) {
    float out;
    avx512Distances<1, false>(x, &y, d, &out);
    return out;
}
__attribute__((target("avx512f"))) float avx512SquaredL2(const float *x, const float *y, size_t d) {
    float out;
    avx512Distances<1, true>(x, &y, d, &out);
    return out;
}
__attribute__((target("avx512f"))) void avx512InnerProduct4(const float *x, const float *const *ys, size_t d, float *out) {
    avx512Distances<4, false>(x, ys, d, out);
}
__attribute__((target("avx512f"))) void avx512SquaredL2_4(const float *x, const float *const *ys, size_t d, float *out) {
    avx512Distances<4, true>(x, ys, d, out);
}

}  // namespace

const DistanceKernels &distanceKernels() {
    static const DistanceKernels chosen = [] {
        const char *setting = std::getenv("EXEMPLAR_FAISS_AVX512");
        const bool allowed = !(setting && std::string(setting) == "0");
        if (allowed && __builtin_cpu_supports("avx512f"))
            return DistanceKernels{avx512InnerProduct, avx512SquaredL2, avx512InnerProduct4, avx512SquaredL2_4, "avx512"};
        return DistanceKernels{avx2InnerProduct, avx2SquaredL2, avx2InnerProduct4, avx2SquaredL2_4, "avx2"};
    }();
    return chosen;
}

}  // namespace cfaiss
