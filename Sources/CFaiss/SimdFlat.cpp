// Debian's libfaiss.a is built for baseline x86-64: its inner products and L2 distances are scalar loops (movss/mulss,
// one multiply-add at a time), which HNSW construction and search, and flat search of fewer than 20 queries (below
// FAISS's BLAS threshold), spend nearly all their time in. Python's faiss-cpu dispatches to AVX2. This file plugs
// AVX2/FMA kernels into FAISS through its own extension points: a subclass of IndexFlat whose distance computer and
// small-batch search use them, and whose batch search splits queries over threads (see searchInParallel). It is
// still an IndexFlat, so index files stay byte-for-byte FAISS's format.

#include "SimdFlat.h"
#include "SimdHNSW.h"
#include "SimdKernels.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <vector>
#include <string>
#include <typeinfo>
#include <utility>

namespace cfaiss {
namespace {

using idx_t = faiss::Index::idx_t;

/// Distance from the current query to stored vectors, for HNSW construction and search.
struct SimdFlatDistanceComputer : faiss::FlatCodesDistanceComputer {
    size_t d;
    bool innerProductMetric;
    const DistanceKernels &kernels = distanceKernels();
    const float *query = nullptr;

    explicit SimdFlatDistanceComputer(const faiss::IndexFlat &index)
            : FlatCodesDistanceComputer(index.codes.data(), index.code_size),
              d(index.d),
              innerProductMetric(index.metric_type == faiss::METRIC_INNER_PRODUCT) {}

    void set_query(const float *x) override { query = x; }

    float distance(const float *x, const float *y) const {
        return innerProductMetric ? kernels.innerProduct(x, y, d) : kernels.squaredL2(x, y, d);
    }

    float distance_to_code(const uint8_t *code) override {
        return distance(query, reinterpret_cast<const float *>(code));
    }

    float symmetric_dis(idx_t i, idx_t j) override {
        return distance(reinterpret_cast<const float *>(codes + i * code_size),
                        reinterpret_cast<const float *>(codes + j * code_size));
    }
};

/// An IndexFlat (inner product or L2) with vectorised distances.
struct SimdIndexFlat : faiss::IndexFlat {
    SimdIndexFlat(idx_t d, faiss::MetricType metric) : faiss::IndexFlat(d, metric) {}

    faiss::FlatCodesDistanceComputer *get_FlatCodesDistanceComputer() const override {
        return new SimdFlatDistanceComputer(*this);
    }

    /// Batches of at least `distance_compute_blas_threshold` queries go to FAISS (sgemm), split over the OpenMP
    /// thread count; smaller ones scan here, with FAISS's own heaps so ties and padding behave as in FAISS.
    void search(idx_t n, const float *x, idx_t k, float *distances, idx_t *labels,
                const faiss::SearchParameters *params) const override {
        if (params) {
            faiss::IndexFlat::search(n, x, k, distances, labels, params);
            return;
        }
        if (n >= faiss::distance_compute_blas_threshold) {
            searchInParallel(n, x, k, distances, labels);
            return;
        }
        const float *xb = get_xb();
        const DistanceKernels &kernels = distanceKernels();
        for (idx_t q = 0; q < n; q++) {
            const float *query = x + q * d;
            float *dis = distances + q * k;
            idx_t *ids = labels + q * k;
            if (metric_type == faiss::METRIC_INNER_PRODUCT) {
                scan<faiss::CMin<float, idx_t>>(kernels.innerProduct, query, xb, k, dis, ids);
            } else {
                scan<faiss::CMax<float, idx_t>>(kernels.squaredL2, query, xb, k, dis, ids);
            }
        }
    }

