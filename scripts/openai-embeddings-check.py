"""Embeds texts through the official `openai` client against an OpenAI-compatible server (exemplar serve) and
prints each vector's float32 bit patterns as hex, once with the client's default base64 transfer and once with
floats, so a test can compare them bit for bit with `exemplar embed`.

usage: openai-embeddings-check.py BASE_URL MODEL TEXT...
"""
import json
import struct
import sys

import openai


def bit_patterns(vector):
    return [format(struct.unpack("<I", struct.pack("<f", x))[0], "08x") for x in vector]


def main():
    base_url, model, texts = sys.argv[1], sys.argv[2], sys.argv[3:]
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=60)
    out = {}
    # Without encoding_format the client asks for base64 and decodes it with numpy or struct itself.
    default = client.embeddings.create(model=model, input=texts)
    out["base64"] = [bit_patterns(item.embedding) for item in default.data]
    floats = client.embeddings.create(model=model, input=texts, encoding_format="float")
    out["float"] = [bit_patterns(item.embedding) for item in floats.data]
    assert default.usage.prompt_tokens > 0 and default.model == model, default
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
