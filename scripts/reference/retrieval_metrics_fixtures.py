"""Reference retrieval metrics from sentence-transformers' InformationRetrievalEvaluator on a synthetic BEIR dataset.

Writes Tests/Fixtures/ir_synthetic/{corpus.jsonl, queries.jsonl, qrels.tsv} (a small dataset in BEIR's format) and
Tests/Fixtures/ir_synthetic_metrics.json: a precomputed query x document score matrix and every metric the evaluator
computes from it (accuracy@1/3/5/10, precision@ and recall@1/3/5/10, ndcg@10, mrr@10, map@100), plus its top-100
rankings, so the Swift RetrievalMetrics / TopK / BEIR loader can be checked to 1e-6 without any model.

Run from the repository root with no arguments (scripts/gen-fixtures.sh runs every generator):

    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/retrieval_metrics_fixtures.py

Python environment: the peer venv built by ../shared/peers/encoder/setup.sh (sentence-transformers 6.2.0, torch,
numpy). Needs no model and no data; deterministic (numpy seed 20261122).

What the dataset exercises:
  - scores on a grid of 1/16 (exact in float32 and float64), so ties are everywhere, including at the rank-1, -10
    and -100 boundaries; one query's scores are all equal (its ranking is decided by corpus id alone);
  - corpus ids whose code-point order differs from file order and from numeric order ("d10" < "d9", "Z" < "a",
    "é" after "z"): the evaluator breaks ties by ascending corpus id;
  - 130 documents, so rankings are cut at 100 (MAP@100) and some relevant documents fall beyond;
  - graded qrels (2, 1, 0, -1): relevant means score > 0 (the evaluator itself takes sets of relevant ids);
    a repeated (query, doc) line whose last grade wins, as in BEIR's loader;
  - queries with 1, 3, 15 and 110 relevant documents (nDCG's ideal DCG and MAP's min(100, R) denominators), a
    relevant document missing from the corpus, a query judged only non-relevant and a query without qrels (both
    left out of the averages);
  - titles: present, empty, absent, and surrounding whitespace (including U+3000 and U+001C, which Python's
    str.strip() removes): the document text is (title + " " + text).strip(), as BEIR's SentenceBERT builds it.

JSON layout: versions{...}, query_ids [Q] (row order of the score matrix, = queries.jsonl order), corpus_ids [N]
(column order, = corpus.jsonl order), scores_shape [Q, N], scores_f32_b64 (base64 little-endian float32, row-major),
document_texts {corpus id: text as embedded}, relevant {query id: [corpus ids]} (what the evaluator was given),
evaluated_query_ids (queries with a relevant document), rankings {query id: [top-100 corpus ids, best first]},
metrics {"accuracy@1": ..., ..., "map@100": ...} (float64, as the evaluator returns them, score-function prefix
removed), chunked_metrics_equal (the same metrics with corpus_chunk_size=7).
"""
import base64, csv, json, os, sys, tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(REPO, "Tests", "Fixtures", "ir_synthetic")
OUT_JSON = os.path.join(REPO, "Tests", "Fixtures", "ir_synthetic_metrics.json")
SEED = 20261122
N_DOCS = 130


