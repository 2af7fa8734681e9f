#!/usr/bin/env python3
"""Writes Tests/Fixtures/gguf_reference.json: what gguf-py (the reference reader and dequantiser of llama.cpp's
GGUF format) and transformers' GGUF loader make of the two proxy GGUF files and of a small synthetic file, for the
ModelFormats GGUF tests to match bit for bit.

    python3 -m venv ~/.cache/exemplar-ref/gguf
    ~/.cache/exemplar-ref/gguf/bin/pip install gguf numpy transformers   # transformers: its q/k un-permutation
    ~/.cache/exemplar-ref/gguf/bin/python scripts/reference/gguf_fixtures.py

(or through scripts/gen-fixtures.sh with the peer venv, which has all three). Runs from the repository root with no
arguments; needs `scripts/fetch-models.sh SmolLM2-135M-Instruct Qwen2.5-Coder-0.5B-Instruct`. Takes about a minute
(it dequantises every tensor of both files). Deterministic: re-running gives the same file.

Contents (floats are base64 of little-endian float32; `sha256` is of a tensor's or row's dequantised float32 bytes
in row-major order):
- `type_sizes`: gguf-py's GGML_QUANT_SIZES, to check Exemplar's table of every ggml type.
- `files[]`: per model file: header counts, alignment, data offset, every metadata key in file order (type, scalar
  value or array element type, length and first/last elements), every tensor info (name, type, ne, relative
  offset), the SHA-256 of every dequantised tensor (`stride`, `sha256`: of rows 0, stride, 2·stride, …; stride 1
  except for the >32M-element embedding/output matrices, hashed every 64th row), sampled rows (first, middle, last: the first 256 values and the
  whole row's SHA-256) of two tensors per type, and for one tensor per type the float64 sum and sum of squares.
- `synthetic`: a GGUF file written by gguf-py's GGUFWriter (base64) with one metadata key of every value type
  (nested and string arrays included), `general.alignment` 64, and random-bit tensors of every type Exemplar
  dequantises (block scales kept finite; F16/BF16 fully random, NaNs included) plus a few it does not; with each
  tensor's dequantised values.
- `permutation`: transformers' `LlamaTensorProcessor` (what `from_pretrained(gguf_file=)` runs) applied to
  SmolLM2's attn_q/attn_k weights and to row-index columns, i.e. which stored row each Hugging Face row comes from.
"""
import base64
import hashlib
import json
import os
import sys
import tempfile
from importlib.metadata import version

import numpy as np

try:
    import gguf
    from gguf import GGMLQuantizationType as Q
    from gguf import GGUFReader, GGUFValueType as V, GGUFWriter
    from gguf.quants import dequantize
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor
    import transformers
except ImportError as error:
    sys.exit(f"gguf_fixtures.py: {error}; install gguf, numpy and transformers (see the docstring)")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gguf_reference.json")
MODELS = [
    ("SmolLM2-135M-Instruct", "models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf",
     {"Q4_1": ["blk.0.attn_q.weight", "blk.29.ffn_down.weight"],
      "Q8_0": ["token_embd.weight"],
      "F32": ["blk.0.attn_norm.weight", "output_norm.weight"]}),
    ("Qwen2.5-Coder-0.5B-Instruct", "models/Qwen2.5-Coder-0.5B-Instruct/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
     {"Q5_0": ["token_embd.weight", "blk.0.attn_q.weight"],
      "Q8_0": ["output.weight", "blk.0.attn_v.weight"],
      "Q6_K": ["blk.0.ffn_down.weight", "blk.21.ffn_down.weight"],
      "Q4_K": ["blk.11.ffn_down.weight", "blk.23.ffn_down.weight"],
      "F32": ["blk.0.attn_q.bias", "output_norm.weight"]}),
]
PREFIX = 256          # values stored per sampled row
WHOLE_LIMIT = 4 << 20  # the whole-tensor sums use the largest tensor of a type up to this many elements
SEED = 20250607
# Every tensor is hashed whole, except the few above STRIDE_ABOVE elements (the 151936-row embedding and output
# matrices): of those every ROW_STRIDE-th row, so the Swift test need not hash 2.5 GB at SHA-256 speed.
STRIDE_ABOVE = 32 << 20
ROW_STRIDE = 64


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def sha256(array):
    return hashlib.sha256(np.ascontiguousarray(array, dtype="<f4").tobytes()).hexdigest()


