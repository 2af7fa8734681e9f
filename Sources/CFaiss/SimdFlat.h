// Vectorised flat storage for FAISS indexes (internal to the shim).
#ifndef CFAISS_SIMD_FLAT_H
#define CFAISS_SIMD_FLAT_H

#include <faiss/Index.h>

namespace cfaiss {

/// Replaces, inside `index`, every plain IndexFlat (the index itself, under an id map, an HNSW graph's storage, an IVF
/// coarse quantizer) with a SimdIndexFlat holding the same vectors, when the CPU has AVX2 and FMA. Returns the index
/// to use in place of `index` (a new object when `index` itself was replaced; the old one is then deleted).
faiss::Index *accelerate(faiss::Index *index);

/// Whether `accelerate` has an effect: AVX2 and FMA present, and EXEMPLAR_FAISS_SIMD is not "0".
bool simdAvailable();

}  // namespace cfaiss

#endif