def write_atomic(path, text):
    with open(path + ".tmp", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def make_dataset(rng):
    """Corpus records (file order), query records (file order), qrels rows (file order)."""
    ids = ["d%d" % n for n in rng.choice(np.arange(1, 400), size=N_DOCS - 6, replace=False)]
    ids += ["Z", "a", "A7", "a7", "\u00e91", "z"]
    rng.shuffle(ids)
    corpus = []
    for i, cid in enumerate(ids):
        rec = {"_id": cid}
        kind = i % 6
        body = "document %s body text number %d" % (cid, i)
        if kind == 0:
            rec["title"] = "Title of %s" % cid
        elif kind == 1:
            rec["title"] = ""
        elif kind == 2:
            pass  # no title field
        elif kind == 3:
            rec["title"] = "  \u3000Spaced title %s" % cid
            body = body + " \n\t"
        elif kind == 4:
            rec["title"] = None
            body = "\x1c" + body + "\u3000"
        else:
            rec["title"] = "T%d" % i
        rec["text"] = body
        corpus.append(rec)

    qids = ["q%d" % n for n in range(1, 15)]
    rng.shuffle(qids)
    queries = [{"_id": q, "text": "query text of %s" % q} for q in qids]

    doc_ids = list(ids)
    pick = lambda n: [str(x) for x in rng.choice(doc_ids, size=n, replace=False)]
    q = {name: qids[i] for i, name in enumerate(
        ["one", "graded", "fifteen", "many", "zero_only", "no_qrels", "missing_doc", "override", "tied_top",
         "all_tied", "neg", "r2", "r3", "r4"])}
    rows = []
    rows.append((q["one"], pick(1)[0], 1))
    g = pick(4)
    rows += [(q["graded"], g[0], 2), (q["graded"], g[1], 1), (q["graded"], g[2], 1), (q["graded"], g[3], 0)]
    rows += [(q["fifteen"], d, 1 + (j % 2)) for j, d in enumerate(pick(15))]
    rows += [(q["many"], d, 1) for d in pick(110)]
    rows += [(q["zero_only"], d, 0) for d in pick(3)]
    rows += [(q["missing_doc"], "missing-doc", 1), (q["missing_doc"], pick(1)[0], 1)]
    o = pick(3)
    # Last line wins: o[0] ends relevant, o[1] ends non-relevant, o[2] stays relevant.
    rows += [(q["override"], o[0], 0), (q["override"], o[1], 2), (q["override"], o[2], 1),
             (q["override"], o[0], 1), (q["override"], o[1], 0)]
    rows += [(q["tied_top"], d, 1) for d in pick(2)]
    rows += [(q["all_tied"], d, 1) for d in pick(4)]
    rows += [(q["neg"], d, s) for d, s in zip(pick(3), (-1, 1, 0))]
    for name, n in (("r2", 2), ("r3", 5), ("r4", 8)):
        rows += [(q[name], d, 1) for d in pick(n)]
    return corpus, queries, rows, q


def main():
    global np
    import numpy as np
    import torch, sentence_transformers
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    rng = np.random.default_rng(SEED)
    corpus, queries, qrel_rows, named = make_dataset(rng)
    os.makedirs(OUT_DIR, exist_ok=True)
    write_atomic(os.path.join(OUT_DIR, "corpus.jsonl"),
                 "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus))
    write_atomic(os.path.join(OUT_DIR, "queries.jsonl"),
                 "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in queries))
    write_atomic(os.path.join(OUT_DIR, "qrels.tsv"),
                 "query-id\tcorpus-id\tscore\n" + "".join("%s\t%s\t%d\n" % r for r in qrel_rows))

    # Read the files back the way BEIR's GenericDataLoader does (last line wins; header skipped).
    corpus_docs = {}
    with open(os.path.join(OUT_DIR, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            title = rec.get("title") or ""  # BEIR would fail on a missing/None title; Exemplar reads it as ""
            corpus_docs[rec["_id"]] = (title + " " + rec["text"]).strip()
    query_texts = {}
    with open(os.path.join(OUT_DIR, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            query_texts[rec["_id"]] = rec["text"]
    qrels = {}
    with open(os.path.join(OUT_DIR, "qrels.tsv"), encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL)
        next(reader)
        for row in reader:
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    relevant = {qid: {cid for cid, s in judged.items() if s > 0} for qid, judged in qrels.items()}

    query_ids, corpus_ids = list(query_texts), list(corpus_docs)
    assert len(set(query_texts.values())) == len(query_ids) and len(set(corpus_docs.values())) == len(corpus_ids)
    Q, N = len(query_ids), len(corpus_ids)
    scores = (rng.integers(-16, 17, size=(Q, N)) / 16.0).astype(np.float32)
    qrow = {qid: i for i, qid in enumerate(query_ids)}
    ccol = {cid: j for j, cid in enumerate(corpus_ids)}
    # Lift about half of the relevant documents near the top (onto the same few grid values, so they tie with
    # each other and with random non-relevant documents) so hits land at every rank, not only deep down.
    for qid, docs in sorted(relevant.items()):
        for cid in sorted(docs):
            if cid in ccol and rng.random() < 0.5:
                scores[qrow[qid], ccol[cid]] = rng.choice([1.0, 0.9375, 0.875, 0.8125, 0.75])
    scores[qrow[named["all_tied"]], :] = 0.25
    # The relevant documents tied at the very top with 12 non-relevant ones: their ranks depend on ids alone.
    tied = [ccol[c] for c in relevant[named["tied_top"]]] + list(rng.choice(N, size=12, replace=False))
    scores[qrow[named["tied_top"]], tied] = 1.0

    s_t = torch.from_numpy(scores)
    q_index = {query_texts[qid]: i for i, qid in enumerate(query_ids)}
    c_index = {corpus_docs[cid]: j for j, cid in enumerate(corpus_ids)}

    class Precomputed(InformationRetrievalEvaluator):
        """The evaluator with the score matrix instead of a model: 'embeddings' are row/column numbers."""

        def embed_inputs(self, model, sentences, encode_fn_name=None, **kwargs):
            index = q_index if encode_fn_name == "query" else c_index
            return torch.tensor([[float(index[s])] for s in sentences], dtype=torch.float32)

    def score_fn(q, c):
        return s_t[q[:, 0].long()][:, c[:, 0].long()]

    def evaluate(chunk, out_dir=None):
        ev = Precomputed(queries=query_texts, corpus=corpus_docs, relevant_docs=relevant,
                         score_functions={"precomputed": score_fn}, corpus_chunk_size=chunk,
                         write_predictions=out_dir is not None, write_csv=False)
        result = ev.compute_all_metrics(None, output_path=out_dir)["precomputed"]
        flat = {}
        for family in ("accuracy@k", "precision@k", "recall@k", "ndcg@k", "mrr@k", "map@k"):
            for k, v in result[family].items():
                flat[family.replace("@k", "@%d" % k)] = float(v)
        return ev, flat

    with tempfile.TemporaryDirectory() as tmp:
        ev, metrics = evaluate(50000, tmp)
        rankings = {}
        with open(os.path.join(tmp, "Information-Retrieval_evaluation_predictions_precomputed.jsonl")) as f:
            for line in f:
                p = json.loads(line)
                rankings[p["query_id"]] = [r["corpus_id"] for r in p["results"]]
    _, chunked = evaluate(7)

    doc = {
        "generator": "scripts/reference/retrieval_metrics_fixtures.py",
        "versions": {"sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__,
                     "numpy": np.__version__},
        "seed": SEED,
        "query_ids": query_ids,
        "corpus_ids": corpus_ids,
        "scores_shape": [Q, N],
        "scores_f32_b64": base64.b64encode(np.ascontiguousarray(scores, dtype="<f4").tobytes()).decode("ascii"),
        "document_texts": corpus_docs,
        "relevant": {qid: sorted(v) for qid, v in relevant.items()},
        "evaluated_query_ids": list(ev.queries_ids),
        "rankings": rankings,
        "metrics": metrics,
        "chunked_metrics_equal": chunked == metrics,
    }
    assert doc["chunked_metrics_equal"], (chunked, metrics)
    write_atomic(OUT_JSON, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print("retrieval_metrics_fixtures: %d queries (%d evaluated), %d documents -> %s" % (
        Q, len(ev.queries_ids), N, os.path.relpath(OUT_JSON, REPO)), file=sys.stderr)
    for k, v in metrics.items():
        print("  %-12s %.6f" % (k, v), file=sys.stderr)


if __name__ == "__main__":
    main()
