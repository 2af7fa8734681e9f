// FAISS 1.7.3 (Debian's libfaiss) walks an HNSW graph one neighbour at a time through three virtual calls per
// distance; faiss-cpu 1.15 computes four distances at once. This subclass of IndexHNSWFlat keeps FAISS's graph, heaps,
// visited table and algorithms (the same neighbour order, the same heap operations, the same stopping rules, so a
// search returns exactly what IndexHNSW::search returns) and changes only how distances are computed: unvisited
// neighbours are gathered first (branch-free against the visited table) and their distances taken four at a time with
// the kernels of SimdKernels.h. Prefetching their vectors measured slower: four lines for each of up to 64 neighbours
// crowd out the demand loads that the out-of-order core already overlaps. Construction follows FAISS's add_with_locks,
// add_links_starting_from and add_link step for step, with the same batching. It is still an IndexHNSWFlat, so index
// files stay FAISS's format.
//
// Because it copies FAISS's internals (HNSW's fields and locks, add_with_locks, the search heaps), it is compiled only
// against the FAISS release it was written from, 1.7.3 (the version macros of faiss/Index.h); against any other the
// file provides hnswReplacement returning nullptr, and FAISS's own HNSW search and construction run.

#include "SimdHNSW.h"
#include "SimdFlat.h"

#include <cstdlib>
#include <string>

#if FAISS_VERSION_MAJOR == 1 && FAISS_VERSION_MINOR == 7 && FAISS_VERSION_PATCH == 3
#define CFAISS_HNSW_MIRROR 1
#else
#define CFAISS_HNSW_MIRROR 0
#endif

#if CFAISS_HNSW_MIRROR

#include "SimdKernels.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/HNSW.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/random.h>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <queue>
#include <string>
#include <typeinfo>
#include <vector>

namespace cfaiss {
namespace {

using idx_t = faiss::Index::idx_t;
using storage_idx_t = faiss::HNSW::storage_idx_t;

/// Distances from one query to stored vectors, smaller is closer: inner products are negated, as FAISS's HNSW
/// does for similarity metrics.
struct QueryDistances {
    const float *xb;
    size_t d;
    bool innerProduct;
    const DistanceKernels &kernels = distanceKernels();
    const float *query = nullptr;

    QueryDistances(const faiss::IndexFlat &storage)
            : xb(storage.get_xb()), d(storage.d), innerProduct(storage.metric_type == faiss::METRIC_INNER_PRODUCT) {}

    const float *vector(storage_idx_t i) const { return xb + size_t(i) * d; }

    float operator()(storage_idx_t i) const {
        return innerProduct ? -kernels.innerProduct(query, vector(i), d) : kernels.squaredL2(query, vector(i), d);
    }

    float between(storage_idx_t i, storage_idx_t j) const {
        return innerProduct ? -kernels.innerProduct(vector(i), vector(j), d) : kernels.squaredL2(vector(i), vector(j), d);
    }

    /// Distances to ids[0..<count], four at a time.
    void many(const storage_idx_t *ids, int count, float *out) const {
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            const float *ys[4] = {vector(ids[i]), vector(ids[i + 1]), vector(ids[i + 2]), vector(ids[i + 3])};
            if (innerProduct) {
                kernels.innerProduct4(query, ys, d, out + i);
                for (int j = 0; j < 4; j++) out[i + j] = -out[i + j];
            } else {
                kernels.squaredL2_4(query, ys, d, out + i);
            }
        }
        for (; i < count; i++) out[i] = (*this)(ids[i]);
    }

