// HNSW search and construction over vectorised distances (internal to the shim).
#ifndef CFAISS_SIMD_HNSW_H
#define CFAISS_SIMD_HNSW_H

#include <faiss/IndexHNSW.h>

namespace cfaiss {

/// A SimdIndexHNSWFlat that has taken over the graph and storage of `index` when `index` is exactly an
/// IndexHNSWFlat over inner product or L2 (the old object is left empty, for the caller to delete); else nullptr.
/// EXEMPLAR_FAISS_HNSW=0 keeps FAISS's own HNSW loops (tests compare the two).
faiss::IndexHNSW *hnswReplacement(faiss::Index *index);

}  // namespace cfaiss

#endif
