#!/usr/bin/env python3
"""The client side of bench/bfcl.sh: a function-calling accuracy check on a fixed sample of the
Berkeley Function Calling Leaderboard (BFCL v4) cases, sent to OpenAI-compatible servers.

Each case's question goes to `POST /v1/chat/completions` with its functions as `tools`
(tool_choice "auto", temperature 0), one request at a time, alternating between the servers, and the
reply is scored by the checker below:

- simple, multiple: exactly one call, the right name, every argument of the possible answer present
  with an acceptable value (or left out where the answer allows it), no argument the function does not
  declare;
- parallel, parallel_multiple: the calls match the possible answers one to one, in any order;
- irrelevance: right when the reply calls nothing (a call written out in the text counts as a call).

Values compare by kind: numbers numerically (5 and 5.0 are alike; a boolean is never a number), strings
case-insensitively after stripping, lists element by element, objects key by key. An object in a
possible answer maps each key to its own list of acceptable values, as at the top level; "" in such a
list means the key may be left out.

Only the standard library, so the benchmark needs no venv. The data are read straight from the
bfcl-eval wheel that bench/bfcl.sh fetches and checks.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import sys
import time
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

# Benchmark category -> the question file's stem inside bfcl_eval/data/.
CATEGORIES = {
    "simple": "BFCL_v4_simple_python",
    "multiple": "BFCL_v4_multiple",
    "parallel": "BFCL_v4_parallel",
    "parallel_multiple": "BFCL_v4_parallel_multiple",
    "irrelevance": "BFCL_v4_irrelevance",
}
DATA_PREFIX = "bfcl_eval/data/"

# BFCL's parameter types -> JSON Schema types. "any" drops the type altogether.
TYPE_MAP = {"dict": "object", "float": "number", "tuple": "array", "int": "integer", "bool": "boolean",
            "str": "string", "list": "array"}
# Keys of BFCL's dialect that are not JSON Schema.
DROPPED_KEYS = {"optional"}


# ---------------------------------------------------------------------------------------------------
# Data


def read_lines(wheel: zipfile.ZipFile, member: str) -> list[dict]:
    with wheel.open(member) as handle:
        return [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line.strip()]


def sample_indices(total: int, count: int) -> list[int]:
    """`count` indices spread evenly over `total` cases (every k-th case, from the first): the same
    sample on every run and every machine."""
    if count >= total:
        return list(range(total))
    return [(i * total) // count for i in range(count)]


def load_cases(wheel_path: Path, categories: list[str], per_category: int) -> list[dict]:
    cases = []
    with zipfile.ZipFile(wheel_path) as wheel:
        names = set(wheel.namelist())
        for category in categories:
            stem = CATEGORIES[category]
            questions = read_lines(wheel, f"{DATA_PREFIX}{stem}.json")
            answers_member = f"{DATA_PREFIX}possible_answer/{stem}.json"
            answers = {}
            if answers_member in names:
                answers = {entry["id"]: entry["ground_truth"] for entry in read_lines(wheel, answers_member)}
            for index in sample_indices(len(questions), per_category):
                question = questions[index]
                if category != "irrelevance" and question["id"] not in answers:
                    sys.exit(f"bench: no possible answer for {question['id']} in {answers_member}")
                cases.append({"id": question["id"], "category": category,
                              "messages": [message for turn in question["question"] for message in turn],
                              "functions": question["function"], "answer": answers.get(question["id"])})
    return cases


# ---------------------------------------------------------------------------------------------------
# Requests


def tool_name(name: str) -> str:
    """OpenAI tool names allow [A-Za-z0-9_-] only: BFCL's dotted names go over with '_' for '.'."""
    return name.replace(".", "_")


