#!/usr/bin/env python3
"""Writes Tests/Fixtures/bpe_tokenizers.json: what the Python `tokenizers` library (Rust) outputs for the byte-level
BPE tokenizers of SmolLM2-135M-Instruct and Qwen2.5-Coder-0.5B-Instruct, so the Swift `Tokenizers` module can be
checked against it token for token.

Run from the repository root with the peer venv (../shared/peers/encoder/setup.sh; needs transformers and gguf):
    ~/.cache/exemplar-peers/venv/bin/python scripts/reference/bpe_fixtures.py

Needs data/gsm8k (scripts/fetch-data.sh) and models/<name>/ with the GGUF (scripts/fetch-models.sh <name>). The
models ship only as GGUF files, so their tokenizer.json / tokenizer_config.json are made from the GGUF the way the
peer's converted directories get them (export_tokenizer below; done here when models/<name>/tokenizer.json is
missing). transformers loads a tokenizer through its class (tokenizer_config.json's tokenizer_class), which for Qwen2
adds an NFC normalizer the GGUF-built tokenizer.json lacks; the exported tokenizer.json is the pipeline transformers
actually runs, and this script checks that AutoTokenizer and tokenizers.Tokenizer agree on every corpus text.

Per model:
  corpus      every GSM8K train then test line, question then answer, encoded as tokenizer.encode(text) (no special
              tokens are added by these post-processors): count, total/max tokens, SHA-256 over the texts of
              ",".join(ids) + "\\n", and per text the first 8 hex digits of that line's SHA-256 (to locate a mismatch)
  samples     readable encodings of a few GSM8K texts
  edge_cases  hand-picked texts (whitespace runs, contractions, numbers, accents, CJK, emoji and ZWJ sequences, control
              characters, special tokens typed in text, ...): ids, tokens, offsets, masks, decode with/without specials
  decode      decode() of every prefix of a few id sequences (cuts inside a character give U+FFFD), and of raw byte
              tokens forming invalid UTF-8
  unicode     every code point through the pre-tokenizer inside a probe string, SHA-256 per block of 4096
  variants    the same vocabulary with the pipelines of the Hugging Face hub's files (SmolLM2: Digits + ByteLevel,
              ByteLevel post-processor; Qwen2: ByteLevel post-processor) and with offset trimming / prefix space on:
              the JSON of each stage, the corpus hash and edge-case encodings
Shared:
  digits      the code points the Digits pre-tokenizer treats as numeric (ranges)
  toy_models  small BPE tokenizer.json files (byte fallback, unk / fused unk / none, ignore_merges, subword prefix and
              word suffix, "a b" merges, a long word, added tokens with lstrip/rstrip/single_word) and encodings
  normalizers every code point through NFC, NFD, NFKC, NFKD (SHA-256 per block of 4096), and a few multi-scalar texts
              with offsets
"""
import argparse
import hashlib
import json, sys
import os
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer, normalizers
from reference_inputs import FETCH_DATA, FETCH_DECODERS, require

ROOT = Path(__file__).resolve().parents[2]
BLOCK = 4096
MODELS = {
    "SmolLM2-135M-Instruct": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "Qwen2.5-Coder-0.5B-Instruct": "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
}


def export_tokenizer(gguf_path, out):
    """tokenizer.json, tokenizer_config.json and chat_template.jinja for a GGUF model, as scripts/fetch-models.sh
    makes them (scripts/export-gguf-tokenizer.py, run with this interpreter)."""
    import subprocess
    subprocess.run([sys.executable, "scripts/export-gguf-tokenizer.py", str(gguf_path), str(out)], check=True)


