"""Reference embeddings of all-MiniLM-L6-v2 for the Swift encoder tests.

Writes Tests/Fixtures/minilm_embeddings.json: the sentence-transformers embeddings of 200 GSM8K texts
(model.encode, batch 64, max_seq_length 256, mean pooling, L2-normalised) plus layer-by-layer hidden states of
text 0, so the Swift BertModel can be checked end to end and a mismatch located layer by layer.

Run (from anywhere; default paths are relative to the repository root):

    scripts/gen-fixtures.sh                      # runs every generator in scripts/reference/
    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/encoder_fixtures.py \
        [--model models/all-MiniLM-L6-v2] [--data data/gsm8k] [--out Tests/Fixtures/minilm_embeddings.json]

Python environment: the peer venv built by ../shared/peers/encoder/setup.sh (~/.cache/exemplar-peers/venv: CPU
torch 2.13, transformers 5.23, sentence-transformers 6.2.0). Model: scripts/fetch-models.sh all-MiniLM-L6-v2;
data: scripts/fetch-data.sh. The script refuses a model.safetensors whose SHA-256 is not the pinned one.

JSON layout (float32 arrays are base64 of little-endian row-major float32; shapes given alongside):
  model, model_path, sha256, versions{torch, transformers, sentence_transformers, tokenizers, numpy},
  torch_num_threads, attn_implementation, max_seq_length (256), dim (384), encode{...the encode() arguments},
  texts[200], kinds[200] ("test_question" | "test_answer" | "train_answer_long"), source_line[200] (0-based line
  in test.jsonl / train.jsonl), num_tokens[200] (untruncated, incl. [CLS] and [SEP]),
  embeddings_f32_b64 ([200, 384], normalised), embeddings_head ([200][8], the first 8 values of each row),
  debug{text_index 0, input_ids [T], token_type_ids (all 0), hidden_states_f32_b64 [7] (embeddings output, then
        layers 1..6, each [T, 384]), mean_pooled_f32_b64 [384] (before normalisation),
        max_abs_diff_vs_encode (normalised mean_pooled vs embeddings row 0)},
  padding_check{text_indices [3], num_tokens, batched_f32_b64 / single_f32_b64 ([3, 384]: one padded batch of 3
        vs one text per call), max_abs_diff (per text), max_abs_diff_all}  -- information only.

After writing, the script reads the file back, decodes the base64 and checks it is bit-identical to a fresh
model.encode of the same texts (skip with --no-verify).
"""
import argparse, base64, hashlib, json, os, sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_SEQ_LENGTH = 256
DIM = 384
BATCH_SIZE = 64
THREADS = 2  # the machine's core count; fixed so that reruns are bit-reproducible
N_TEST_QUESTIONS, N_TEST_ANSWERS, N_TRAIN_LONG = 100, 50, 50
HEAD = 8


def repo_path(p):
    return p if os.path.isabs(p) else os.path.join(REPO, p)