def dequantised(tensor):
    """gguf-py's dequantisation, row-major with the PyTorch shape (reversed ne)."""
    values = dequantize(tensor.data, tensor.tensor_type)
    return np.asarray(values, dtype=np.float32).reshape(tuple(reversed([int(d) for d in tensor.shape])))


def rows_of(values):
    return values.reshape(-1, values.shape[-1]) if values.ndim > 0 else values.reshape(1, 1)


def text(part):
    return bytes(part).decode("utf-8")


def describe_field(field):
    """One metadata key the way the Swift reader reports it."""
    kind = field.types[0]
    entry = {"key": field.name, "type": kind.name}
    if kind == V.ARRAY:
        element = field.types[1] if len(field.types) > 1 else None
        count = int(field.parts[4][0]) if len(field.parts) > 4 else 0
        entry["element_type"] = element.name if element is not None else None
        entry["count"] = count
        if element == V.STRING:
            items = [text(field.parts[i]) for i in field.data]
            entry["head"], entry["tail"] = items[:5], items[-3:]
            longest = max(range(len(items)), key=lambda i: (len(items[i].encode("utf-8")), -i))
            entry["longest"] = {"index": longest, "value": items[longest]}
            entry["utf8_bytes"] = sum(len(s.encode("utf-8")) for s in items)
        elif element is not None and element != V.ARRAY:
            items = [field.parts[i][0].item() for i in field.data]
            entry["head"], entry["tail"] = items[:5], items[-3:]
            entry["sum"] = float(np.sum(np.asarray(items, dtype=np.float64)))
    elif kind == V.STRING:
        entry["value"] = text(field.parts[field.data[0]])
    else:
        value = field.parts[field.data[0]][0]
        entry["value"] = bool(value) if kind == V.BOOL else value.item()
    return entry