    /// Distances from stored vector `from` to ids[0..<count], four at a time (distances are symmetric bit for bit:
    /// the kernels multiply and subtract elementwise).
    void manyFrom(storage_idx_t from, const storage_idx_t *ids, int count, float *out) const {
        const float *saved = query;
        const_cast<QueryDistances *>(this)->query = vector(from);
        many(ids, count, out);
        const_cast<QueryDistances *>(this)->query = saved;
    }

};

/// HNSW::neighbor_range, inlined (libfaiss compiles it out of line): the slice of `neighbors` holding node's links
/// on `level`.
inline void neighborRange(const faiss::HNSW &hnsw, storage_idx_t node, int level, size_t &begin, size_t &end) {
    const size_t offset = hnsw.offsets[node];
    begin = offset + hnsw.cum_nneighbor_per_level[level];
    end = offset + hnsw.cum_nneighbor_per_level[level + 1];
}

/// FAISS 1.7.3's MinimaxHeap::push, pop_min and count_below on the same struct, inlined into the search loop (libfaiss
/// compiles them out of line for generic x86-64). Same operations in the same order, so the heap holds the same
/// entries: push replaces the largest when full, pop_min takes the smallest live entry scanning down from the end (of
/// equal ones, the highest slot), count_below counts every slot, popped or not.
using MinimaxHeap = faiss::HNSW::MinimaxHeap;

inline void minimaxPush(MinimaxHeap &heap, storage_idx_t id, float distance) {
    if (heap.k == heap.n) {
        if (distance >= heap.dis[0]) return;
        faiss::heap_pop<MinimaxHeap::HC>(heap.k--, heap.dis.data(), heap.ids.data());
        --heap.nvalid;
    }
    faiss::heap_push<MinimaxHeap::HC>(++heap.k, heap.dis.data(), heap.ids.data(), distance, id);
    ++heap.nvalid;
}

inline int minimaxPopMin(MinimaxHeap &heap, float &minDistance) {
    const storage_idx_t *ids = heap.ids.data();
    const float *dis = heap.dis.data();
    int i = heap.k - 1;
    while (i >= 0 && ids[i] == -1) i--;
    if (i < 0) return -1;
    int best = i;
    float smallest = dis[i];
    for (i--; i >= 0; i--) {
        if (ids[i] != -1 && dis[i] < smallest) {
            smallest = dis[i];
            best = i;
        }
    }
    minDistance = smallest;
    const int id = ids[best];
    heap.ids[best] = -1;
    --heap.nvalid;
    return id;
}

inline int minimaxCountBelow(const MinimaxHeap &heap, float threshold) {
    int count = 0;
    for (int i = 0; i < heap.k; i++) count += heap.dis[i] < threshold ? 1 : 0;
    return count;
}

/// Per-thread search state, reused across the queries of a batch.
struct SearchScratch {
    faiss::VisitedTable visited;
    faiss::HNSW::MinimaxHeap candidates;
    std::vector<storage_idx_t> fresh;
    std::vector<float> freshDistances;
    SearchScratch(idx_t ntotal, int ef, int maxNeighbors)
            : visited(int(ntotal)), candidates(ef), fresh(maxNeighbors), freshDistances(maxNeighbors) {}
};

/// FAISS's greedy_update_nearest: move to the closest neighbour on `level` until none is closer.
void greedyUpdateNearest(const faiss::HNSW &hnsw, const QueryDistances &qd, int level, storage_idx_t &nearest,
                         float &nearestDistance) {
    storage_idx_t ids[4];
    float dis[4];
    for (;;) {
        const storage_idx_t previous = nearest;
        size_t begin, end;
        neighborRange(hnsw, previous, level, begin, end);
        int count = 0;
        auto settle = [&] {
            qd.many(ids, count, dis);
            for (int j = 0; j < count; j++) {
                if (dis[j] < nearestDistance) {
                    nearest = ids[j];
                    nearestDistance = dis[j];
                }
            }
            count = 0;
        };
        for (size_t i = begin; i < end; i++) {
            const storage_idx_t v = hnsw.neighbors[i];
            if (v < 0) break;
            ids[count++] = v;
            if (count == 4) settle();
        }
        settle();
        if (nearest == previous) return;
    }
}

/// FAISS's search_from_candidates on level 0 without an id selector; returns the number of results.
int searchFromCandidates(const faiss::HNSW &hnsw, const QueryDistances &qd, int k, idx_t *labels, float *distances,
                         SearchScratch &scratch, int efSearch, bool checkRelativeDistance) {
    auto &candidates = scratch.candidates;
    auto &visited = scratch.visited;
    int results = 0;
    auto offer = [&](float d, storage_idx_t v) {
        if (results < k) {
            faiss::maxheap_push(++results, distances, labels, d, idx_t(v));
        } else if (d < distances[0]) {
            faiss::maxheap_replace_top(results, distances, labels, d, idx_t(v));
        }
    };
    for (int i = 0; i < candidates.size(); i++) {
        offer(candidates.dis[i], candidates.ids[i]);
        visited.set(candidates.ids[i]);
    }
    int steps = 0;
    while (candidates.size() > 0) {
        float d0 = 0;
        const int v0 = minimaxPopMin(candidates, d0);
        if (checkRelativeDistance && minimaxCountBelow(candidates, d0) >= efSearch) break;
        size_t begin, end;
        neighborRange(hnsw, v0, 0, begin, end);
        const storage_idx_t *neighbors = hnsw.neighbors.data();
        uint8_t *flags = visited.visited.data();
        const uint8_t mark = uint8_t(visited.visno);
        storage_idx_t *fresh = scratch.fresh.data();
        int count = 0;
        for (size_t j = begin; j < end; j++) {
            const storage_idx_t v1 = neighbors[j];
            if (v1 < 0) break;
            const bool seen = flags[v1] == mark;
            flags[v1] = mark;
            fresh[count] = v1;
            count += seen ? 0 : 1;
        }
        qd.many(scratch.fresh.data(), count, scratch.freshDistances.data());
        for (int j = 0; j < count; j++) {
            offer(scratch.freshDistances[j], scratch.fresh[j]);
            minimaxPush(candidates, scratch.fresh[j], scratch.freshDistances[j]);
        }
        steps++;
        if (!checkRelativeDistance && steps > efSearch) break;
    }
    return results;
}


using NodeDistCloser = faiss::HNSW::NodeDistCloser;
using NodeDistFarther = faiss::HNSW::NodeDistFarther;

/// FAISS's HNSW::shrink_neighbor_list: keep, nearest first, each candidate that is closer to the new point than to
/// every candidate already kept, up to maxSize.
void shrinkNeighborList(const QueryDistances &qd, std::priority_queue<NodeDistFarther> &input,
                        std::vector<NodeDistFarther> &output, size_t maxSize, std::vector<storage_idx_t> &ids,
                        std::vector<float> &dis) {
    while (!input.empty()) {
        const NodeDistFarther v1 = input.top();
        input.pop();
        bool good = true;
        for (size_t start = 0; start < output.size() && good; start += 4) {
            const int count = int(std::min<size_t>(4, output.size() - start));
            for (int j = 0; j < count; j++) ids[j] = output[start + j].id;
            qd.manyFrom(v1.id, ids.data(), count, dis.data());
            for (int j = 0; j < count; j++) {
                if (dis[j] < v1.d) {
                    good = false;
                    break;
                }
            }
        }
        if (good) {
            output.push_back(v1);
            if (output.size() >= maxSize) return;
        }
    }
}

/// FAISS's file-local shrink_neighbor_list over a nearest-last queue: no-op below maxSize.
void shrinkNeighborQueue(const QueryDistances &qd, std::priority_queue<NodeDistCloser> &results, size_t maxSize,
                         std::vector<storage_idx_t> &ids, std::vector<float> &dis) {
    if (results.size() < maxSize) return;
    std::priority_queue<NodeDistFarther> nearestFirst;
    std::vector<NodeDistFarther> kept;
    while (!results.empty()) {
        nearestFirst.emplace(results.top().d, results.top().id);
        results.pop();
    }
    shrinkNeighborList(qd, nearestFirst, kept, maxSize, ids, dis);
    for (const NodeDistFarther &node : kept) results.emplace(node.d, node.id);
}

/// Per-thread construction state.
struct ConstructionScratch {
    faiss::VisitedTable visited;
    std::vector<storage_idx_t> ids, linkIds;
    std::vector<float> dis, linkDistances;
    ConstructionScratch(idx_t ntotal, size_t maxNeighbors)
            : visited(int(ntotal)), ids(maxNeighbors + 1), linkIds(maxNeighbors + 1), dis(maxNeighbors + 1),
              linkDistances(maxNeighbors + 1) {}
};

/// FAISS's add_link: dest joins src's list on `level`, and if the list is full, the heuristic decides who stays.
void addLink(faiss::HNSW &hnsw, const QueryDistances &qd, storage_idx_t src, storage_idx_t dest, int level,
             ConstructionScratch &scratch) {
    size_t begin, end;
    neighborRange(hnsw, src, level, begin, end);
    if (hnsw.neighbors[end - 1] == -1) {
        size_t i = end;
        while (i > begin && hnsw.neighbors[i - 1] == -1) i--;
        hnsw.neighbors[i] = dest;
        return;
    }
    const int count = int(end - begin) + 1;
    scratch.linkIds[0] = dest;
    for (size_t i = begin; i < end; i++) scratch.linkIds[1 + i - begin] = hnsw.neighbors[i];
    qd.manyFrom(src, scratch.linkIds.data(), count, scratch.linkDistances.data());
    std::priority_queue<NodeDistCloser> candidates;
    for (int j = 0; j < count; j++) candidates.emplace(scratch.linkDistances[j], scratch.linkIds[j]);
    shrinkNeighborQueue(qd, candidates, end - begin, scratch.ids, scratch.dis);
    size_t i = begin;
    while (!candidates.empty()) {
        hnsw.neighbors[i++] = candidates.top().id;
        candidates.pop();
    }
    while (i < end) hnsw.neighbors[i++] = -1;
}

/// FAISS's search_neighbors_to_add: the efConstruction nearest points found from the entry point on `level`.
void searchNeighborsToAdd(const faiss::HNSW &hnsw, const QueryDistances &qd, std::priority_queue<NodeDistCloser> &results,
                          storage_idx_t entry, float entryDistance, int level, ConstructionScratch &scratch) {
    auto &visited = scratch.visited;
    std::priority_queue<NodeDistFarther> candidates;
    candidates.emplace(entryDistance, entry);
    results.emplace(entryDistance, entry);
    visited.set(entry);
    const size_t ef = size_t(hnsw.efConstruction);
    while (!candidates.empty()) {
        const NodeDistFarther current = candidates.top();
        if (current.d > results.top().d) break;
        candidates.pop();
        size_t begin, end;
        neighborRange(hnsw, current.id, level, begin, end);
        const storage_idx_t *neighbors = hnsw.neighbors.data();
        uint8_t *flags = visited.visited.data();
        const uint8_t mark = uint8_t(visited.visno);
        storage_idx_t *fresh = scratch.ids.data();
        int count = 0;
        for (size_t i = begin; i < end; i++) {
            const storage_idx_t v = neighbors[i];
            if (v < 0) break;
            const bool seen = flags[v] == mark;
            flags[v] = mark;
            fresh[count] = v;
            count += seen ? 0 : 1;
        }
        qd.many(scratch.ids.data(), count, scratch.dis.data());
        for (int j = 0; j < count; j++) {
            const float dis = scratch.dis[j];
            if (results.size() < ef || results.top().d > dis) {
                results.emplace(dis, scratch.ids[j]);
                candidates.emplace(dis, scratch.ids[j]);
                if (results.size() > ef) results.pop();
            }
        }
    }
    visited.advance();
}

/// FAISS's add_links_starting_from: link pt to its best neighbours on `level`, and them to pt.
void addLinksStartingFrom(faiss::HNSW &hnsw, const QueryDistances &qd, storage_idx_t pt, storage_idx_t nearest,
                          float nearestDistance, int level, std::vector<omp_lock_t> &locks, ConstructionScratch &scratch) {
    std::priority_queue<NodeDistCloser> targets;
    searchNeighborsToAdd(hnsw, qd, targets, nearest, nearestDistance, level, scratch);
    shrinkNeighborQueue(qd, targets, size_t(hnsw.nb_neighbors(level)), scratch.ids, scratch.dis);
    std::vector<storage_idx_t> linked;
    linked.reserve(targets.size());
    while (!targets.empty()) {
        const storage_idx_t other = targets.top().id;
        addLink(hnsw, qd, pt, other, level, scratch);
        linked.push_back(other);
        targets.pop();
    }
    omp_unset_lock(&locks[pt]);
    for (storage_idx_t other : linked) {
        omp_set_lock(&locks[other]);
        addLink(hnsw, qd, other, pt, level, scratch);
        omp_unset_lock(&locks[other]);
    }
    omp_set_lock(&locks[pt]);
}

/// FAISS's HNSW::add_with_locks: greedy descent to ptLevel, then links on every level from there down.
void addWithLocks(faiss::HNSW &hnsw, const QueryDistances &qd, int ptLevel, storage_idx_t pt,
                  std::vector<omp_lock_t> &locks, ConstructionScratch &scratch) {
    storage_idx_t nearest;
    GOMP_critical_start();
    nearest = hnsw.entry_point;
    if (nearest == -1) {
        hnsw.max_level = ptLevel;
        hnsw.entry_point = pt;
    }
    GOMP_critical_end();
    if (nearest < 0) return;
    omp_set_lock(&locks[pt]);
    int level = hnsw.max_level;
    float nearestDistance = qd(nearest);
    for (; level > ptLevel; level--) greedyUpdateNearest(hnsw, qd, level, nearest, nearestDistance);
    for (; level >= 0; level--) addLinksStartingFrom(hnsw, qd, pt, nearest, nearestDistance, level, locks, scratch);
    omp_unset_lock(&locks[pt]);
    if (ptLevel > hnsw.max_level) {
        hnsw.max_level = ptLevel;
        hnsw.entry_point = pt;
    }
}

struct SimdIndexHNSWFlat : faiss::IndexHNSWFlat {
    /// The storage as a plain flat index over IP or L2, which the fast paths read directly; else nullptr.
    const faiss::IndexFlat *flatStorage() const {
        auto flat = dynamic_cast<const faiss::IndexFlat *>(storage);
        if (!flat || (flat->metric_type != faiss::METRIC_INNER_PRODUCT && flat->metric_type != faiss::METRIC_L2))
            return nullptr;
        return flat;
    }

