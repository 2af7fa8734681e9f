"""Writes tokenizer.json, tokenizer_config.json (with chat_template) and chat_template.jinja for a GGUF model, as
transformers derives them from the GGUF header: the tokenizer steps of ../shared/peers/decoder/gguf_to_hf.py, then
tokenizer.json rewritten with the pipeline AutoTokenizer builds when it loads that directory. Deterministic: the same
GGUF gives byte-identical files (scripts/fetch-models.sh checks their SHA-256).

Used by scripts/fetch-models.sh when the Hugging Face hub (which has these files) is unreachable; it needs only
transformers, tokenizers and gguf (no torch).   usage: python export-gguf-tokenizer.py MODEL.gguf OUT_DIR
"""
import json, os, sys, tempfile
from gguf import GGUFReader
from transformers import AutoTokenizer

gguf_path, out = sys.argv[1], sys.argv[2]
# Load from a directory holding only the GGUF: transformers would also read tokenizer files lying beside it.
with tempfile.TemporaryDirectory() as d:
    fn = os.path.basename(gguf_path)
    os.symlink(os.path.abspath(gguf_path), os.path.join(d, fn))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=fn)
field = GGUFReader(gguf_path).fields.get("tokenizer.chat_template")
tmpl = bytes(field.parts[field.data[0]]).decode("utf-8") if field is not None else None
if tmpl and getattr(tok, "chat_template", None) != tmpl:
    tok.chat_template = tmpl
if tok.pad_token is None:
    tok.pad_token = tok.eos_token
tok.padding_side = "left"
os.makedirs(out, exist_ok=True)
tok.save_pretrained(out)
path = os.path.join(out, "tokenizer_config.json")
with open(path) as f:
    config = json.load(f)
tmpl = tmpl or getattr(tok, "chat_template", None)
if tmpl:
    config["chat_template"] = tmpl
if config.get("tokenizer_class") in (None, "TokenizersBackend", "PreTrainedTokenizerFast"):
    config["tokenizer_class"] = "GPT2Tokenizer"
with open(path, "w") as f:
    json.dump(config, f, indent=2, ensure_ascii=False)
AutoTokenizer.from_pretrained(out).backend_tokenizer.save(os.path.join(out, "tokenizer.json"))