def to_json_schema(schema: Any) -> Any:
    """BFCL's JSON-Schema-like parameter description -> JSON Schema."""
    if not isinstance(schema, dict):
        return schema
    converted = {}
    for key, value in schema.items():
        if key in DROPPED_KEYS:
            continue
        if key == "type":
            if value == "any":
                continue
            converted[key] = TYPE_MAP.get(value, value)
        elif key == "properties" and isinstance(value, dict):
            converted[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            converted[key] = to_json_schema(value)
        else:
            converted[key] = value
    return converted


def tools_for(functions: list[dict]) -> list[dict]:
    return [{"type": "function",
             "function": {"name": tool_name(function["name"]), "description": function.get("description", ""),
                          "parameters": to_json_schema(function["parameters"])}}
            for function in functions]


def request_body(case: dict, model: str, max_tokens: int) -> dict:
    return {"model": model, "messages": case["messages"], "tools": tools_for(case["functions"]),
            "tool_choice": "auto", "temperature": 0, "max_tokens": max_tokens, "stream": False}


class Server:
    def __init__(self, spec: str, timeout: float):
        self.name, _, url = spec.partition("=")
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = parsed.hostname, parsed.port, timeout

    def post(self, path: str, body: dict) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def wait_ready(self, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.5)
        sys.exit(f"bench: {self.name} did not answer /health within {seconds:.0f} s; see its log")


def ask(server: Server, case: dict, model: str, max_tokens: int) -> dict:
    """One case against one server: what came back, reduced to what the checker needs."""
    started = time.monotonic()
    try:
        status, text = server.post("/v1/chat/completions", request_body(case, model, max_tokens))
    except (OSError, http.client.HTTPException) as error:
        return {"status": None, "error": f"{type(error).__name__}: {error}",
                "seconds": round(time.monotonic() - started, 2)}
    reply: dict[str, Any] = {"status": status, "seconds": round(time.monotonic() - started, 2)}
    if status != 200:
        reply["error"] = text[:2000]
        return reply
    try:
        body = json.loads(text)
        choice = body["choices"][0]
        message = choice.get("message") or {}
    except (ValueError, KeyError, IndexError, TypeError) as error:
        reply["error"] = f"unreadable body ({error}): {text[:2000]}"
        return reply
    reply["finish_reason"] = choice.get("finish_reason")
    reply["content"] = message.get("content")
    reply["tool_calls"] = [{"name": (call.get("function") or {}).get("name"),
                            "arguments": (call.get("function") or {}).get("arguments")}
                           for call in message.get("tool_calls") or []]
    reply["usage"] = body.get("usage")
    return reply


# ---------------------------------------------------------------------------------------------------
# The checker


def norm_string(value: str) -> str:
    return value.strip().lower()


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def value_matches(value: Any, expected: Any) -> bool:
    """Whether `value` (what the model sent) equals one literal `expected` of a possible answer."""
    if isinstance(expected, bool) or expected is None:
        return value is expected
    if is_number(expected):
        return is_number(value) and math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, str):
        return isinstance(value, str) and norm_string(value) == norm_string(expected)
    if isinstance(expected, list):
        return (isinstance(value, list) and len(value) == len(expected)
                and all(value_matches(got, want) for got, want in zip(value, expected)))
    if isinstance(expected, dict):
        # An object in a possible answer: each key maps to its own list of acceptable values.
        return isinstance(value, dict) and arguments_problem(value, expected) is None
    return value == expected


def acceptable(value: Any, choices: list) -> bool:
    return any(value_matches(value, choice) for choice in choices)


def arguments_problem(arguments: dict, expected: dict, declared: set[str] | None = None) -> str | None:
    """None when `arguments` fit `expected` (name -> acceptable values, "" = may be left out), else why not.
    `declared`, when given, is the function's parameters; without it an argument `expected` lacks is wrong."""
    for name in arguments:
        if name not in (declared if declared is not None else expected):
            return f"unexpected argument '{name}'"
    for name, choices in expected.items():
        if name not in arguments:
            if "" not in choices:
                return f"missing argument '{name}'"
            continue
        if not acceptable(arguments[name], choices):
            shown = [choice for choice in choices if choice != ""]
            if not shown:
                return f"argument '{name}' should be left out, not {json.dumps(arguments[name])}"
            return f"argument '{name}': {json.dumps(arguments[name])} is not one of {json.dumps(shown)}"
    return None


def decode_calls(tool_calls: list[dict], functions: list[dict]) -> tuple[list[dict], str | None]:
    """The reply's calls with their BFCL names back and their arguments parsed, or why they cannot be."""
    original = {tool_name(function["name"]): function["name"] for function in functions}
    calls = []
    for call in tool_calls:
        name = call.get("name") or ""
        arguments = call.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except ValueError:
                return [], f"arguments of {name} are not JSON: {arguments[:200]}"
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return [], f"arguments of {name} are not an object: {json.dumps(arguments)[:200]}"
        calls.append({"name": original.get(name, name), "arguments": arguments})
    return calls, None