    void search(idx_t n, const float *x, idx_t k, float *distances, idx_t *labels,
                const faiss::SearchParameters *paramsIn) const override {
        const faiss::IndexFlat *flat = flatStorage();
        auto params = dynamic_cast<const faiss::SearchParametersHNSW *>(paramsIn);
        if (!flat || (paramsIn && (!params || params->sel)) || hnsw.upper_beam != 1 || !hnsw.search_bounded_queue ||
            reconstruct_from_neighbors || k <= 0) {
            faiss::IndexHNSW::search(n, x, k, distances, labels, paramsIn);
            return;
        }
        const int efSearch = params ? params->efSearch : hnsw.efSearch;
        const bool check = params ? params->check_relative_distance : hnsw.check_relative_distance;
        const int ef = std::max(efSearch, int(k));
        const int maxNeighbors = hnsw.nb_neighbors(0);

        std::atomic<idx_t> next{0};
        std::exception_ptr failure;
        std::mutex failureLock;
        auto work = [&] {
            try {
                SearchScratch scratch(ntotal, ef, maxNeighbors);
                QueryDistances qd(*flat);
                const idx_t chunk = 8;
                for (idx_t i0 = next.fetch_add(chunk); i0 < n; i0 = next.fetch_add(chunk)) {
                    for (idx_t i = i0; i < std::min(n, i0 + chunk); i++) {
                        idx_t *I = labels + i * k;
                        float *D = distances + i * k;
                        qd.query = x + i * d;
                        faiss::maxheap_heapify(k, D, I);
                        if (hnsw.entry_point != -1) {
                            storage_idx_t nearest = hnsw.entry_point;
                            float nearestDistance = qd(nearest);
                            for (int level = hnsw.max_level; level >= 1; level--)
                                greedyUpdateNearest(hnsw, qd, level, nearest, nearestDistance);
                            scratch.candidates.clear();
                            minimaxPush(scratch.candidates, nearest, nearestDistance);
                            searchFromCandidates(hnsw, qd, int(k), I, D, scratch, efSearch, check);
                            scratch.visited.advance();
                        }
                        faiss::maxheap_reorder(k, D, I);
                    }
                }
            } catch (...) {
                std::lock_guard<std::mutex> guard(failureLock);
                if (!failure) failure = std::current_exception();
            }
        };
        runTeam(teamSize(n >= 16), work);
        if (failure) std::rethrow_exception(failure);
        if (flat->metric_type == faiss::METRIC_INNER_PRODUCT)
            for (idx_t i = 0; i < n * k; i++) distances[i] = -distances[i];
    }

