"""Back-pressure of `exemplar serve` started with decoder.max_batch=1 and decoder.max_waiting=0, on loopback: a long
streamed completion takes the one slot; a second request then gets 429 with Retry-After at once; after the first
client hangs up, the second is answered (its slot freed at the next decode step). Prints the statuses and timings
as JSON. Standard library only.

usage: serve-busy-check.py HOST PORT MODEL
"""
import http.client
import json
import sys
import time


def post(host, port, body):
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
    return connection, connection.getresponse()


def main():
    host, port, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    long_request = {"model": model, "prompt": "Count to a thousand: 1, 2, 3, 4, 5, 6, 7, 8,", "max_tokens": 1500,
                    "temperature": 0, "stream": True}
    short_request = {"model": model, "prompt": "The capital of France is", "max_tokens": 4, "temperature": 0}
    out = {}
    streaming, response = post(host, port, long_request)
    out["long_status"] = response.status
    out["long_first_line"] = response.readline().decode()  # the first chunk: the long request is generating
    _, busy = post(host, port, short_request)
    out["busy_status"], out["busy_retry_after"], out["busy_body"] = busy.status, busy.getheader("Retry-After"), json.loads(busy.read())
    hung_up = time.monotonic()
    streaming.sock.close()  # the client goes away mid-stream
    streaming.close()
    for _ in range(200):
        _, reply = post(host, port, short_request)
        body = reply.read()
        if reply.status != 429:
            break
        time.sleep(0.05)
    out["after_status"], out["after_body"] = reply.status, json.loads(body)
    out["seconds_until_answered"] = time.monotonic() - hung_up
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
