"""How many of a decoder parity fixture's greedy continuations llama.cpp reproduces token for token.

The fixtures (Tests/Fixtures/decoder_*.json) hold transformers' greedy 64-token continuations of 20 prompts on the
Float32 dequantisation of a GGUF file; this runs llama.cpp (llama-cpp-python) on the GGUF file itself with the same
prompt token ids, greedy, and prints how many continuations are identical and where the others first differ — the
figure DecoderQuantizedParityTests measures for Exemplar's gguf format.

    python scripts/reference/llamacpp_agreement.py Tests/Fixtures/decoder_smollm2.json \
        models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
"""
import json
import sys

from llama_cpp import Llama


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} FIXTURE.json MODEL.gguf")
    fixture = json.load(open(sys.argv[1]))
    llm = Llama(model_path=sys.argv[2], n_ctx=512, n_threads=2, n_batch=512, verbose=False)
    identical, divergence = 0, []
    for prompt, reference in zip(fixture["prompts"], fixture["greedy"]):
        tokens = []
        for token in llm.generate(prompt, temp=0.0, top_k=1, reset=True):
            tokens.append(token)
            if len(tokens) == len(reference):
                break
        if tokens == reference:
            identical += 1
        else:
            divergence.append(next((i for i, (a, b) in enumerate(zip(tokens, reference)) if a != b),
                                   min(len(tokens), len(reference))))
    print(json.dumps({"model": sys.argv[2], "prompts": len(fixture["prompts"]), "identical": identical,
                      "divergence": divergence}))


if __name__ == "__main__":
    main()
