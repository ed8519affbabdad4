#!/usr/bin/env python3
"""The load side of bench/server.sh: waves of concurrent streaming chat requests against OpenAI-
compatible servers, alternating between them, then one table of medians and ratios.

Only the standard library, so the benchmark needs no venv. Called by bench/server.sh, which starts
the servers; this waits until each answers /health and a first (unmeasured) request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

# Eight prompts that each invite a long answer, so max_tokens rather than the model ends most requests.
PROMPTS = [
    "Write a detailed story about a lighthouse keeper who finds a message in a bottle.",
    "Explain, step by step and at length, how a hash map works and why lookups are fast.",
    "Describe a walk through a busy market in a coastal town, with every sound and smell.",
    "Write a long letter from a sailor to his sister about the storms he has crossed.",
    "Explain in detail how a compiler turns source code into machine code.",
    "Tell the history of a fictional city from its founding to the present day.",
    "Write a long guide for a first-time gardener planting vegetables in spring.",
    "Describe at length how a bicycle works, part by part.",
]


# Waves per round at concurrency 1.
SINGLE_WAVES = 4


class Server:
    def __init__(self, spec: str):
        self.name, _, url = spec.partition("=")
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port

    def connection(self, timeout: float = 600) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def wait_ready(self, model: str, seconds: float = 300) -> None:
        wait_healthy(self.host, self.port, self.name, "its log", seconds)


def wait_healthy(host: str, port: int, name: str, hint: str, seconds: float = 300) -> None:
    """Returns once /health answers 200; exits naming `hint` (where to look) after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(host, port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"bench: {name} did not answer /health within {seconds:.0f} s; see {hint}")


def stream_chat(server: Server, model: str, prompt: str, max_tokens: int) -> dict:
    """One streaming request: seconds to the first content token, completion tokens, seconds in all."""
    body = json.dumps({
        "model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
        "temperature": 0, "seed": 1, "stream": True, "stream_options": {"include_usage": True},
    })
    started = time.perf_counter()
    connection = server.connection()
    connection.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{server.name} answered {response.status}: {response.read()[:300]!r}")
    first = None
    pieces = 0
    usage = None
    for raw in response:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if (choice.get("delta") or {}).get("content"):
                pieces += 1
                if first is None:
                    first = time.perf_counter() - started
    ended = time.perf_counter()
    connection.close()
    tokens = usage["completion_tokens"] if usage else pieces
    return {"ttft": first if first is not None else ended - started, "tokens": tokens, "seconds": ended - started}


def wave(server: Server, model: str, concurrency: int, max_tokens: int, offset: int) -> dict:
    """`concurrency` requests at once; the wave's aggregate tokens/s and each request's TTFT."""
    outcomes: list = [None] * concurrency
    barrier = threading.Barrier(concurrency)

    def client(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = stream_chat(server, model, PROMPTS[(offset + index) % len(PROMPTS)], max_tokens)
        except Exception as error:  # reported below, after the wave
            outcomes[index] = error

    threads = [threading.Thread(target=client, args=(index,)) for index in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    failures = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    if failures:
        raise RuntimeError(f"{server.name}: {len(failures)} of {concurrency} requests failed: {failures[0]}")
    tokens = sum(outcome["tokens"] for outcome in outcomes)
    return {"ttfts": [outcome["ttft"] for outcome in outcomes], "tokens": tokens, "tps": tokens / wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--levels", default="1 4 8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", action="append", required=True, help="NAME=URL; the first is the reference")
    parser.add_argument("--results")
    args = parser.parse_args()
    servers = [Server(spec) for spec in args.server]
    levels = [int(level) for level in args.levels.split()]

    for server in servers:
        server.wait_ready(args.model)
        # Loads the model and warms every slot; not measured.
        wave(server, args.model, max(levels), 8, 0)

    samples = {(server.name, level): {"ttfts": [], "tps": [], "tokens": 0} for server in servers for level in levels}
    for round_index in range(args.rounds):
        for level in levels:
            # A wave of one request gives one TTFT sample, so concurrency 1 sends several waves
            # per round (each with the next prompt) to reach as many samples as the others.
            waves = SINGLE_WAVES if level == 1 else 1
            for wave_index in range(waves):
                # Alternate which server goes first, so neither always runs on a cooler machine.
                order = servers if (round_index + wave_index) % 2 == 0 else list(reversed(servers))
                for server in order:
                    print(f"  round {round_index + 1}/{args.rounds}: {server.name}, {level} at once", file=sys.stderr)
                    result = wave(server, args.model, level, args.max_tokens, round_index * waves + wave_index)
                    entry = samples[(server.name, level)]
                    entry["ttfts"] += result["ttfts"]
                    entry["tps"].append(result["tps"])
                    entry["tokens"] += result["tokens"]

    reference, measured = servers[0].name, servers[-1].name
    rows = []
    header = f"{'concurrency':>11}  {'server':<13} {'TTFT median ms':>14} {'TTFT p90 ms':>11} {'agg tok/s':>10} {'tokens':>7}"
    print(header)
    print("-" * len(header))
    for level in levels:
        for server in servers:
            entry = samples[(server.name, level)]
            ttfts = sorted(entry["ttfts"])
            p90 = ttfts[min(len(ttfts) - 1, int(round(0.9 * (len(ttfts) - 1))))]
            print(f"{level:>11}  {server.name:<13} {statistics.median(ttfts) * 1000:>14.0f} {p90 * 1000:>11.0f} "
                  f"{statistics.median(entry['tps']):>10.1f} {entry['tokens']:>7}")
        ours, theirs = samples[(measured, level)], samples[(reference, level)]
        ttft_ratio = statistics.median(ours["ttfts"]) / statistics.median(theirs["ttfts"])
        tps_ratio = statistics.median(ours["tps"]) / statistics.median(theirs["tps"])
        rows.append({"concurrency": level, "ttft_ratio": ttft_ratio, "tps_ratio": tps_ratio})
        print(f"{level:>11}  {measured + '/' + reference:<13} {ttft_ratio:>13.2f}× {'':>11} {tps_ratio:>9.2f}×")
    print()
    print(f"targets: TTFT ratio ≤ 1.00, aggregate tok/s ratio ≥ 1.00 (against {reference} with 4 slots)")
    for row in rows:
        verdict = ("meets" if row["ttft_ratio"] <= 1.0 and row["tps_ratio"] >= 1.0 else "misses")
        print(f"  concurrency {row['concurrency']}: {verdict} (TTFT {row['ttft_ratio']:.2f}×, tok/s {row['tps_ratio']:.2f}×)")
    if args.results:
        with open(f"{args.results}/server-bench.json", "w") as file:
            json.dump({"model": args.model, "max_tokens": args.max_tokens, "rows": rows,
                       "samples": {f"{name}@{level}": value for (name, level), value in samples.items()}}, file, indent=1)


if __name__ == "__main__":
    main()