def gsm8k_texts(data_dir):
    texts = []
    for split in ["train", "test"]:
        with open(data_dir / "gsm8k" / f"{split}.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    texts += [row["question"], row["answer"]]
    return texts


def line_of(ids):
    return ",".join(str(i) for i in ids) + "\n"


def record(tok, text):
    e = tok.encode(text)
    return {"text": text, "ids": e.ids, "tokens": e.tokens, "type_ids": e.type_ids,
            "offsets": [list(o) for o in e.offsets], "attention_mask": e.attention_mask,
            "special_tokens_mask": e.special_tokens_mask, "decoded": tok.decode(e.ids),
            "decoded_with_special": tok.decode(e.ids, skip_special_tokens=False)}


def layout(value, depth=0):
    """JSON with objects opened up three levels and one record per line, so the file reads and diffs well."""
    compact = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    pad = " " * (depth + 1)
    if isinstance(value, dict) and depth < 3:
        items = [pad + compact(k) + ": " + layout(v, depth + 1) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(pad + compact(v) for v in value) + "\n" + " " * depth + "]"
    return compact(value)


def corpus_section(tok, texts):
    encodings = tok.encode_batch(texts)
    digest = hashlib.sha256()
    per_text = []
    for e in encodings:
        line = line_of(e.ids).encode("utf-8")
        digest.update(line)
        per_text.append(hashlib.sha256(line).hexdigest()[:8])
    lengths = [len(e.ids) for e in encodings]
    return {
        "description": "GSM8K train then test jsonl, each line's question then answer; tokenizer.encode(text), no "
                       "truncation; sha256 over texts of ','.join(ids)+'\\n'",
        "files": ["gsm8k/train.jsonl", "gsm8k/test.jsonl"],
        "count": len(texts),
        "total_tokens": sum(lengths),
        "max_tokens": max(lengths),
        "sha256": digest.hexdigest(),
        "text_sha256_prefixes": per_text,
    }, encodings


EDGE_CASES = [
    "", " ", "   ", "\t", "\n", "\n\n\n", "  \n  \n", " \t \n\r\n x", "a  b   c    d", "trailing spaces   ", "   leading",
    "Hello world", "Hello, world! How's it going?",
    "I'm, you're, he's, we've, they'll, I'd, don't", "IT'S, I'M, WE'LL, YOU'D, THEY'RE", "'s 't 're at the start",
    "x'sy 'll'd''s", "case folds: it'\u017f and 'K (Kelvin) and '\u0130",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m", "e\u0301 combining vs \u00e9 precomposed",
    "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d", "\u212b \u0958 \u1100\u1161\u11a8 a\u0316\u0301 \u00e9\u0301",
    "\u6211\u67093\u4e2a\u82f9\u679c and \u6771\u4eac", "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", "\u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "I \u2764\ufe0f math \U0001f916\U0001f9ee", "\U0001f468\u200d\U0001f469\u200d\U0001f467 family",
    "\U0001f44d\U0001f3fd \U0001f1ef\U0001f1f5\U0001f1fa\U0001f1f8 \U0001f3f3\ufe0f\u200d\U0001f308 \U0001fae0 \U0001fa77",
    "a\u0000b\tc\u0007d\u200be\r\nf", "\u001f\u007f\u0085\u00a0\u2028\u2029\u3000 x\u00a0y",
    "12345678901234567890", "3.14159 1,000,000 -42 1e10 50% 1/2 \u00bd \u00b2 \u2460 \u0663 \u096a",
    "$18 and 0.5 and 007, 2+2=4", "\u216b \u2167 \U0001d7d8 \uff11\uff12",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", "x<|endoftext|>y", "<|im_start|><|im_end|>",
    "<|im_start <|im_end| |im_end|>", "<tool_call>\n{\"name\": \"f\"}\n</tool_call>", "<|fim_prefix|>a<|fim_suffix|>",
    "<repo_name>x<file_sep>", " <|im_end|> spaced ",
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.\n"
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72",
    "def f(x):\n    return x**2  # comment\n\tpass\n", "https://example.com/a?b=c&d=e mail@x.org #tag ##hash",
    "a" * 300, "=" * 100, " " * 50 + "x", "\n" * 20, "1" * 100, "ab" * 150 + " " + "xyz" * 100,
    "\u039f\u0394\u039f\u03a3 \u03c2 Stra\u00dfe \u1e9e \u01c5 \u0130stanbul \u0131", "\uff21\uff22\uff23\uff11\uff12\uff13 \uff76\uff80\uff76\uff85",
    "\u2211x\u00b2 \u2264 \u221a(a+b) \u00b1 \u03c0 \u221e \u2260 \u00f7 \u00d7 \u2212 \u2044 \u2030",
    "\u201cHello,\u201d she said\u2026 \u2018yes\u2019\u2014no \u2013 maybe.",
    "\ue000x \u0378y \U000e0041z \ufffd \U00011f00 \u0c5d \U0001e4d0",
    "bytes missing from a vocabulary: \u0004\u0006\u0013 \U00050000 \U000e0100 end",
]

PREFIX_DECODES = ["h\u00e9llo \U0001f916 \u4e16\u754c \U0001f468\u200d\U0001f469\u200d\U0001f467!",
                  "\u0928\u092e\u0938\u094d\u0924\u0947 \u00e9\u0301"]
# Raw bytes, each as its byte-alphabet token: incomplete, invalid, overlong, surrogate-encoding, truncated then valid.
BYTE_SEQUENCES = [[0xE4, 0xB8], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98], [0xE4, 0x41],
                  [0xF0, 0x9F, 0x98, 0x80, 0xE4, 0xB8, 0x96], [0x80, 0x80, 0x41], [0xF4, 0x90, 0x80, 0x80],
                  [0xE0, 0x80, 0x41], [0xC3], [0xBF], [0xF3, 0xA0, 0x41], [0xE2, 0x82, 0xAC, 0xE2]]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def probe(c):
    """A string putting code point c next to letters, digits, spaces, newlines, an apostrophe and itself, so each
    class test of the split regexes shows in where the pieces end."""
    return "a" + c + "1" + c + "'" + c + " " + c + c + "\n" + c + " x" + c + "\r\n " + c


def unicode_section(tok):
    blocks = []
    for b in range(0x110000 // BLOCK):
        h = hashlib.sha256()
        for cp in range(b * BLOCK, (b + 1) * BLOCK):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            pieces = tok.pre_tokenizer.pre_tokenize_str(probe(chr(cp)))
            h.update(("%X:" % cp + "|".join("%s@%d-%d" % (p, o[0], o[1]) for p, o in pieces) + "\n").encode("utf-8"))
        blocks.append(h.hexdigest()[:16])
    return {
        "description": "pre_tokenizer.pre_tokenize_str(probe(c)) for every code point c (surrogates skipped), probe(c) "
                       "= 'a'+c+'1'+c+\"'\"+c+' '+c+c+'\\n'+c+' x'+c+'\\r\\n '+c; blocks[b]: first 16 hex of sha256 "
                       "over c in [b*4096, (b+1)*4096) of '%X:' + '|'.join(piece+'@'+start+'-'+end) + '\\n'",
        "block_size": BLOCK,
        "blocks": blocks,
    }


def normalizers_section():
    forms = {}
    for name, n in [("NFC", normalizers.NFC()), ("NFD", normalizers.NFD()), ("NFKC", normalizers.NFKC()),
                    ("NFKD", normalizers.NFKD())]:
        blocks = []
        for b in range(0x110000 // BLOCK):
            h = hashlib.sha256()
            for cp in range(b * BLOCK, (b + 1) * BLOCK):
                if 0xD800 <= cp <= 0xDFFF:
                    continue
                out = n.normalize_str(chr(cp))
                h.update(("%X:%s\n" % (cp, " ".join("%X" % ord(x) for x in out))).encode("ascii"))
            blocks.append(h.hexdigest()[:16])
        forms[name] = blocks
    texts = ["e\u0301x abc", "\u0958x", "a\u212bb", "\u1100\u1161\u11a8 \u1100\u1161", "a\u0316\u0301 z",
             "e\u0301\u0301x", "\u00e9\u0301", "\ufb01 \u2460 \u00bd x\u00b2 \uff21", "s\u0323\u0307 \u1e69 \u1e0b\u0323",
             "\u0345\u0301a \u0301", "\u3060\u3099 \u304b\u3099", "\u2126\u212a\u00c5", "\u0f73\u0f75 \u0f71\u0f72",
             "\u01c4 \u2474 \u33c0", "\U0001d15e\U0001d165", "\u0b47\u0b3e \u0bc6\u0bbe \u0dd9\u0dcf"]
    records = []
    for name, n in [("NFC", normalizers.NFC()), ("NFD", normalizers.NFD()), ("NFKC", normalizers.NFKC()),
                    ("NFKD", normalizers.NFKD())]:
        # A tokenizer whose only stage is the normalizer: each normalized scalar becomes one WordLevel-free piece
        # through a pre-tokenizer that isolates every scalar, so offsets show each scalar's alignment.
        from tokenizers import pre_tokenizers
        for t in texts:
            ns = tokenizers.NormalizedString(t)
            n.normalize(ns)
            pts = tokenizers.PreTokenizedString(t)
            pts.normalize(lambda s: n.normalize(s))
            pts.split(lambda i, s: [s[k:k + 1] for k in range(len(str(s)))])
            splits = pts.get_splits()
            records.append({"form": name, "text": t, "normalized": ns.normalized,
                            "alignments": [[o[0], o[1]] for _, o, _ in splits]})
    return {"description": "blocks[form][b]: first 16 hex of sha256 over code points c in [b*4096, (b+1)*4096) "
                           "(surrogates skipped) of '%X:' + normalized scalars as space-separated %X + '\\n'; "
                           "texts: normalized text and each normalized scalar's original (start, end)",
            "block_size": BLOCK, "blocks": forms, "texts": records}


def digits_section():
    """Which code points the Digits pre-tokenizer isolates ('a'+c+'a' gives 3 pieces), as inclusive ranges."""
    from tokenizers import pre_tokenizers
    digits = pre_tokenizers.Digits(individual_digits=True)
    numeric = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if len(digits.pre_tokenize_str("a" + chr(cp) + "a")) == 3:
            if numeric and numeric[-1][1] == cp - 1:
                numeric[-1][1] = cp
            else:
                numeric.append([cp, cp])
    return {"description": "code points c for which Digits(individual_digits=True) splits 'a'+c+'a' into 3 pieces",
            "numeric_ranges": numeric}


def toy_models_section():
    """Small BPE tokenizers built here to exercise what the two real files leave unused: byte fallback, unknown
    tokens (fused or not), ignore_merges, continuing-subword prefix and end-of-word suffix, merges as "a b" strings,
    a word long enough for the priority-queue merge path, and added tokens with lstrip/rstrip/single_word."""
    from tokenizers import AddedToken, models, pre_tokenizers, decoders
    letters = "abcdefgh"
    vocab = {"<unk>": 0}
    for c in letters + " ":
        vocab[c] = len(vocab)
    merges = [("a", "b"), ("ab", "c"), ("d", "e"), ("c", "d"), ("ab", "ab"), ("e", "f"), ("abab", "abab"), ("g", "h"),
              ("gh", "gh"), ("f", "g")]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    fallback_vocab = dict(vocab)
    for b in range(256):
        fallback_vocab.setdefault("<0x%02X>" % b, len(fallback_vocab))
    specs = {
        "unk": models.BPE(vocab=vocab, merges=merges, unk_token="<unk>"),
        "unk_fused": models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True),
        "no_unk": models.BPE(vocab=vocab, merges=merges),
        "byte_fallback": models.BPE(vocab=fallback_vocab, merges=merges, unk_token="<unk>", byte_fallback=True),
        "ignore_merges": models.BPE(vocab=dict(vocab, **{"abcd": len(vocab)}), merges=merges, ignore_merges=True),
    }
    sub_vocab = {"<unk>": 0, "a": 1, "##b": 2, "##c": 3, "ab": 4, "abc": 5, "c</w>": 6, "##c</w>": 7, "abc</w>": 8,
                 "b": 9, "##a": 10}
    specs["prefix_suffix"] = models.BPE(vocab=sub_vocab, merges=[("a", "##b"), ("ab", "##c</w>")], unk_token="<unk>",
                                        continuing_subword_prefix="##", end_of_word_suffix="</w>")
    texts = ["abc", "abcde", "xyz", "axxb", "abxxxcd zz", "abcabcabcd", "ab" * 40 + "cd" * 30 + "gh" * 20,
             "é€abz", "fghgh efg", "abcd", "", "a b", "aé"]
    out = []
    for name, model in specs.items():
        tok = Tokenizer(model)
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit() if name == "prefix_suffix" else pre_tokenizers.Split(" ", "isolated")
        if name == "prefix_suffix":
            tok.pre_tokenizer = pre_tokenizers.Split(" ", "removed")
        if name == "unk":
            tok.add_tokens([AddedToken("gh", single_word=True), AddedToken(" ab", lstrip=True, rstrip=True)])
            tok.add_special_tokens([AddedToken("[X]", rstrip=True)])
        spec = json.loads(tok.to_str())
        if name == "no_unk":
            # The old merges format, one "left right" string per merge.
            spec["model"]["merges"] = [" ".join(m) for m in spec["model"]["merges"]]
            tok = Tokenizer.from_str(json.dumps(spec))
        out.append({"name": name, "tokenizer_json": json.dumps(spec, ensure_ascii=False),
                    "cases": [record(tok, t) for t in texts + ["gh ab gh[X]  ab  x gh", "ghgh  [X]ab"]]})
    return out


def variant_pipelines(name):
    """Stage JSON for pipelines as the hub's files write them, and with the ByteLevel options switched on."""
    if name.startswith("SmolLM2"):
        return {
            "hub": {"normalizer": None,
                    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                        {"type": "Digits", "individual_digits": True},
                        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
                    "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                                       "use_regex": True},
                    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}},
            "prefix_space_trimmed": {"normalizer": None,
                                     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True,
                                                       "trim_offsets": True, "use_regex": True},
                                     "post_processor": {"type": "ByteLevel", "add_prefix_space": True,
                                                        "trim_offsets": True, "use_regex": True},
                                     "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                                                 "use_regex": True}},
        }
    split = {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                                                   "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
             "behavior": "Isolated", "invert": False}
    return {
        "hub": {"normalizer": {"type": "NFC"},
                "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                    split, {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
                "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                                   "use_regex": False},
                "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}},
        "trimmed_offsets": {"normalizer": {"type": "NFC"},
                            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                                split, {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                        "use_regex": False}]},
                            "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                               "use_regex": False},
                            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                        "use_regex": False}},
        "split_behaviors": {"normalizer": {"type": "NFKC"},
                            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                                {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext",
                                 "invert": False},
                                {"type": "Split", "pattern": {"Regex": "\\p{N}+"}, "behavior": "Contiguous",
                                 "invert": True},
                                {"type": "Split", "pattern": {"Regex": "[,.]"}, "behavior": "MergedWithPrevious",
                                 "invert": False},
                                {"type": "Split", "pattern": {"String": "--"}, "behavior": "Removed", "invert": False},
                                {"type": "Digits", "individual_digits": False},
                                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                 "use_regex": False}]},
                            "post_processor": None,
                            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                                        "use_regex": False}},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=ROOT / "models")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "bpe_tokenizers.json")
    args = ap.parse_args()
    from transformers import AutoTokenizer

    for split in ["train", "test"]:
        require(args.data / "gsm8k" / f"{split}.jsonl", FETCH_DATA)
    for name, gguf in MODELS.items():
        if not (args.models / name / "tokenizer.json").exists():
            require(args.models / name / gguf, FETCH_DECODERS)
    texts = gsm8k_texts(args.data)
    alphabet = bytes_to_unicode()
    fixture = {"generator": "scripts/reference/bpe_fixtures.py", "tokenizers_version": tokenizers.__version__,
               "models": {}}
    for name, gguf in MODELS.items():
        model_dir = args.models / name
        if not (model_dir / "tokenizer.json").exists():
            print(f"exporting the tokenizer of {model_dir / gguf} into {model_dir}")
            export_tokenizer(str(model_dir / gguf), str(model_dir))
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()

        corpus, encodings = corpus_section(tok, texts)
        auto = AutoTokenizer.from_pretrained(str(model_dir))
        auto_ids = auto(texts, add_special_tokens=True)["input_ids"]
        mismatches = [i for i, e in enumerate(encodings) if e.ids != auto_ids[i]]
        assert not mismatches, f"{name}: AutoTokenizer and tokenizer.json differ on texts {mismatches[:5]}"
        lengths = [len(e.ids) for e in encodings]
        picks = [0, 1, 14946, 14947, max(range(len(texts)), key=lambda i: lengths[i])]
        samples = [dict(index=i, **record(tok, texts[i])) for i in picks]
        edge_cases = [record(tok, t) for t in EDGE_CASES]

        decode = {"prefixes": [], "bytes": []}
        for t in PREFIX_DECODES:
            ids = tok.encode(t).ids
            decode["prefixes"].append({"text": t, "ids": ids,
                                       "decoded": [tok.decode(ids[:k]) for k in range(len(ids) + 1)]})
        for seq in BYTE_SEQUENCES:
            ids = [tok.token_to_id(alphabet[b]) for b in seq]
            if None in ids:
                continue  # SmolLM2's vocabulary lacks some bytes (0x04, 0xC0, 0xF1, 0xFF, ...)
            decode["bytes"].append({"bytes": seq, "ids": ids, "decoded": tok.decode(ids)})

        variants = {}
        base = json.loads(tok.to_str())
        for vname, stages in variant_pipelines(name).items():
            spec = dict(base)
            spec.update(stages)
            vtok = Tokenizer.from_str(json.dumps(spec))
            vcorpus, _ = corpus_section(vtok, texts)
            del vcorpus["text_sha256_prefixes"]
            variants[vname] = {"stages": stages, "corpus": vcorpus,
                               "edge_cases": [record(vtok, t) for t in EDGE_CASES]}

        fixture["models"][name] = {
            "tokenizer_json_sha256": hashlib.sha256((model_dir / "tokenizer.json").read_bytes()).hexdigest(),
            "vocab_size": tok.get_vocab_size(with_added_tokens=True),
            "special_ids": {t: tok.token_to_id(t) for t in ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]},
            "corpus": corpus,
            "samples": samples,
            "edge_cases": edge_cases,
            "decode": decode,
            "unicode": unicode_section(tok),
            "variants": variants,
        }
        print(f"{name}: {len(texts)} corpus texts, {sum(lengths)} tokens, {len(edge_cases)} edge cases")
    fixture["normalizers"] = normalizers_section()
    fixture["digits"] = digits_section()
    fixture["toy_models"] = toy_models_section()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(layout(fixture) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
