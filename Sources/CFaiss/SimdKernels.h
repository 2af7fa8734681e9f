// Distance kernels for the shim's FAISS storage (internal to the shim).
#ifndef CFAISS_SIMD_KERNELS_H
#define CFAISS_SIMD_KERNELS_H

#include <cstddef>

namespace cfaiss {

/// Inner product and squared L2 distance from a query `x` to one stored vector or to four. The four-vector forms do,
/// for each vector, exactly the operations of the one-vector form in the same order (they only share the query's
/// loads), so batching never changes a bit of a distance and HNSW searches stay identical to FAISS's.
struct DistanceKernels {
    float (*innerProduct)(const float *x, const float *y, size_t d);
    float (*squaredL2)(const float *x, const float *y, size_t d);
    void (*innerProduct4)(const float *x, const float *const *ys, size_t d, float *out);
    void (*squaredL2_4)(const float *x, const float *const *ys, size_t d, float *out);
    /// "avx512" or "avx2".
    const char *name;
};

/// AVX-512 kernels when the CPU has them (as Python's faiss-cpu picks its AVX-512 build), else AVX2 + FMA.
/// EXEMPLAR_FAISS_AVX512=0 forces the AVX2 ones.
const DistanceKernels &distanceKernels();

}  // namespace cfaiss

#endif
