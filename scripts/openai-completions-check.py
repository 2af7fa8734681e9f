"""Generates through the official `openai` client against an OpenAI-compatible server (exemplar serve): for each
question a chat completion whole and streamed (with include_usage), and a plain "Question: …\nAnswer:" completion
whole and streamed (stop at the next "Question:"), all greedy, and prints what came back as JSON, so a test can
compare the four with each other and with the same generation run offline.

usage: openai-completions-check.py BASE_URL MODEL MAX_TOKENS QUESTION...
"""
import json
import sys

import openai


def main():
    base_url, model, max_tokens, questions = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=120)
    out = {"chat": [], "chat_stream": [], "completion": [], "completion_stream": []}
    for question in questions:
        messages = [{"role": "user", "content": question}]
        reply = client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=max_tokens, seed=0)
        choice = reply.choices[0]
        assert reply.object == "chat.completion" and choice.message.role == "assistant", reply
        out["chat"].append({"text": choice.message.content, "finish_reason": choice.finish_reason,
                            "usage": [reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens]})

        text, finish, usage, roles = "", None, None, []
        for chunk in client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=max_tokens,
                                                    stream=True, stream_options={"include_usage": True}):
            assert chunk.object == "chat.completion.chunk", chunk
            if chunk.usage is not None:
                usage = [chunk.usage.prompt_tokens, chunk.usage.completion_tokens, chunk.usage.total_tokens]
            for c in chunk.choices:
                if c.delta.role:
                    roles.append(c.delta.role)
                text += c.delta.content or ""
                finish = c.finish_reason or finish
        assert roles == ["assistant"], roles
        out["chat_stream"].append({"text": text, "finish_reason": finish, "usage": usage})

        prompt = f"Question: {question}\nAnswer:"
        reply = client.completions.create(model=model, prompt=prompt, temperature=0, max_tokens=max_tokens, stop=["Question:"])
        assert reply.object == "text_completion", reply
        out["completion"].append({"text": reply.choices[0].text, "finish_reason": reply.choices[0].finish_reason,
                                  "usage": [reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens]})
        text, finish = "", None
        for chunk in client.completions.create(model=model, prompt=prompt, temperature=0, max_tokens=max_tokens,
                                               stop=["Question:"], stream=True):
            for c in chunk.choices:
                text += c.text
                finish = c.finish_reason or finish
        out["completion_stream"].append({"text": text, "finish_reason": finish})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