def call_problem(call: dict, answer: dict, functions: list[dict]) -> str | None:
    """None when one decoded call fits one possible answer ({name: {argument: acceptable values}})."""
    (expected_name, expected_arguments), = answer.items()
    if call["name"] != expected_name:
        return f"called {call['name']}, expected {expected_name}"
    function = next((f for f in functions if f["name"] == expected_name), None)
    declared = None
    if function is not None:
        parameters = function.get("parameters") or {}
        declared = set((parameters.get("properties") or {}).keys())
        for name in parameters.get("required") or []:
            if name not in call["arguments"] and "" not in expected_arguments.get(name, []):
                return f"missing argument '{name}'"
    return arguments_problem(call["arguments"], expected_arguments, declared)


def match_all(calls: list[dict], answers: list[dict], functions: list[dict]) -> bool:
    """Whether the calls and the answers pair up one to one (any order)."""
    if len(calls) != len(answers):
        return False
    used = [False] * len(calls)

    def place(index: int) -> bool:
        if index == len(answers):
            return True
        for position, call in enumerate(calls):
            if not used[position] and call_problem(call, answers[index], functions) is None:
                used[position] = True
                if place(index + 1):
                    return True
                used[position] = False
        return False

    return place(0)


TOOL_CALL_MARKERS = ("<tool_call>", "<|tool_call|>", "[TOOL_CALLS]", "<function=", "<|python_tag|>")


