"""Reference outputs of the two proxy decoders with transformers (float32, CPU) on the weights dequantised from their
GGUF files (the HF directories that ../shared/peers/decoder/setup.sh converts into ~/.cache/exemplar-peers/models):

- `prompts`: the first 20 GSM8K test questions as the user turn (the peer's USER_TEMPLATE) in the model's chat
  template with the generation prompt, as token ids;
- `greedy`: 64 greedy tokens after each prompt from a plain argmax loop with the KV cache (no end-of-sequence stop,
  so both sides compare the same 64 positions);
- `logits` for prompts 0-2 at the prompt's last position and the first 3 generated positions: the top 64 (id, logit),
  the L2 norm, and the logits at 256 fixed ids (a seeded sample), enough to compare within 1e-3 relative.

Writes Tests/Fixtures/decoder_<name>.json. Run from the repo root with the peer venv:
  ~/.cache/exemplar-peers/venv/bin/python scripts/reference/decoder_fixtures.py
"""
import json, os, sys
import numpy as np, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from reference_inputs import FETCH_DATA, PEER_DECODERS, require

torch.set_num_threads(2)
MODELS = os.environ.get("PEER_MODELS", os.path.expanduser("~/.cache/exemplar-peers/models"))
USER_TEMPLATE = ("Solve the following math problem step by step. "
                 "At the end, write the final numeric answer after '####', for example: #### 42\n\nProblem: {question}")
TARGETS = {"smollm2": "smollm2-135m-instruct-hf", "qwen2.5-coder": "qwen2.5-coder-0.5b-instruct-hf"}
for sub in TARGETS.values():
    require(os.path.join(MODELS, sub, "config.json"), PEER_DECODERS)
require("data/gsm8k/test.jsonl", FETCH_DATA)
test = [json.loads(l) for l in open("data/gsm8k/test.jsonl")][:20]

for name, sub in TARGETS.items():
    path = os.path.join(MODELS, sub)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    vocab = model.config.vocab_size
    sample_ids = sorted(np.random.default_rng(0).choice(vocab, 256, replace=False).tolist())
    prompts, greedy, logits = [], [], []
    for i, row in enumerate(test):
        text = tok.apply_chat_template([{"role": "user", "content": USER_TEMPLATE.format(question=row["question"])}],
                                       tokenize=False, add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        prompts.append(ids)
        out, past, step_logits = [], None, []
        inp = torch.tensor([ids])
        with torch.no_grad():
            for t in range(64):
                r = model(input_ids=inp, past_key_values=past, use_cache=True)
                past = r.past_key_values
                last = r.logits[0, -1].double()
                if i < 3 and t < 4:
                    top = torch.topk(last, 64)
                    step_logits.append({"top_ids": top.indices.tolist(), "top_values": top.values.tolist(),
                                        "norm": float(last.norm()), "sample_values": last[sample_ids].tolist()})
                nxt = int(torch.argmax(last))
                out.append(nxt)
                inp = torch.tensor([[nxt]])
        greedy.append(out)
        if step_logits:
            logits.append(step_logits)
        print(name, i, repr(tok.decode(out)[:60]), flush=True)
    import transformers
    json.dump({"model": sub, "transformers": transformers.__version__, "torch": torch.__version__,
               "config": {k: getattr(model.config, k) for k in ["model_type", "vocab_size", "hidden_size",
                                                               "num_hidden_layers", "tie_word_embeddings"]},
               "sample_ids": sample_ids, "prompts": prompts, "greedy": greedy, "logits": logits},
              open(f"Tests/Fixtures/decoder_{name}.json", "w"))
    print("wrote", f"Tests/Fixtures/decoder_{name}.json")
