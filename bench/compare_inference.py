#!/usr/bin/env python3
"""Runs llama-bench and `nexus bench` alternately and prints tokens/s and their ratios.
Called by bench/inference.sh, which builds llama-bench first."""

import argparse
import json
import statistics
import subprocess
import sys

TARGET = 0.95


def model_path(nexus, name):
    models = json.loads(subprocess.run([nexus, "models", "list", "--json"], check=True, capture_output=True, text=True).stdout)
    for model in models:
        if model["name"] == name:
            return model["path"]
    sys.exit(f"bench: model {name} is not installed; run make setup")


def llama_bench(binary, path, args):
    out = subprocess.run(
        [binary, "-m", path, "-p", str(args.prompt), "-n", str(args.generate), "-t", str(args.threads), "-r", "1", "-o", "json"],
        check=True, capture_output=True, text=True).stdout
    results = {}
    for row in json.loads(out):
        test = f"pp{row['n_prompt']}" if row["n_prompt"] else f"tg{row['n_gen']}"
        results[test] = row["avg_ts"]
    return results


def nexus_bench(binary, name, args):
    out = subprocess.run(
        [binary, "bench", "--model", name, "-p", str(args.prompt), "-n", str(args.generate), "-t", str(args.threads), "-r", "1", "--json"],
        check=True, capture_output=True, text=True).stdout
    return {row["test"]: row["tokens_per_second"] for row in json.loads(out)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nexus", required=True)
    parser.add_argument("--llama-bench", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--prompt", type=int, default=512)
    parser.add_argument("--generate", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rows = []
    for name in args.models.split():
        path = model_path(args.nexus, name)
        samples = {"llama-bench": {}, "nexus": {}}
        for round_index in range(args.rounds):
            print(f"  {name}: round {round_index + 1}/{args.rounds}", file=sys.stderr)
            for tool, results in (("llama-bench", llama_bench(args.llama_bench, path, args)),
                                  ("nexus", nexus_bench(args.nexus, name, args))):
                for test, value in results.items():
                    samples[tool].setdefault(test, []).append(value)
        for test in samples["llama-bench"]:
            reference = statistics.mean(samples["llama-bench"][test])
            ours = statistics.mean(samples["nexus"][test])
            rows.append((name, test, reference, statistics.pstdev(samples["llama-bench"][test]),
                         ours, statistics.pstdev(samples["nexus"][test]), ours / reference))

    print(f"\nthreads {args.threads}, {args.rounds} alternating rounds; target ratio >= {TARGET}")
    print(f"{'model':<22}{'test':<8}{'llama-bench t/s':>18}{'nexus t/s':>18}{'ratio':>8}")
    for name, test, reference, reference_sd, ours, ours_sd, ratio in rows:
        mark = "" if ratio >= TARGET else "  below target"
        print(f"{name:<22}{test:<8}{reference:>11.2f} ± {reference_sd:<5.2f}{ours:>11.2f} ± {ours_sd:<5.2f}{ratio:>7.3f}{mark}")


if __name__ == "__main__":
    main()
