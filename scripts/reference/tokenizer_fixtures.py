#!/usr/bin/env python3
"""Writes Tests/Fixtures/minilm_tokenizer.json: what the Python `tokenizers` library (Rust) outputs for the
all-MiniLM-L6-v2 tokenizer, so the Swift `Tokenizers` module can be checked against it token for token.

Setup (a venv outside the repo):
    python3 -m venv ~/.cache/exemplar-ref/tok && ~/.cache/exemplar-ref/tok/bin/pip install tokenizers
    ~/.cache/exemplar-ref/tok/bin/python scripts/reference/tokenizer_fixtures.py

Needs models/all-MiniLM-L6-v2 (scripts/fetch-models.sh all-MiniLM-L6-v2) and data/gsm8k (scripts/fetch-data.sh).

Sections:
  corpus       every GSM8K train then test line, question then answer, encoded with [CLS]/[SEP] and no truncation:
               count, total/max tokens, SHA-256 over the texts of ",".join(ids) + "\\n", and per text the first
               8 hex digits of that line's SHA-256 (to locate a mismatch)
  samples      readable encodings of GSM8K texts (first lines, the longest, one per non-ASCII character found)
  edge_cases   hand-picked texts (accents, CJK, emoji, controls, added tokens in text, long words, ...)
  options      truncation / padding / pair variants
  added_tokens added tokens with lstrip / rstrip / single_word / normalized: their tokenizer.json entries (the
               test inserts them into added_tokens) and encodings of texts that use them
  truncated    long answers with truncation 256; batch: 3 texts, padding to longest and truncation 256
  unicode      every code point through the normalizer (SHA-256 per block of 4096) and the pre-tokenizer (ranges)
"""
import argparse
import hashlib
import json
from pathlib import Path

import tokenizers
from tokenizers import AddedToken, Tokenizer
from reference_inputs import FETCH_DATA, FETCH_MINILM, require

ROOT = Path(__file__).resolve().parents[2]
BLOCK = 4096


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


def record(tok, text, pair=None, add_special_tokens=True):
    e = tok.encode(text, pair, add_special_tokens=add_special_tokens)
    r = {"text": text}
    if pair is not None:
        r["pair"] = pair
    r.update(ids=e.ids, tokens=e.tokens, type_ids=e.type_ids, offsets=[list(o) for o in e.offsets],
             attention_mask=e.attention_mask, special_tokens_mask=e.special_tokens_mask)
    r["decoded"] = tok.decode(e.ids)
    r["decoded_with_special"] = tok.decode(e.ids, skip_special_tokens=False)
    return r


