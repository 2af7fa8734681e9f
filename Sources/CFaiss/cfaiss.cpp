// The FAISS shim: each function runs its body inside `guarded`, which turns any C++ exception into a message.

#include "cfaiss.h"
#include "SimdFlat.h"
#include "SimdHNSW.h"

#include <faiss/Index.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <omp.h>  // libgomp/omp.h in this target
#include <unistd.h>

struct cfaiss_index {
    faiss::Index *index;
};

namespace {

char *message(const std::string &text) {
    char *copy = static_cast<char *>(std::malloc(text.size() + 1));
    if (copy) std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
}

/// FAISS messages read "Error in <signature> at <file>:<line>: <what>"; keep <what>, which is what a user can act on.
std::string faissMessage(const faiss::FaissException &e) {
    std::string text = e.what();
    size_t at = text.find(" at /");
    if (at == std::string::npos) at = text.find(" at ");
    if (at != std::string::npos) {
        size_t colon = text.find(": ", at);
        if (colon != std::string::npos) text = text.substr(colon + 2);
    }
    if (text.rfind("Error: ", 0) == 0) text = text.substr(7);
    return text;
}

template <typename Body>
char *guarded(Body body) {
    try {
        body();
        return nullptr;
    } catch (const faiss::FaissException &e) {
        return message(faissMessage(e));
    } catch (const std::bad_alloc &) {
        return message("out of memory");
    } catch (const std::exception &e) {
        return message(e.what());
    } catch (...) {
        return message("unknown C++ exception");
    }
}

/// The index under the id map and any pre-transform (PCA, OPQ…), where search parameters live.
faiss::Index *innermost(faiss::Index *index) {
    for (;;) {
        if (auto idmap = dynamic_cast<faiss::IndexIDMap *>(index)) {
            index = idmap->index;
        } else if (auto pre = dynamic_cast<faiss::IndexPreTransform *>(index)) {
            index = pre->index;
        } else {
            return index;
        }
    }
}

faiss::IndexHNSW *hnsw(const cfaiss_index *index) {
    auto h = dynamic_cast<faiss::IndexHNSW *>(innermost(index->index));
    if (!h) throw std::runtime_error("efSearch applies to HNSW indexes only");
    return h;
}

faiss::IndexIVF *ivf(const cfaiss_index *index) {
    auto i = dynamic_cast<faiss::IndexIVF *>(innermost(index->index));
    if (!i) throw std::runtime_error("nprobe applies to IVF indexes only");
    return i;
}

}  // namespace

