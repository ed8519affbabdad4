"""Runs the toolsmith benchmark (see bench/toolsmith.sh): builds each spec's module from its
description and visible examples, then judges it on the held-out cases only this script knows."""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def same(a, b):
    # JSON numbers compare by value: a Lua float 2.0 is the integer 2.
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def build(args, spec, env, folder):
    examples = folder / f"{spec['name']}.examples.json"
    examples.write_text(json.dumps(spec["examples"]))
    command = [args.nexus, "modules", "build", spec["description"], "--examples", str(examples), "--name", spec["name"],
               "--max-attempts", str(args.attempts), "--json"]
    if not args.gateway:
        command += ["--model", args.model]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - started
    try:
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        outcome = {"status": "error", "reason": (done.stderr.strip().splitlines() or ["no output"])[-1], "attempts": 0,
                   "prompt_tokens": 0, "completion_tokens": 0, "repeated_fingerprints": 0}
    outcome["wall_seconds"] = seconds
    return outcome


def held_out(args, spec, env):
    """How many held-out cases the installed module gets exactly right."""
    passed = 0
    for case in spec["held_out"]:
        done = subprocess.run([args.nexus, "modules", "run", spec["name"], "--input", json.dumps(case["input"]), "--json"],
                              env=env, capture_output=True, text=True, timeout=120)
        try:
            result = json.loads(done.stdout)
        except json.JSONDecodeError:
            continue
        if "output" in result and same(result["output"], case["output"]):
            passed += 1
    return passed


def main():
    parser = argparse.ArgumentParser()
    for name in ["--nexus", "--model", "--label", "--specs", "--only", "--results"]:
        parser.add_argument(name, default="")
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--gateway", action="store_true")
    args = parser.parse_args()
    results = Path(args.results)
    specs = sorted(Path(args.specs).glob("*.json"))
    wanted = [name for name in args.only.split(",") if name]
    specs = [json.loads(path.read_text()) for path in specs if not wanted or path.stem in wanted]
    env = dict(os.environ, NEXUS_HOME=str(results / "home"))
    if args.gateway:
        env["NEXUS_HOME"] = os.environ.get("NEXUS_HOME", str(Path.home() / ".nexus"))
    rows = []
    print(f"toolsmith bench: {len(specs)} specs, model {args.label}, at most {args.attempts} attempts each", flush=True)
    print(f"{'SPEC':18} {'CATEGORY':10} {'STATUS':10} {'HELD-OUT':8} {'ATTEMPTS':8} {'TOKENS':7} {'SECONDS':7}", flush=True)
    with open(results / "builds.jsonl", "w") as log:
        for spec in specs:
            outcome = build(args, spec, env, results)
            right = held_out(args, spec, env) if outcome["status"] == "validated" else 0
            row = {"spec": spec["name"], "category": spec["category"], **outcome, "held_out_passed": right,
                   "held_out_total": len(spec["held_out"]),
                   "success": outcome["status"] == "validated" and right == len(spec["held_out"])}
            rows.append(row)
            log.write(json.dumps(row) + "\n")
            tokens = row["prompt_tokens"] + row["completion_tokens"]
            print(f"{spec['name']:18} {spec['category']:10} {row['status']:10} {right}/{len(spec['held_out']):<6} "
                  f"{row['attempts']:<8} {tokens:<7} {row['wall_seconds']:<7.1f}", flush=True)
            if not row["success"]:
                print(f"    {row['reason'][:160]}", flush=True)
    succeeded = [row for row in rows if row["success"]]
    validated = [row for row in rows if row["status"] == "validated"]
    # Ended by the thrashing rule (one fingerprint back a fourth time), not by the attempt bound.
    repeated = [row for row in rows if row["status"] != "validated" and "came back" in row["reason"]]
    lines_ended = sum(row.get("repeated_fingerprints", 0) for row in rows)
    tokens = sum(row["prompt_tokens"] + row["completion_tokens"] for row in rows)
    wall = sum(row["wall_seconds"] for row in rows)
    print()
    print(f"success on held-out tests: {len(succeeded)}/{len(rows)} ({100 * len(succeeded) / max(1, len(rows)):.0f}%); "
          f"validated but wrong on held-out: {len(validated) - len(succeeded)}")
    if succeeded:
        print(f"attempts to success: mean {sum(r['attempts'] for r in succeeded) / len(succeeded):.1f}, "
              f"max {max(r['attempts'] for r in succeeded)}")
    print(f"tokens: {tokens} in all, {tokens / max(1, len(rows)):.0f} per spec; wall time {wall:.0f} s in all, {wall / max(1, len(rows)):.0f} s per spec")
    print(f"builds that ended on a repeated failure fingerprint: {len(repeated)}; "
          f"at the attempt bound: {sum('within' in row['reason'] for row in rows)}; "
          f"lines of repair a repeated fingerprint ended: {lines_ended}")
    for category in sorted({row["category"] for row in rows}):
        inside = [row for row in rows if row["category"] == category]
        print(f"  {category:10} {sum(r['success'] for r in inside)}/{len(inside)}")
    print(f"results: {results}")


if __name__ == "__main__":
    sys.exit(main())