def layout(value, depth=0):
    """JSON with objects opened up two levels and one record per line, so the file reads and diffs well."""
    compact = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    pad = " " * (depth + 1)
    if isinstance(value, dict) and depth < 2:
        items = [pad + compact(k) + ": " + layout(v, depth + 1) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(pad + compact(v) for v in value) + "\n" + " " * depth + "]"
    return compact(value)


def reset(tok):
    tok.no_truncation()
    tok.no_padding()


EDGE_CASES = [
    "Café naïve résumé Ångström",
    "我有3个苹果 and 東京",
    "I ❤️ math 🤖🧮",
    "a\u0000b\tc\u0007d\u200be\r\nf",
    "a\u0000b\tc\u0007d\u001fe\u007ff\r\ng\u000bh",   # ASCII only (the normalizer's fast path)
    "",
    "   \t\n  ",
    "[MASK] and [CLS] inside text",
    "x[SEP]y [UNK][PAD]z [mask] [CLS",
    "abc" * 50,                       # 150 scalars: longer than max_input_chars_per_word → [UNK]
    "b" * 100,                         # exactly max_input_chars_per_word
    "b" * 101,
    "Ⅻ ½ ² ﬁ",
    "e\u0301 vs é, n\u0303o, a\u0316\u0301, a\u0301\u0316, Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d",
    "ＡＢＣ１２３ ｶﾀｶﾅ",
    "İstanbul ıI ΟΔΟΣ ς Straße ẞ ǅ",
    "한국어 텍스트",
    "مَرْحَبًا بِكُمْ",
    "नमस्ते दुनिया",
    "สวัสดีครับ",
    "𠀀𪜀 豈 \U0002B820 \U0002B920 \U00030000",
    "\u166d \U000111c9 \u1885 \ua9bd \u1734 \U00011938 \u061d \u2e43",
    "🥲 \U0001FAE0 👨\u200d👩\u200d👧 👍🏽 🇯🇵",
    "∑x² ≤ √(a+b) ± π ∞ ≠ ÷ × − ⁄ ‰",
    "$5.00 €3 £2 ¥100 ₹50 ¢25",
    "“Hello,” she said… ‘yes’—no – maybe.",
    "see https://example.com/a?b=c&d=e or mail@x.org #tag ##hash",
    "3.14159 1,000,000 -42 1e10 50% 1/2",
    "He bought 4 apples.\nThen 2 more: <<4+2=6>>6\n#### 6",
    "a\u00a0b\u2003c\u3000d\u2028e\u0085f\u000bg\u000ch\u001fi",
    "co\u00adoperate \ufeffbom a\ufffdb \ue000x \u0378y \U000e0041z",
    "line1\nline2\r\n\tindented\n\n",
    "Hello , world ! Is it ? I do not know ' quoted ' text don't can't it's o'clock we're I've I'm",
    "12345678901234567890 000 007",
    "UPPER lower MiXeD ＵＰＰＥＲ",
]

OPTIONS = [
    # (text, pair, add_special_tokens, truncation kwargs or None, padding kwargs or None)
    ("Hello there", "General Kenobi!", True, None, None),
    ("How many apples?", "She has 12 apples.", False, None, None),
    ("one two three four five six seven", "eight nine", True, {"max_length": 8}, None),
    ("one two three four five six seven", "eight nine ten eleven twelve thirteen", True, {"max_length": 9}, None),
    ("one two three", "four five six seven eight nine ten", True,
     {"max_length": 8, "strategy": "only_second"}, None),
    ("one two three four five six seven", None, True, {"max_length": 5, "direction": "left"}, None),
    ("one two three four five six seven", None, False, {"max_length": 3}, None),
    ("one two three four five six seven", None, True, {"max_length": 2}, None),
    ("short text", None, True, None, {"length": 10}),
    ("short text", None, True, None, {"length": 7, "direction": "left"}),
    ("short text", "and a pair", True, None, {"pad_to_multiple_of": 8}),
    ("a somewhat longer text than the fixed length", None, True, None, {"length": 4}),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "all-MiniLM-L6-v2")
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "minilm_tokenizer.json")
    args = ap.parse_args()
    require(args.model / "tokenizer.json", FETCH_MINILM)
    for split in ["train", "test"]:
        require(args.data / "gsm8k" / f"{split}.jsonl", FETCH_DATA)

    tok = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    reset(tok)
    texts = gsm8k_texts(args.data)

    # corpus
    encodings = tok.encode_batch(texts)
    digest = hashlib.sha256()
    per_text = []
    for e in encodings:
        line = line_of(e.ids).encode("utf-8")
        digest.update(line)
        per_text.append(hashlib.sha256(line).hexdigest()[:8])
    lengths = [len(e.ids) for e in encodings]
    corpus = {
        "description": "GSM8K train then test jsonl, each line's question then answer; ids with [CLS]/[SEP], "
                       "no truncation; sha256 over texts of ','.join(ids)+'\\n'",
        "files": ["gsm8k/train.jsonl", "gsm8k/test.jsonl"],
        "count": len(texts),
        "total_tokens": sum(lengths),
        "max_tokens": max(lengths),
        "sha256": digest.hexdigest(),
        "text_sha256_prefixes": per_text,
    }

    # samples: first lines, the longest text, and the shortest text holding each non-ASCII character
    picks = [0, 1, 2, 3, 14946, 14947]
    picks.append(max(range(len(texts)), key=lambda i: lengths[i]))
    first_with = {}
    for i, t in enumerate(texts):
        for ch in set(t):
            if ord(ch) > 127 and (ch not in first_with or len(t) < len(texts[first_with[ch]])):
                first_with[ch] = i
    for ch in sorted(first_with, key=ord):
        if first_with[ch] not in picks:
            picks.append(first_with[ch])
    samples = [dict(index=i, **record(tok, texts[i])) for i in picks]

    edge_cases = [record(tok, t) for t in EDGE_CASES]

    options = []
    for text, pair, add_special, trunc, pad in OPTIONS:
        reset(tok)
        if trunc:
            tok.enable_truncation(**trunc)
        if pad:
            tok.enable_padding(**pad)
        r = record(tok, text, pair, add_special)
        r["add_special_tokens"] = add_special
        r["truncation"] = trunc
        r["padding"] = pad
        options.append(r)
    reset(tok)

    # added_tokens: a copy of the tokenizer with extra added tokens exercising every option
    variant = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    reset(variant)
    variant.add_tokens([
        AddedToken("<math>", lstrip=True, rstrip=True, normalized=False),
        AddedToken("Yesterday", normalized=True),
        AddedToken("ony", single_word=True, normalized=False),
        AddedToken("x²", normalized=True),
    ])
    variant.add_special_tokens([AddedToken("<|end|>", special=True, normalized=False)])
    entries = [t for t in json.loads(variant.to_str())["added_tokens"] if t["id"] >= tok.get_vocab_size()]
    added_texts = [
        "Hi <math> there\t<math>\t<math>\u2000end<math>",
        "I read a book YESTERDAY, yesterday and Yesterday's",
        "ony Anthony ony, ony- tony ony_ ony\u0301 ony",
        "x<math>y <|end|> done<|end|>Done",
        "X² + x² = 2x²",
    ]
    added = {"added_tokens": entries, "vocab_size": variant.get_vocab_size(),
             "cases": [record(variant, t) for t in added_texts]}

    # truncated: the longest answers with truncation 256
    tok.enable_truncation(256)
    answers = [i for i in range(1, len(texts), 2)]
    longest = sorted(answers, key=lambda i: -lengths[i])[:3]
    truncated = {"max_length": 256, "cases": [dict(index=i, full_length=lengths[i], **record(tok, texts[i]))
                                                for i in longest]}
    # batch: three texts of different lengths (one over 256 tokens), pad to longest, truncation 256
    tok.enable_padding()
    batch_texts = [texts[0], texts[longest[0]], "Short one."]
    batch_enc = tok.encode_batch(batch_texts)
    batch = {"max_length": 256, "padding": "BatchLongest", "texts": batch_texts,
             "input_ids": [e.ids for e in batch_enc], "attention_mask": [e.attention_mask for e in batch_enc],
             "type_ids": [e.type_ids for e in batch_enc]}
    reset(tok)

    # unicode: the normalizer on every code point alone, hashed per block; pre-tokenizer classes as ranges
    blocks = []
    whitespace, punctuation = [], []
    for b in range(0x110000 // BLOCK):
        h = hashlib.sha256()
        for c in range(b * BLOCK, (b + 1) * BLOCK):
            if 0xD800 <= c <= 0xDFFF:
                continue
            n = tok.normalizer.normalize_str(chr(c))
            h.update(("%X:%s\n" % (c, " ".join("%X" % ord(x) for x in n))).encode("ascii"))
            pieces = tok.pre_tokenizer.pre_tokenize_str("a" + chr(c) + "a")
            if len(pieces) == 2:
                whitespace.append(c)
            elif len(pieces) == 3:
                punctuation.append(c)
        blocks.append(h.hexdigest()[:16])

    def ranges(cs):
        out = []
        for c in cs:
            if out and out[-1][1] == c - 1:
                out[-1][1] = c
            else:
                out.append([c, c])
        return out

    unicode = {
        "description": "normalizer_blocks[b]: first 16 hex of sha256 over code points c in [b*4096, (b+1)*4096) "
                       "(surrogates skipped) of '%X:' + normalized scalars as space-separated %X + '\\n'; "
                       "pre-tokenizer on 'a'+c+'a': whitespace = 2 pieces, punctuation = 3 (inclusive ranges)",
        "block_size": BLOCK,
        "normalizer_blocks": blocks,
        "pretokenizer_whitespace": ranges(whitespace),
        "pretokenizer_punctuation": ranges(punctuation),
    }

    fixture = {
        "generator": "scripts/reference/tokenizer_fixtures.py",
        "tokenizers_version": tokenizers.__version__,
        "model": "all-MiniLM-L6-v2",
        "vocab_size": tok.get_vocab_size(),
        "special_ids": {k: tok.token_to_id(v) for k, v in
                        [("cls", "[CLS]"), ("sep", "[SEP]"), ("pad", "[PAD]"), ("unk", "[UNK]"), ("mask", "[MASK]")]},
        "corpus": corpus,
        "samples": samples,
        "edge_cases": edge_cases,
        "options": options,
        "added_tokens": added,
        "truncated": truncated,
        "batch": batch,
        "unicode": unicode,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(layout(fixture) + "\n")
    print(f"wrote {args.out}: {len(texts)} corpus texts, {len(samples)} samples, {len(edge_cases)} edge cases")


if __name__ == "__main__":
    main()