extern "C" {

void cfaiss_free_error(char *error) { std::free(error); }

char *cfaiss_create(int32_t d, const char *factory, int32_t metric, cfaiss_index **out) {
    *out = nullptr;
    return guarded([&] {
        if (d <= 0) throw std::invalid_argument("dimension must be positive, got " + std::to_string(d));
        if (metric != CFAISS_METRIC_INNER_PRODUCT && metric != CFAISS_METRIC_L2)
            throw std::invalid_argument("unknown metric " + std::to_string(metric));
        faiss::Index *inner = faiss::index_factory(
                d, factory, metric == CFAISS_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT);
        faiss::Index *outer = inner;
        if (!dynamic_cast<faiss::IndexIDMap *>(inner)) {
            auto map = new faiss::IndexIDMap2(inner);
            map->own_fields = true;
            outer = map;
        }
        *out = new cfaiss_index{cfaiss::accelerate(outer)};
    });
}

void cfaiss_free(cfaiss_index *index) {
    if (!index) return;
    delete index->index;
    delete index;
}

int32_t cfaiss_dimension(const cfaiss_index *index) { return index->index->d; }
int64_t cfaiss_ntotal(const cfaiss_index *index) { return index->index->ntotal; }
int32_t cfaiss_metric(const cfaiss_index *index) {
    return index->index->metric_type == faiss::METRIC_L2 ? CFAISS_METRIC_L2 : CFAISS_METRIC_INNER_PRODUCT;
}
int32_t cfaiss_is_trained(const cfaiss_index *index) { return index->index->is_trained ? 1 : 0; }
int32_t cfaiss_has_id_map(const cfaiss_index *index) {
    return dynamic_cast<faiss::IndexIDMap *>(index->index) ? 1 : 0;
}

char *cfaiss_train(cfaiss_index *index, int64_t n, const float *x) {
    return guarded([&] { index->index->train(n, x); });
}

char *cfaiss_add_with_ids(cfaiss_index *index, int64_t n, const float *x, const int64_t *ids) {
    return guarded([&] {
        if (!index->index->is_trained) throw std::runtime_error("index is not trained");
        index->index->add_with_ids(n, x, ids);
    });
}

char *cfaiss_search(const cfaiss_index *index, int64_t n, const float *x, int64_t k, float *distances,
                    int64_t *labels) {
    return guarded([&] {
        if (k <= 0) throw std::invalid_argument("k must be positive, got " + std::to_string(k));
        // FAISS parallelises over queries: with fewer queries than threads the extra OpenMP workers only wake up and
        // then spin, taking a core from whatever runs next (the encoder, for single queries).
        int threads = omp_get_max_threads();
        if (n < threads) omp_set_num_threads(n > 0 ? static_cast<int>(n) : 1);
        try {
            index->index->search(n, x, k, distances, labels);
        } catch (...) {
            omp_set_num_threads(threads);
            throw;
        }
        omp_set_num_threads(threads);
    });
}

char *cfaiss_remove_ids(cfaiss_index *index, int64_t n, const int64_t *ids, int64_t *removed) {
    *removed = 0;
    return guarded([&] {
        faiss::IDSelectorBatch selector(n, ids);
        *removed = static_cast<int64_t>(index->index->remove_ids(selector));
    });
}

char *cfaiss_write(const cfaiss_index *index, const char *path) {
    return guarded([&] {
        FILE *f = std::fopen(path, "wb");
        if (!f) throw std::runtime_error(std::string("cannot create: ") + std::strerror(errno));
        try {
            faiss::write_index(index->index, f);
        } catch (...) {
            std::fclose(f);
            throw;
        }
        bool ok = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
        int code = errno;
        if (std::fclose(f) != 0 && ok) {
            ok = false;
            code = errno;
        }
        if (!ok) throw std::runtime_error(std::string("cannot write: ") + std::strerror(code));
    });
}

char *cfaiss_read(const char *path, cfaiss_index **out) {
    *out = nullptr;
    return guarded([&] {
        faiss::Index *index = faiss::read_index(path);
        *out = new cfaiss_index{cfaiss::accelerate(index)};
    });
}

char *cfaiss_set_hnsw_ef_search(cfaiss_index *index, int32_t ef_search) {
    return guarded([&] {
        if (ef_search <= 0) throw std::invalid_argument("efSearch must be positive");
        hnsw(index)->hnsw.efSearch = ef_search;
    });
}

char *cfaiss_get_hnsw_ef_search(const cfaiss_index *index, int32_t *ef_search) {
    return guarded([&] { *ef_search = hnsw(index)->hnsw.efSearch; });
}

char *cfaiss_set_ivf_nprobe(cfaiss_index *index, int64_t nprobe) {
    return guarded([&] {
        if (nprobe <= 0) throw std::invalid_argument("nprobe must be positive");
        ivf(index)->nprobe = static_cast<size_t>(nprobe);
    });
}

char *cfaiss_get_ivf_nprobe(const cfaiss_index *index, int64_t *nprobe) {
    return guarded([&] { *nprobe = static_cast<int64_t>(ivf(index)->nprobe); });
}

void cfaiss_set_threads(int32_t n) { omp_set_num_threads(n > 0 ? n : 1); }
int32_t cfaiss_threads(void) { return omp_get_max_threads(); }

int32_t cfaiss_simd(void) { return cfaiss::simdAvailable() ? 1 : 0; }

int32_t cfaiss_hnsw_mirror(void) { return cfaiss::hnswMirrorActive() ? 1 : 0; }

const char *cfaiss_version(void) {
    static const std::string version = std::to_string(FAISS_VERSION_MAJOR) + "." +
                                       std::to_string(FAISS_VERSION_MINOR) + "." +
                                       std::to_string(FAISS_VERSION_PATCH);
    return version.c_str();
}

}  // extern "C"
