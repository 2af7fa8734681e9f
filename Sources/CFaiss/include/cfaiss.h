// A C interface over the FAISS C++ library (Debian's libfaiss-dev ships only the C++ API, statically).
//
// Every fallible function returns NULL on success or an error message allocated with malloc, which the caller
// releases with cfaiss_free_error. No C++ exception crosses this boundary: the shim catches them all.
#ifndef CFAISS_H
#define CFAISS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An owned faiss::Index (usually an IndexIDMap2 around the factory's index).
typedef struct cfaiss_index cfaiss_index;

/// faiss::MetricType values.
enum { CFAISS_METRIC_INNER_PRODUCT = 0, CFAISS_METRIC_L2 = 1 };

void cfaiss_free_error(char *error);

/// index_factory(d, factory, metric), wrapped in an IndexIDMap2 unless the factory string already starts with IDMap.
char *cfaiss_create(int32_t d, const char *factory, int32_t metric, cfaiss_index **out);
void cfaiss_free(cfaiss_index *index);

int32_t cfaiss_dimension(const cfaiss_index *index);
int64_t cfaiss_ntotal(const cfaiss_index *index);
int32_t cfaiss_metric(const cfaiss_index *index);
int32_t cfaiss_is_trained(const cfaiss_index *index);
/// 1 when the outer index maps its own ids (IndexIDMap / IndexIDMap2).
int32_t cfaiss_has_id_map(const cfaiss_index *index);

char *cfaiss_train(cfaiss_index *index, int64_t n, const float *x);
char *cfaiss_add_with_ids(cfaiss_index *index, int64_t n, const float *x, const int64_t *ids);
/// distances and labels are (n, k) row-major; a missing neighbour has label -1.
char *cfaiss_search(const cfaiss_index *index, int64_t n, const float *x, int64_t k, float *distances, int64_t *labels);
/// Removes the vectors with these ids; `removed` receives how many were present.
char *cfaiss_remove_ids(cfaiss_index *index, int64_t n, const int64_t *ids, int64_t *removed);

/// FAISS's own file format; the file is flushed and fsync'ed before this returns.
char *cfaiss_write(const cfaiss_index *index, const char *path);
char *cfaiss_read(const char *path, cfaiss_index **out);

/// HNSW search breadth (factories HNSWn…); an error for indexes without an HNSW graph.
char *cfaiss_set_hnsw_ef_search(cfaiss_index *index, int32_t ef_search);
char *cfaiss_get_hnsw_ef_search(const cfaiss_index *index, int32_t *ef_search);
/// Inverted lists visited per query (factories IVFn…); an error for non-IVF indexes.
char *cfaiss_set_ivf_nprobe(cfaiss_index *index, int64_t nprobe);
char *cfaiss_get_ivf_nprobe(const cfaiss_index *index, int64_t *nprobe);

/// OpenMP threads FAISS uses (process-wide).
void cfaiss_set_threads(int32_t n);
int32_t cfaiss_threads(void);

/// 1 when flat storage (Flat, HNSW storage, IVF quantizers) uses the shim's AVX2/FMA distance kernels instead of
/// the scalar ones Debian's libfaiss is built with (set EXEMPLAR_FAISS_SIMD=0 to turn them off).
int32_t cfaiss_simd(void);

/// 1 when IndexHNSWFlat indexes created or read from now on use the shim's HNSW search and construction
/// (SimdHNSW.cpp): FAISS is 1.7.3, the release whose internals it mirrors, the SIMD kernels are on, and
/// EXEMPLAR_FAISS_HNSW is not "0"; 0 when FAISS's own HNSW loops run.
int32_t cfaiss_hnsw_mirror(void);

/// "1.7.3"
const char *cfaiss_version(void);

#ifdef __cplusplus
}
#endif

#endif