def rel(p):
    r = os.path.relpath(os.path.abspath(p), REPO)
    return p if r.startswith("..") else r


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def b64(a):
    import numpy as np
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def unb64(s, shape):
    import numpy as np
    return np.frombuffer(base64.b64decode(s), dtype="<f4").reshape(shape)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/all-MiniLM-L6-v2", help="HF/sentence-transformers model directory")
    ap.add_argument("--data", default="data/gsm8k", help="directory with GSM8K test.jsonl and train.jsonl")
    ap.add_argument("--out", default="Tests/Fixtures/minilm_embeddings.json")
    ap.add_argument("--no-verify", action="store_true", help="skip the read-back check against a fresh encode")
    args = ap.parse_args()
    model_dir, data_dir, out = repo_path(args.model), repo_path(args.data), repo_path(args.out)

    st_file = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(st_file):
        sys.exit(f"encoder_fixtures: no {st_file}; run scripts/fetch-models.sh all-MiniLM-L6-v2 or pass --model")
    for name in ("test.jsonl", "train.jsonl"):
        if not os.path.isfile(os.path.join(data_dir, name)):
            sys.exit(f"encoder_fixtures: no {data_dir}/{name}; run scripts/fetch-data.sh or pass --data")
    digest = sha256(st_file)
    if digest != MODEL_SHA256:
        sys.exit(f"encoder_fixtures: {st_file} has SHA-256 {digest}, expected {MODEL_SHA256}")

    import numpy as np, torch, transformers, tokenizers, sentence_transformers
    from sentence_transformers import SentenceTransformer
    transformers.logging.set_verbosity_error()  # no "sequence longer than max length" noise when counting tokens
    torch.set_num_threads(THREADS)

    model = SentenceTransformer(model_dir, device="cpu")
    model.max_seq_length = MAX_SEQ_LENGTH
    model.eval()
    bert = model[0].auto_model
    tok = model.tokenizer

    def count_tokens(texts):
        return [len(ids) for ids in tok(texts, add_special_tokens=True, truncation=False)["input_ids"]]

    test, train = jsonl(os.path.join(data_dir, "test.jsonl")), jsonl(os.path.join(data_dir, "train.jsonl"))
    texts, kinds, lines = [], [], []
    for i in range(N_TEST_QUESTIONS):
        texts.append(test[i]["question"]); kinds.append("test_question"); lines.append(i)
    for i in range(N_TEST_ANSWERS):
        texts.append(test[i]["answer"]); kinds.append("test_answer"); lines.append(i)
    train_tokens = count_tokens([r["answer"] for r in train])
    # The longest train answers, longest first (ties: earlier line first).
    for i in sorted(range(len(train)), key=lambda i: (-train_tokens[i], i))[:N_TRAIN_LONG]:
        texts.append(train[i]["answer"]); kinds.append("train_answer_long"); lines.append(i)
    num_tokens = count_tokens(texts)

    encode_kwargs = dict(batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)

    def encode(ts, **over):
        kw = dict(encode_kwargs, **over)
        return np.asarray(model.encode(ts, show_progress_bar=False, **kw), dtype=np.float32)

    emb = encode(texts)
    assert emb.shape == (len(texts), DIM), emb.shape

    # Layer-by-layer reference for text 0 alone (no padding), through the same BertModel instance.
    enc = tok(texts[0], add_special_tokens=True, truncation=True, max_length=MAX_SEQ_LENGTH, return_tensors="pt")
    with torch.inference_mode():
        o = bert(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                 token_type_ids=enc["token_type_ids"], output_hidden_states=True)
    hs = [h[0].float().numpy() for h in o.hidden_states]
    assert len(hs) == 1 + bert.config.num_hidden_layers
    with torch.inference_mode():  # sentence-transformers' own Pooling module (mean over the attention mask)
        pooled = model[1]({"token_embeddings": o.last_hidden_state, "attention_mask": enc["attention_mask"]})
    mean_pooled = pooled["sentence_embedding"][0].float().numpy()
    debug_norm = mean_pooled / np.linalg.norm(mean_pooled)
    debug = {
        "text_index": 0,
        "input_ids": enc["input_ids"][0].tolist(),
        "token_type_ids": enc["token_type_ids"][0].tolist(),
        "hidden_states_shape": [len(hs), len(hs[0]), DIM],
        "hidden_states_f32_b64": [b64(h) for h in hs],
        "mean_pooled_f32_b64": b64(mean_pooled),
        "max_abs_diff_vs_encode": float(np.abs(debug_norm - emb[0]).max()),
    }

    # Padded batch vs one by one: a short question, a mid-length answer, a long answer (truncated to 256).
    pc_idx = [0, N_TEST_QUESTIONS, N_TEST_QUESTIONS + N_TEST_ANSWERS]
    pc_texts = [texts[i] for i in pc_idx]
    batched = encode(pc_texts, batch_size=len(pc_texts))
    single = np.concatenate([encode([t], batch_size=1) for t in pc_texts])
    pc_diff = np.abs(batched - single).max(axis=1)
    padding_check = {
        "text_indices": pc_idx,
        "num_tokens": [num_tokens[i] for i in pc_idx],
        "batched_f32_b64": b64(batched),
        "single_f32_b64": b64(single),
        "max_abs_diff": [float(d) for d in pc_diff],
        "max_abs_diff_all": float(pc_diff.max()),
    }

    doc = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "model_path": rel(model_dir),
        "sha256": digest,
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "numpy": np.__version__,
        },
        "torch_num_threads": THREADS,
        "attn_implementation": bert.config._attn_implementation,
        "max_seq_length": MAX_SEQ_LENGTH,
        "dim": DIM,
        "encode": dict(encode_kwargs, device="cpu", max_seq_length=MAX_SEQ_LENGTH),
        "texts": texts,
        "kinds": kinds,
        "source_line": lines,
        "num_tokens": num_tokens,
        "embeddings_shape": list(emb.shape),
        "embeddings_f32_b64": b64(emb),
        "embeddings_head": [[float(x) for x in row[:HEAD]] for row in emb],
        "debug": debug,
        "padding_check": padding_check,
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)

    long_tok = [n for n, k in zip(num_tokens, kinds) if k == "train_answer_long"]
    print(f"encoder_fixtures: wrote {rel(out)} ({os.path.getsize(out)} bytes): {len(texts)} texts, "
          f"long train answers {min(long_tok)}..{max(long_tok)} tokens, debug T={len(debug['input_ids'])}, "
          f"debug vs encode {debug['max_abs_diff_vs_encode']:.3g}, padding check {padding_check['max_abs_diff_all']:.3g}")

    if not args.no_verify:
        with open(out, encoding="utf-8") as f:
            back = json.load(f)
        stored = unb64(back["embeddings_f32_b64"], back["embeddings_shape"])
        fresh = encode(back["texts"])
        if not np.array_equal(stored, fresh):
            sys.exit(f"encoder_fixtures: read-back differs from a fresh encode (max {np.abs(stored - fresh).max():.3g})")
        head = np.asarray(back["embeddings_head"], dtype=np.float32)
        assert np.array_equal(head, stored[:, :HEAD]), "embeddings_head does not match embeddings_f32_b64"
        for h, ref in zip(back["debug"]["hidden_states_f32_b64"], hs):
            assert np.array_equal(unb64(h, ref.shape), ref)
        print("encoder_fixtures: read-back OK (bit-identical to a fresh encode)")


if __name__ == "__main__":
    main()