def calls_written_out(content: str | None, functions: list[dict]) -> list[dict]:
    """The calls of the case's tools written out as JSON in the text content ({"name": …, "arguments": …},
    bare, fenced or inside tool-call tags), as `tool_calls` entries would have carried them."""
    if not content:
        return []
    names = {function["name"] for function in functions} | {tool_name(function["name"]) for function in functions}
    decoder = json.JSONDecoder()
    calls, end = [], 0
    for start in (match.start() for match in re.finditer(r"[{\[]", content)):
        if start < end:
            continue
        try:
            value, end = decoder.raw_decode(content, start)
        except ValueError:
            continue
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("function"), dict):
                item = item["function"]
            if item.get("name") in names:
                arguments = item.get("arguments", item.get("parameters", {}))
                calls.append({"name": item["name"],
                              "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)})
    return calls


def calls_in_text(content: str | None, functions: list[dict]) -> bool:
    """Whether the text content holds what looks like a call of one of the tools (a tool-call marker, or
    a JSON object naming one of them) that the server did not turn into `tool_calls`."""
    if not content:
        return False
    return any(marker in content for marker in TOOL_CALL_MARKERS) or bool(calls_written_out(content, functions))


def score(case: dict, reply: dict) -> dict:
    """The verdict on one reply: {"correct": bool, "reason": str, "text_call": bool, "correct_if_read": bool},
    the last saying whether the reply would have been right had its calls written out in the text
    content come back as `tool_calls` (the model's part, apart from the server's reading of it)."""
    verdict = verdict_on(case, reply)
    verdict["correct_if_read"] = verdict["correct"]
    if verdict["text_call"] and case["category"] != "irrelevance":
        read = {**reply, "content": None, "tool_calls": calls_written_out(reply.get("content"), case["functions"])}
        verdict["correct_if_read"] = verdict_on(case, read)["correct"]
    return verdict


def verdict_on(case: dict, reply: dict) -> dict:
    if reply.get("error") is not None or reply.get("status") != 200:
        return {"correct": False, "reason": f"HTTP {reply.get('status')}", "text_call": False}
    functions = case["functions"]
    text_call = not reply.get("tool_calls") and calls_in_text(reply.get("content"), functions)
    calls, problem = decode_calls(reply.get("tool_calls") or [], functions)
    verdict = {"text_call": text_call}
    category = case["category"]
    if category == "irrelevance":
        called = bool(reply.get("tool_calls")) or text_call
        what = "a call in the text content" if text_call else f"{len(reply.get('tool_calls') or [])} call(s)"
        return {**verdict, "correct": not called, "reason": "no call" if not called else f"made {what}"}
    if problem is not None:
        return {**verdict, "correct": False, "reason": problem}
    if not calls:
        return {**verdict, "correct": False,
                "reason": "call left in the text content" if text_call else "no call"}
    answers = case["answer"]
    if category in ("simple", "multiple"):
        if len(calls) != 1:
            return {**verdict, "correct": False, "reason": f"{len(calls)} calls, expected 1"}
        problem = call_problem(calls[0], answers[0], functions)
        return {**verdict, "correct": problem is None, "reason": problem or "ok"}
    if len(calls) != len(answers):
        return {**verdict, "correct": False, "reason": f"{len(calls)} calls, expected {len(answers)}"}
    if match_all(calls, answers, functions):
        return {**verdict, "correct": True, "reason": "ok"}
    # Say what the first unmatched answer lacked, for the reader.
    for answer in answers:
        problems = [call_problem(call, answer, functions) for call in calls]
        if all(problems):
            named = [p for p in problems if not p.startswith("called ")]
            return {**verdict, "correct": False,
                    "reason": f"no call fits {next(iter(answer))}: " + (named[0] if named else problems[0])}
    return {**verdict, "correct": False, "reason": "calls do not pair up with the answers one to one"}


# ---------------------------------------------------------------------------------------------------
# The run


def print_table(categories: list[str], servers: list[Server], records: list[dict]) -> None:
    names = [server.name for server in servers]
    header = ["category", "N"] + [f"{name} correct" for name in names] + [f"{name} errors" for name in names] \
        + [f"{name} text calls" for name in names]
    rows = []
    for category in categories + ["total"]:
        chosen = [r for r in records if category == "total" or r["category"] == category]
        row = [category, str(len(chosen))]
        row += [f"{sum(r['results'][n]['correct'] for r in chosen)}/{len(chosen)}" for n in names]
        row += [str(sum(r["results"][n]["status"] != 200 for r in chosen)) for n in names]
        row += [str(sum(r["results"][n]["text_call"] for r in chosen)) for n in names]
        rows.append(row)
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    line = lambda cells: "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                   for i, (cell, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows[:-1]:
        print(line(row))
    print("  ".join("-" * w for w in widths))
    print(line(rows[-1]))
    for name in names:
        left = [r for r in records if r["results"][name]["text_call"] and r["category"] != "irrelevance"]
        if left:
            right = sum(r["results"][name]["correct_if_read"] for r in left)
            print(f"{name}: {right} of its {len(left)} calls left in the text would have been right as tool_calls "
                  f"({sum(r['results'][name]['correct_if_read'] for r in records)}/{len(records)} in all)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", required=True, type=Path, help="the bfcl-eval wheel holding the data")
    parser.add_argument("--categories", default=" ".join(CATEGORIES))
    parser.add_argument("--per-category", type=int, default=20)
    parser.add_argument("--model", default="qwen2.5-coder:0.5b")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=300, help="seconds one request may take")
    parser.add_argument("--server", action="append", required=True, help="NAME=URL, once per server")
    parser.add_argument("--results", type=Path, required=True)
    args = parser.parse_args()

    categories = args.categories.split()
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown or not categories:
        sys.exit(f"bench: unknown categories {unknown}; known: {' '.join(CATEGORIES)}")
    cases = load_cases(args.wheel, categories, args.per_category)
    servers = [Server(spec, args.timeout) for spec in args.server]
    for server in servers:
        server.wait_ready()
    args.results.mkdir(parents=True, exist_ok=True)

    records = []
    started = time.monotonic()
    for number, case in enumerate(cases, 1):
        record = {"id": case["id"], "category": case["category"], "results": {}}
        # Alternate which server goes first, so neither always meets a warm or a cold cache.
        order = servers if number % 2 else list(reversed(servers))
        for server in order:
            reply = ask(server, case, args.model, args.max_tokens)
            record["results"][server.name] = {**score(case, reply), **reply}
        records.append(record)
        marks = "  ".join(f"{name} {'ok' if result['correct'] else 'NO'} ({result['reason'][:60]})"
                          for name, result in record["results"].items())
        print(f"[{number}/{len(cases)} {time.monotonic() - started:5.0f}s] {case['id']}: {marks}",
              file=sys.stderr, flush=True)
        (args.results / "cases.json").write_text(json.dumps(records, indent=1))

    summary = {"model": args.model, "max_tokens": args.max_tokens, "per_category": args.per_category,
               "categories": categories, "seconds": round(time.monotonic() - started, 1), "by_category": {}}
    for category in categories:
        chosen = [r for r in records if r["category"] == category]
        summary["by_category"][category] = {
            server.name: {"n": len(chosen), "correct": sum(r["results"][server.name]["correct"] for r in chosen),
                          "errors": sum(r["results"][server.name]["status"] != 200 for r in chosen),
                          "text_calls": sum(r["results"][server.name]["text_call"] for r in chosen),
                          "correct_if_read": sum(r["results"][server.name]["correct_if_read"] for r in chosen)}
            for server in servers}
    (args.results / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"==> {len(cases)} cases in {summary['seconds']:.0f} s; per-case replies in {args.results}/cases.json",
          file=sys.stderr)
    print_table(categories, servers, records)


if __name__ == "__main__":
    main()
