#!/usr/bin/env python3
"""Writes Tests/Fixtures/safetensors_reference.json: byte-exact files made by the reference libraries, which the
ModelFormats tests compare Exemplar's writers against, plus a few values of the MiniLM checkpoint read with Python.

    python3 -m venv ~/.cache/exemplar-ref/st && ~/.cache/exemplar-ref/st/bin/pip install safetensors numpy
    ~/.cache/exemplar-ref/st/bin/python scripts/reference/safetensors_fixture.py

Inputs are small and fixed, so re-running gives the same file (the safetensors writer orders `__metadata__` keys by a
hash map, hence each case carries at most one metadata key).
"""
import base64
import io
import json
import os
import sys

import numpy as np
import safetensors
from safetensors import _safetensors_rust as st
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "safetensors_reference.json")
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2", "model.safetensors")


def bf16_bits(values):
    """Float32 -> BF16 bits; the fixture only uses values BF16 holds exactly, so truncation is the exact answer."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32)
    assert np.all(bits & 0xFFFF == 0), "fixture BF16 values must be exactly representable"
    return (bits >> 16).astype(np.uint16)


def serialize(tensors, metadata):
    """tensors: list of (name, dtype string for TensorSpec, shape, little-endian numpy array)."""
    keep = []
    specs = {}
    for name, dtype, shape, array in tensors:
        array = np.ascontiguousarray(array)
        keep.append(array)
        specs[name] = st.TensorSpec(dtype=dtype, shape=list(shape), data_ptr=array.ctypes.data, data_len=array.nbytes)
    return st.serialize(specs, metadata)


def safetensors_cases():
    a = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    b = np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.1) - np.float32(0.2)
    upper = np.array([1e-8, -7.5e4, 3.4028235e38, -0.0], dtype=np.float32)
    scalar = np.array(2.5, dtype=np.float32)
    empty = np.zeros((0, 3), dtype=np.float32)
    half_src = np.array([[1.0, -2.5, 0.1], [65504.0, 6e-8, 1.0 / 3.0]], dtype=np.float32)  # 0.1, 6e-8, 1/3 round
    bf_src = np.array([1.0, -0.15625, 0.0078125, -448.0, 3.3895314e38], dtype=np.float32)  # last: 0x7F7F0000
    cases = []
    spec = [
        ("b.weight", "F32", [2, 3], b),
        ("a.bias", "F32", [3], a),
        ("Z.upper", "F32", [4], upper),
        ("scalar", "F32", [], scalar),
        ("empty", "F32", [0, 3], empty),
        ("h.half", "F16", [2, 3], half_src),
        ("g.bf16", "BF16", [5], bf_src),
    ]
    for metadata, label in [({"format": "pt"}, "mixed_with_metadata"),
                            (None, "mixed_no_metadata"),
                            ({"note": "tab\t bs\b ff\f cr\r nl\n q\" sl/ bsl\\ ctl\x01\x1f del\x7f é ∑ 🙂"},
                             "escaped_metadata")]:
        rows = []
        raw = []
        for name, dtype, shape, src in spec:
            if dtype == "F32":
                data, tdtype = src.astype("<f4"), "float32"
            elif dtype == "F16":
                data, tdtype = src.astype("<f2"), "float16"
            else:
                data, tdtype = bf16_bits(src).astype("<u2"), "bfloat16"
            raw.append((name, tdtype, shape, data))
            rows.append({"name": name, "dtype": dtype, "shape": shape,
                         "values": [float(x) for x in src.astype(np.float32).ravel()]})
        blob = serialize(raw, metadata)
        # The reference must read back what it wrote.
        back = st.deserialize(blob)
        assert len(back) == len(spec)
        cases.append({"label": label, "metadata": metadata or {}, "tensors": rows,
                      "base64": base64.b64encode(blob).decode("ascii")})
    return cases


def npy_cases():
    cases = []
    for label, array in [
        ("matrix_3x4", (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 3),
        ("vector_5", np.array([1.5, -2.0, 0.0, 1e-3, 7e5], dtype=np.float32)),
        ("matrix_0x4", np.zeros((0, 4), dtype=np.float32)),
        ("matrix_2x384", np.linspace(-1, 1, 768, dtype=np.float32).reshape(2, 384)),
    ]:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        cases.append({"label": label, "shape": list(array.shape),
                      "values": [float(x) for x in array.ravel()],
                      "base64": base64.b64encode(buffer.getvalue()).decode("ascii")})
    return cases


def minilm():
    if not os.path.exists(MODEL):
        sys.exit(f"missing {MODEL}: run scripts/fetch-models.sh all-MiniLM-L6-v2")
    with open(MODEL, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    tensors = load_file(MODEL)
    picks = {}
    for name in ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                 "embeddings.position_ids", "encoder.layer.0.attention.self.query.weight",
                 "encoder.layer.5.output.LayerNorm.bias", "pooler.dense.weight"]:
        t = tensors[name]
        flat = t.ravel()
        picks[name] = {"dtype": header[name]["dtype"], "shape": list(t.shape),
                       "data_offsets": header[name]["data_offsets"],
                       "first": [float(x) for x in flat[:4]], "last": float(flat[-1]),
                       "sum": float(flat.astype(np.float64).sum())}
    w = tensors["embeddings.word_embeddings.weight"]
    return {"header_length": n, "tensor_count": len(tensors), "metadata": header.get("__metadata__", {}),
            "names_sorted": sorted(tensors), "tensors": picks,
            "word_embeddings_row_101": [float(x) for x in w[101, :8]]}


def main():
    out = {"generator": f"scripts/reference/safetensors_fixture.py (safetensors {safetensors.__version__}, "
                        f"numpy {np.__version__})",
           "safetensors": safetensors_cases(), "npy": npy_cases(), "minilm": minilm()}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