    /// FAISS's IndexHNSW::add and hnsw_add_vertices: levels drawn by the graph's own generator, points added from the
    /// highest level down in a seeded random order within each level, FAISS's add_with_locks for the links.
    void add(idx_t n, const float *x) override {
        const faiss::IndexFlat *flat = flatStorage();
        if (!flat || !is_trained) {
            faiss::IndexHNSW::add(n, x);
            return;
        }
        const idx_t n0 = ntotal;
        storage->add(n, x);
        ntotal = storage->ntotal;
        if (n == 0) return;
        const bool presetLevels = hnsw.levels.size() == size_t(ntotal);
        hnsw.prepare_level_tab(size_t(n), presetLevels);

        std::vector<omp_lock_t> locks(ntotal);
        for (auto &lock : locks) omp_init_lock(&lock);
        std::vector<int> histogram;
        std::vector<storage_idx_t> order(n);
        for (idx_t i = 0; i < n; i++) {
            const size_t level = size_t(hnsw.levels[n0 + i] - 1);
            if (level >= histogram.size()) histogram.resize(level + 1, 0);
            histogram[level]++;
        }
        std::vector<int> offsets(histogram.size() + 1, 0);
        for (size_t i = 0; i + 1 < histogram.size(); i++) offsets[i + 1] = offsets[i] + histogram[i];
        for (idx_t i = 0; i < n; i++) order[offsets[hnsw.levels[n0 + i] - 1]++] = storage_idx_t(n0 + i);

        std::exception_ptr failure;
        std::mutex failureLock;
        faiss::RandomGenerator rng(789);
        int i1 = int(n);
        for (int level = int(histogram.size()) - 1; level >= 0; level--) {
            const int i0 = i1 - histogram[level];
            for (int j = i0; j < i1; j++) std::swap(order[j], order[j + rng.rand_int(i1 - j)]);
            const int threads = teamSize(i1 > i0 + 100);
            std::atomic<int> nextThread{0};
            auto work = [&] {
                // Contiguous equal slices per thread, as FAISS's schedule(static).
                const int t = nextThread.fetch_add(1), lo = i0 + int(int64_t(i1 - i0) * t / threads),
                          hi = i0 + int(int64_t(i1 - i0) * (t + 1) / threads);
                try {
                    ConstructionScratch scratch(ntotal, size_t(hnsw.nb_neighbors(0)));
                    QueryDistances qd(*flat);
                    for (int i = lo; i < hi; i++) {
                        const storage_idx_t id = order[i];
                        qd.query = x + size_t(id - n0) * d;
                        addWithLocks(hnsw, qd, level, id, locks, scratch);
                    }
                } catch (...) {
                    std::lock_guard<std::mutex> guard(failureLock);
                    if (!failure) failure = std::current_exception();
                }
            };
            runTeam(threads, work);
            i1 = i0;
        }
        for (auto &lock : locks) omp_destroy_lock(&lock);
        if (failure) std::rethrow_exception(failure);
    }

