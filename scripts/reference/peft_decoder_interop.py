"""An adapter trained by `exemplar train-decoder` in Python PEFT: PeftModel.from_pretrained(base, ADAPTER) against the
model `exemplar merge` wrote with the same adapter folded in (Exemplar's own weights, which match transformers on the
base: DecoderParityTests), on a GSM8K chat prompt; prints the largest logit difference relative to the largest |logit|.
  python peft_decoder_interop.py BASE_HF_DIR ADAPTER_DIR MERGED_DIR
(BASE_HF_DIR: the peer's HF directory of the same GGUF, ../shared/peers/decoder/setup.sh)."""
import json, sys
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

base_dir, adapter_dir, merged_dir = sys.argv[1:4]
torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(base_dir)
question = json.loads(open("data/gsm8k/test.jsonl").readline())["question"]
prompt = tok.apply_chat_template([{"role": "user", "content": question}], tokenize=False, add_generation_prompt=True)
ids = torch.tensor([tok(prompt, add_special_tokens=False)["input_ids"]])
with torch.no_grad():
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    plain = base(input_ids=ids).logits[0]
    peft = PeftModel.from_pretrained(base, adapter_dir).eval()(input_ids=ids).logits[0]
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()(input_ids=ids).logits[0]
scale = peft.abs().max().item()
d = (peft - merged).abs().max().item() / scale
change = (peft - plain).abs().max().item() / scale
print(json.dumps({"tokens": ids.shape[1], "worst_relative_difference_peft_vs_exemplar_merged": d,
                  "adapter_changes_logits_by": change, "same_argmax_everywhere": bool((peft.argmax(-1) == merged.argmax(-1)).all())}))
sys.exit(0 if d <= 1e-3 else 1)