def model_entry(label, relative, sample_names):
    path = os.path.join(ROOT, relative)
    if not os.path.exists(path):
        sys.exit(f"gguf_fixtures.py: {relative} is missing: run scripts/fetch-models.sh {label}")
    with open(path, "rb") as handle:
        file_sha = hashlib.file_digest(handle, "sha256").hexdigest()
    reader = GGUFReader(path)
    fields = [f for name, f in reader.fields.items() if not name.startswith("GGUF.")]
    # The whole-tensor sums: per type, the largest tensor up to WHOLE_LIMIT elements (else the smallest one).
    sizes = {}
    for tensor in reader.tensors:
        sizes.setdefault(tensor.tensor_type.name, []).append((int(tensor.n_elements), tensor.name))
    whole_names = {}
    for kind, entries in sizes.items():
        small = [e for e in entries if e[0] <= WHOLE_LIMIT]
        whole_names[max(small)[1] if small else min(entries)[1]] = kind
    infos, digests, counts, samples, whole = [], {}, {}, [], []
    for tensor in reader.tensors:
        kind = tensor.tensor_type.name
        counts[kind] = counts.get(kind, 0) + 1
        infos.append([tensor.name, kind, [int(d) for d in tensor.shape], int(tensor.data_offset - reader.data_offset)])
        values = dequantised(tensor)
        stride = 1 if values.size <= STRIDE_ABOVE else ROW_STRIDE
        digests[tensor.name] = {"stride": stride, "sha256": sha256(rows_of(values)[::stride])}
        if tensor.name in whole_names:
            v64 = values.astype(np.float64)
            whole.append({"name": tensor.name, "type": kind, "elements": int(values.size), "sha256": sha256(values),
                          "sum": float(np.sum(v64)), "sum_squares": float(np.sum(v64 * v64))})
        if tensor.name in sample_names.get(kind, []):
            rows = rows_of(values)
            picks = sorted({0, rows.shape[0] // 2, rows.shape[0] - 1})
            samples.append({
                "name": tensor.name, "type": kind,
                "rows": [{"index": r, "prefix": b64(rows[r, :PREFIX]), "sha256": sha256(rows[r])} for r in picks],
            })
        del values
    missing = {n for names in sample_names.values() for n in names} - {s["name"] for s in samples}
    assert not missing, f"sample tensors not in {relative}: {missing}"
    return {
        "label": label, "path": relative, "file_sha256": file_sha,
        "version": int(reader.fields["GGUF.version"].parts[0][0]),
        "tensor_count": len(reader.tensors), "kv_count": len(fields),
        "alignment": int(reader.alignment), "data_offset": int(reader.data_offset),
        "metadata": [describe_field(f) for f in fields],
        "type_counts": counts,
        "tensor_infos": infos,
        "tensor_sha256": digests,
        "samples": samples,
        "whole": whole,
    }


# --- synthetic file -------------------------------------------------------------------------------------------

# Byte offsets of the f16 scale fields in one block of each quantised type (ggml-common.h); random bits there
# could be Inf/NaN, whose products are not what a real file holds, so they get finite random halves instead.
HALF_FIELDS = {Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
               Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208], Q.Q2_K: [80, 82]}


def random_blocks(rng, qtype, rows, row_length):
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rows * row_length // block
    raw = rng.integers(0, 256, size=(blocks, size), dtype=np.uint8)
    for offset in HALF_FIELDS.get(qtype, []):
        halves = (rng.standard_normal(blocks) * 0.02).astype(np.float16)
        halves[0] = 0.0                               # a zero scale
        halves[1 % blocks] = np.uint16(3).view(np.float16)  # a subnormal scale
        halves[2 % blocks] = -1000.0                  # a large negative one
        raw[:, offset:offset + 2] = halves.view(np.uint8).reshape(blocks, 2)
    return raw.reshape(rows, row_length // block * size)


def synthetic(directory):
    rng = np.random.default_rng(SEED)
    path = os.path.join(directory, "synthetic.gguf")
    writer = GGUFWriter(path, arch="synthetic")
    writer.add_custom_alignment(64)
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_uint32("test.u32", 4000000000)
    writer.add_int32("test.i32", -2000000000)
    writer.add_float32("test.f32", 0.1)
    writer.add_uint64("test.u64", 18000000000000000000)
    writer.add_int64("test.i64", -9000000000000000000)
    writer.add_float64("test.f64", -2.5e-300)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo, 世界 🙂")
    writer.add_key_value("test.empty", "", V.STRING)  # add_string skips empty strings
    writer.add_array("test.strings", ["a", "", "Ġthe", "日本語", "🙂x"])
    writer.add_array("test.ints", [3, -1, 2147483647])
    writer.add_key_value("test.u8s", [1, 2, 255], V.ARRAY, sub_type=V.UINT8)
    writer.add_key_value("test.f64s", [0.5, -1e300], V.ARRAY, sub_type=V.FLOAT64)
    writer.add_array("test.floats", [1.5, -0.25])
    writer.add_array("test.bools", [True, False, True])
    writer.add_array("test.nested", [[1, 2], [3], [4, 5, 6]])

    tensors = []
    row_length, rows = 256, 2
    for qtype in [Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.Q4_K, Q.Q5_K, Q.Q6_K]:
        raw = random_blocks(rng, qtype, rows, row_length)
        tensors.append((f"q.{qtype.name.lower()}", raw, qtype))
    f16 = rng.integers(0, 1 << 16, size=(rows, row_length), dtype=np.uint16)
    f16[0, :8] = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x0001, 0x83FF, 0x7E00, 0x7C01]  # ±0, ±Inf, subnormals, NaNs
    tensors.append(("q.f16", f16.view(np.uint8).reshape(rows, -1), Q.F16))
    bf16 = rng.integers(0, 1 << 16, size=(rows, row_length), dtype=np.uint16)
    tensors.append(("q.bf16", bf16.view(np.uint8).reshape(rows, -1), Q.BF16))
    f32 = rng.standard_normal((4, 3, 2)).astype(np.float32)  # 3-D: ne = [2, 3, 4]
    tensors.append(("q.f32", f32, None))
    tensors.append(("q.empty", np.zeros((0, 32), dtype=np.float32), None))
    tensors.append(("raw.i32", np.array([[1, -2], [3, 2147483647]], dtype=np.int32), None))
    tensors.append(("raw.q2_k", random_blocks(rng, Q.Q2_K, 1, 256), Q.Q2_K))
    for name, array, qtype in tensors:
        if qtype is None:
            writer.add_tensor(name, array)
        else:
            writer.add_tensor(name, array, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    reader = GGUFReader(path)
    out = []
    for tensor in reader.tensors:
        entry = {"name": tensor.name, "type": tensor.tensor_type.name, "ne": [int(d) for d in tensor.shape],
                 "offset": int(tensor.data_offset - reader.data_offset)}
        if tensor.name.startswith("q."):
            values = dequantised(tensor)
            entry["values"] = b64(values)
            entry["sha256"] = sha256(values)
        out.append(entry)
    with open(path, "rb") as handle:
        data = handle.read()
    return {"gguf": base64.b64encode(data).decode("ascii"), "alignment": int(reader.alignment),
            "data_offset": int(reader.data_offset), "tensors": out,
            "metadata": [describe_field(f) for name, f in reader.fields.items() if not name.startswith("GGUF.")]}


# --- llama q/k permutation ------------------------------------------------------------------------------------

def permutation(smollm_path):
    reader = GGUFReader(os.path.join(ROOT, smollm_path))
    meta = {name: reader.fields[name].parts[-1][0].item()
            for name in ["llama.attention.head_count", "llama.attention.head_count_kv"]}
    heads, kv_heads = meta["llama.attention.head_count"], meta["llama.attention.head_count_kv"]
    processor = LlamaTensorProcessor(config={"num_attention_heads": heads, "num_key_value_heads": kv_heads})
    tensors = []
    for tensor in reader.tensors:
        if tensor.name not in ("blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.29.attn_k.weight"):
            continue
        stored = dequantised(tensor)
        hf = processor.process(stored, tensor.name).weights
        tensors.append({"name": tensor.name, "rows": int(stored.shape[0]), "sha256": sha256(hf),
                        "first_rows": b64(hf[:3, :PREFIX])})
    # Row-index columns through the same code: entry r of the result is the stored row Hugging Face row r comes from.
    orders = []
    for name, n_head, n_head_kv, rows in [("blk.0.attn_q.weight", heads, kv_heads, 576),
                                          ("blk.0.attn_k.weight", heads, kv_heads, 192),
                                          ("blk.0.attn_q.weight", 2, 2, 8),
                                          ("blk.0.attn_k.weight", 4, 2, 12)]:
        config = {"num_attention_heads": n_head, "num_key_value_heads": n_head_kv}
        index = np.arange(rows, dtype=np.float32).reshape(rows, 1)
        hf = LlamaTensorProcessor(config=config).process(index, name).weights
        orders.append({"tensor": name, "head_count": n_head, "head_count_kv": n_head_kv, "rows": rows,
                       "stored_row_of_model_row": [int(v) for v in hf.ravel()]})
    return {"file": smollm_path, "head_count": heads, "head_count_kv": kv_heads, "tensors": tensors,
            "row_orders": orders}


def main():
    fixture = {
        "generator": {"gguf": version("gguf"), "numpy": np.__version__, "transformers": transformers.__version__},
        "type_sizes": {t.name: [int(t.value), b, s] for t, (b, s) in gguf.GGML_QUANT_SIZES.items()},
        "files": [model_entry(*m) for m in MODELS],
    }
    with tempfile.TemporaryDirectory() as directory:
        fixture["synthetic"] = synthetic(directory)
    fixture["permutation"] = permutation(MODELS[0][1])
    text_out = json.dumps(fixture, indent=1, ensure_ascii=False) + "\n"
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write(text_out)
    print(f"gguf_fixtures.py: wrote {os.path.relpath(OUT, ROOT)} ({len(text_out.encode('utf-8'))} bytes)")


if __name__ == "__main__":
    main()