    /// The threads to use: FAISS's OpenMP count, or one inside an enclosing parallel region (nested regions would
    /// be inactive anyway).
    static int teamSize(bool worthIt) { return worthIt && !omp_in_parallel() ? omp_get_max_threads() : 1; }

    /// Runs `work` once on each of `threads` threads of an OpenMP team (the pool FAISS itself uses, so no other
    /// pool's workers are left spinning), or inline for one.
    template <class Work>
    static void runTeam(int threads, Work &work) {
        if (threads <= 1) {
            work();
            return;
        }
        GOMP_parallel([](void *data) { (*static_cast<Work *>(data))(); }, &work, unsigned(threads), 0);
    }
};

}  // namespace

}  // namespace cfaiss

// FAISS releases after 1.7.3 export faiss::get_version(); 1.7.3 does not, so this weak reference is null when the
// linked library is the 1.7.3 of the headers (Debian's is static, so it always is). A shared library of another
// release under 1.7.3 headers would say so here.
namespace faiss {
__attribute__((weak)) std::string get_version();
}

namespace cfaiss {

bool hnswMirrorMatchesFAISS() {
    static const bool same = !faiss::get_version || faiss::get_version() == "1.7.3";
    return same;
}

faiss::IndexHNSW *hnswReplacement(faiss::Index *index) {
    if (!hnswMirrorActive()) return nullptr;
    if (!index || typeid(*index) != typeid(faiss::IndexHNSWFlat)) return nullptr;
    auto old = static_cast<faiss::IndexHNSWFlat *>(index);
    if (old->metric_type != faiss::METRIC_INNER_PRODUCT && old->metric_type != faiss::METRIC_L2) return nullptr;
    auto simd = new SimdIndexHNSWFlat();
    simd->d = old->d;
    simd->ntotal = old->ntotal;
    simd->verbose = old->verbose;
    simd->is_trained = old->is_trained;
    simd->metric_type = old->metric_type;
    simd->metric_arg = old->metric_arg;
    simd->hnsw = std::move(old->hnsw);
    delete simd->storage;
    simd->storage = old->storage;
    simd->own_fields = old->own_fields;
    simd->reconstruct_from_neighbors = old->reconstruct_from_neighbors;
    old->storage = nullptr;
    old->own_fields = false;
    old->reconstruct_from_neighbors = nullptr;
    return simd;
}

#else  // another FAISS release: its own loops

namespace cfaiss {

bool hnswMirrorMatchesFAISS() { return false; }

faiss::IndexHNSW *hnswReplacement(faiss::Index *) { return nullptr; }

#endif

bool hnswMirrorActive() {
    const char *setting = std::getenv("EXEMPLAR_FAISS_HNSW");
    return hnswMirrorMatchesFAISS() && simdAvailable() && !(setting && std::string(setting) == "0");
}

}  // namespace cfaiss
