"""A bounded load generator for OpenAI-compatible servers on loopback (exemplar serve, llama-cpp-python's server,
infinity): COUNT requests per concurrency level, each client thread on its own keep-alive connection, and per level
the requests/s, p50/p99 latency, errors and (chat) the aggregate generated tokens/s. Prints one JSON object.
Standard library only.

usage: serve-load.py embeddings|chat HOST PORT MODEL COUNT CONCURRENCY[,CONCURRENCY...] [MAX_TOKENS]
Texts: the first COUNT questions of data/gsm8k/test.jsonl (one per request).
"""
import http.client
import json
import sys
import threading
import time


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else None


def run_level(kind, host, port, model, questions, concurrency, max_tokens, deadline_s=900):
    latencies, errors, tokens = [], [], 0
    lock = threading.Lock()
    next_index = [0]
    deadline = time.monotonic() + deadline_s

    def worker():
        nonlocal tokens
        connection = http.client.HTTPConnection(host, port, timeout=600)
        while time.monotonic() < deadline:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(questions):
                break
            if kind == "embeddings":
                path, body = "/v1/embeddings", {"model": model, "input": questions[i]}
            else:
                path, body = "/v1/chat/completions", {"model": model, "temperature": 0, "max_tokens": max_tokens,
                                                      "messages": [{"role": "user", "content": questions[i]}]}
            start = time.monotonic()
            try:
                connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
                reply = connection.getresponse()
                data = reply.read()
                elapsed = time.monotonic() - start
                with lock:
                    if reply.status != 200:
                        errors.append(reply.status)
                    else:
                        latencies.append(elapsed)
                        if kind == "chat":
                            tokens += json.loads(data)["usage"]["completion_tokens"]
            except Exception as error:  # a dropped connection counts as an error; reconnect and go on
                with lock:
                    errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=600)
        connection.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    result = {"concurrency": concurrency, "requests": len(latencies), "errors": len(errors), "seconds": round(seconds, 3),
              "requests_per_s": round(len(latencies) / seconds, 2),
              "p50_ms": round(1000 * percentile(latencies, 0.5), 1) if latencies else None,
              "p99_ms": round(1000 * percentile(latencies, 0.99), 1) if latencies else None}
    if errors:
        result["first_errors"] = [str(e) for e in errors[:3]]
    if kind == "chat":
        result["completion_tokens"] = tokens
        result["tokens_per_s"] = round(tokens / seconds, 2)
    return result


def main():
    kind, host, port, model, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    levels = [int(c) for c in sys.argv[6].split(",")]
    max_tokens = int(sys.argv[7]) if len(sys.argv) > 7 else 64
    with open("data/gsm8k/test.jsonl") as f:
        questions = [json.loads(line)["question"] for line in f][:count]
    # One warm-up request, so the first level does not pay for first-touch costs.
    run_level(kind, host, port, model, questions[:1], 1, max_tokens)
    print(json.dumps({"kind": kind, "model": model, "count": count,
                      "levels": [run_level(kind, host, port, model, questions, c, max_tokens) for c in levels]}))


if __name__ == "__main__":
    main()
