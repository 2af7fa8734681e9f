"""The protocol of ../shared/peers/encoder/bench_faiss.py (FAISS build ms and queries/s, k=10, IndexFlatIP and
IndexHNSWFlat(M=32, inner product), 1 and 2 threads: median of 3 builds; 100-query warm-up, median of 5 searches of
all queries) on given float32 .npy matrices instead of embedding GSM8K itself, so Python faiss-cpu and
`exemplar bench search --corpus-vectors … --query-vectors …` time the very same vectors.
Usage: python bench_faiss_npy.py CORPUS.npy QUERIES.npy
"""
import json, statistics, sys, time
import numpy as np, faiss

xb = np.load(sys.argv[1]).astype(np.float32)
xq = np.load(sys.argv[2]).astype(np.float32)
d = xb.shape[1]; res = {}
def build(kind):
    idx = faiss.IndexFlatIP(d) if kind == "FlatIP" else faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter(); idx.add(xb); return idx, time.perf_counter() - t
for kind in ["FlatIP", "HNSWFlat(M=32)"]:
    for th in [1, 2]:
        faiss.omp_set_num_threads(th)
        builds = []
        for _ in range(3): idx, bt = build(kind); builds.append(bt)
        idx.search(xq[:100], 10); qs = []
        for _ in range(5):
            t = time.perf_counter(); idx.search(xq, 10); qs.append(time.perf_counter() - t)
        res[f"{kind} threads={th}"] = {"build_ms": round(statistics.median(builds) * 1e3, 2), "qps": round(len(xq) / statistics.median(qs))}
print(json.dumps({"faiss_version": faiss.__version__, "corpus": len(xb), "queries": len(xq), "faiss": res}))
