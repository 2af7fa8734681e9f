// HNSW search and construction over vectorised distances (internal to the shim).
#ifndef CFAISS_SIMD_HNSW_H
#define CFAISS_SIMD_HNSW_H

#include <faiss/IndexHNSW.h>

namespace cfaiss {

/// A SimdIndexHNSWFlat that has taken over the graph and storage of `index` when `index` is exactly an
/// IndexHNSWFlat over inner product or L2 (the old object is left empty, for the caller to delete) and
/// `hnswMirrorActive()`; else nullptr.
faiss::IndexHNSW *hnswReplacement(faiss::Index *index);

/// Whether HNSWFlat indexes made or read now get the mirrored loops: FAISS is the version they were written against
/// (`hnswMirrorMatchesFAISS`), the CPU has the kernels (`simdAvailable`), and EXEMPLAR_FAISS_HNSW is not "0" (tests
/// compare the mirror with FAISS's own loops that way). Otherwise FAISS's own search and construction run.
bool hnswMirrorActive();

/// Whether the FAISS built against (headers) and linked with (when it reports its version) is the 1.7.3 whose
/// internals SimdHNSW.cpp copies. Against any other version the mirror is not even compiled.
bool hnswMirrorMatchesFAISS();

}  // namespace cfaiss

#endif