    /// FAISS leaves the sgemm of a flat search to BLAS's own threads, and interleaves it with OpenMP loops over the
    /// results. Exemplar's OpenBLAS is the pthreads build, single-threaded (Exemplar parallelises itself), and two
    /// thread pools taking turns on the same cores spin against each other. So the queries are split instead, one
    /// chunk per thread of an OpenMP team (the same pool FAISS uses, so no other pool's workers are left spinning);
    /// each chunk is an ordinary FAISS search, single-threaded inside (nested OpenMP regions are inactive).
    void searchInParallel(idx_t n, const float *x, idx_t k, float *distances, idx_t *labels) const {
        const int threads = omp_get_max_threads();
        const idx_t chunks = omp_in_parallel() ? 1 : std::min<idx_t>(threads, n / faiss::distance_compute_blas_threshold);
        if (chunks <= 1) {
            faiss::IndexFlat::search(n, x, k, distances, labels);
            return;
        }
        struct Job {
            const SimdIndexFlat *index;
            idx_t n, k, chunks;
            const float *x;
            float *distances;
            idx_t *labels;
            std::exception_ptr failure;
            std::mutex failureLock;
        } job{this, n, k, chunks, x, distances, labels, nullptr, {}};
        GOMP_parallel(
                [](void *data) {
                    auto &job = *static_cast<Job *>(data);
                    const idx_t c = omp_get_thread_num(), d = job.index->d;
                    const idx_t lo = job.n * c / job.chunks, hi = job.n * (c + 1) / job.chunks;
                    try {
                        job.index->faiss::IndexFlat::search(hi - lo, job.x + lo * d, job.k, job.distances + lo * job.k,
                                                            job.labels + lo * job.k);
                    } catch (...) {
                        std::lock_guard<std::mutex> guard(job.failureLock);
                        if (!job.failure) job.failure = std::current_exception();
                    }
                },
                &job, static_cast<unsigned>(chunks), 0);
        if (job.failure) std::rethrow_exception(job.failure);
    }

    template <class C>
    void scan(float (*distance)(const float *, const float *, size_t), const float *query, const float *xb, idx_t k,
              float *dis, idx_t *ids) const {
        faiss::heap_heapify<C>(k, dis, ids);
        for (idx_t j = 0; j < ntotal; j++) {
            const float *y = xb + j * d;
            float value = distance(query, y, d);
            if (C::cmp(dis[0], value)) faiss::heap_replace_top<C>(k, dis, ids, value, j);
        }
        faiss::heap_reorder<C>(k, dis, ids);
    }
};

void replaceOwned(faiss::Index *&slot, bool owned);

/// A SimdIndexHNSWFlat (over a SimdIndexFlat) with the graph and vectors of `flat` if it is exactly an
/// IndexHNSWFlat, a SimdIndexFlat with the vectors of `flat` if it is exactly an IndexFlat(IP/L2); else nullptr.
faiss::Index *replacement(faiss::Index *flat) {
    if (faiss::IndexHNSW *hnsw = hnswReplacement(flat)) {
        replaceOwned(hnsw->storage, hnsw->own_fields);
        return hnsw;
    }
    const std::type_info &type = typeid(*flat);
    if (type != typeid(faiss::IndexFlat) && type != typeid(faiss::IndexFlatIP) && type != typeid(faiss::IndexFlatL2))
        return nullptr;
    auto old = static_cast<faiss::IndexFlat *>(flat);
    if (old->metric_type != faiss::METRIC_INNER_PRODUCT && old->metric_type != faiss::METRIC_L2) return nullptr;
    auto simd = new SimdIndexFlat(old->d, old->metric_type);
    simd->codes = std::move(old->codes);
    simd->ntotal = old->ntotal;
    simd->verbose = old->verbose;
    return simd;
}

/// Replaces *slot in place when it is a plain flat index owned by its parent.
void replaceOwned(faiss::Index *&slot, bool owned) {
    if (!owned || !slot) return;
    if (faiss::Index *simd = replacement(slot)) {
        delete slot;
        slot = simd;
    } else {
        slot = accelerate(slot);
    }
}

}  // namespace

bool simdAvailable() {
    // EXEMPLAR_FAISS_SIMD=0 keeps FAISS's own kernels (for comparisons).
    static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                                  !(std::getenv("EXEMPLAR_FAISS_SIMD") && std::string(std::getenv("EXEMPLAR_FAISS_SIMD")) == "0");
    return available;
}

faiss::Index *accelerate(faiss::Index *index) {
    if (!simdAvailable() || !index) return index;
    if (faiss::Index *simd = replacement(index)) {
        delete index;
        return simd;
    }
    if (auto map = dynamic_cast<faiss::IndexIDMap *>(index)) {
        replaceOwned(map->index, map->own_fields);
    } else if (auto pre = dynamic_cast<faiss::IndexPreTransform *>(index)) {
        replaceOwned(pre->index, pre->own_fields);
    } else if (auto hnsw = dynamic_cast<faiss::IndexHNSW *>(index)) {
        replaceOwned(hnsw->storage, hnsw->own_fields);
    } else if (auto ivf = dynamic_cast<faiss::IndexIVF *>(index)) {
        replaceOwned(ivf->quantizer, ivf->own_fields);
    }
    return index;
}

}  // namespace cfaiss
