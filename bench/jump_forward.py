#!/usr/bin/env python3
"""The replay half of bench/jump_forward.sh: grammar-constrained requests sent to one `nexus serve`
with jump-forward off ("jump_forward": false) and on, greedy, each request's pair finding the same
prompt cached, and the two outputs compared.

The cases: the recorded agent requests that offer tools (bench/agent_speed.sh --record keeps them),
and a fixed set written here of function calls (tool_choice required and auto) and JSON-schema
answers, with varied names, arguments and nesting. Only the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_load import wait_healthy  # noqa: E402


def tool(name, description, properties, required=None):
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": properties, "required": required or list(properties)}}}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
TOOLS = [
    tool("get_weather", "Current weather of a city", {"city": STRING, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}),
    tool("search_flights", "Search flights", {"origin": STRING, "destination": STRING, "date": STRING, "passengers": INTEGER}),
    tool("create_invoice", "Create an invoice for a customer",
         {"customer_name": STRING, "amount_in_euros": {"type": "number"}, "due_date": STRING, "line_items": {"type": "array", "items": STRING}}),
    tool("send_email", "Send an email", {"recipient_address": STRING, "subject_line": STRING, "body_text": STRING}),
]
CALLS = [
    "What's the weather in Lisbon in celsius?",
    "Find flights from Oslo to Rome on 2027-03-02 for two people.",
    "Invoice Marta Kowalska 1250.50 euros for 'logo design' and 'two revisions', due 2027-01-31.",
    "Email jo@example.org with the subject 'Friday' and say the meeting moves to 3pm.",
    "How warm is it in Osaka right now, in fahrenheit?",
]
PERSON = {"type": "object", "properties": {"full_name": STRING, "year_of_birth": INTEGER, "home_town": STRING,
                                            "occupation": STRING}, "required": ["full_name", "year_of_birth", "home_town", "occupation"]}
SCHEMAS = [
    ("Describe Marie Curie as JSON.", PERSON),
    ("Three famous painters as JSON.", {"type": "object", "properties": {"painters": {"type": "array", "items": PERSON, "minItems": 3, "maxItems": 3}}, "required": ["painters"]}),
    ("A shopping list for pancakes as JSON.", {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"ingredient_name": STRING, "quantity_needed": STRING}, "required": ["ingredient_name", "quantity_needed"]}}},
        "required": ["items"]}),
]


def cases(model, recorded):
    found = []
    if recorded and os.path.exists(recorded):
        with open(recorded, encoding="utf-8") as handle:
            for line in handle:
                step = json.loads(line)
                if step["request"].get("tools"):
                    found.append((f"agent {step['task']} {step['step']} {step['request'].get('tool_choice') or 'auto'}", step["request"]))
    for choice in ("required", "auto"):
        for index, text in enumerate(CALLS):
            found.append((f"call {index + 1} {choice}", {"model": model, "messages": [{"role": "user", "content": text}],
                                                        "tools": TOOLS, "tool_choice": choice, "max_tokens": 256}))
    for index, (text, schema) in enumerate(SCHEMAS):
        found.append((f"schema {index + 1}", {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 384,
                                              "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}}))
    return found


def send(url, request, jump_forward):
    body = dict(request, temperature=0, stream=False, jump_forward=jump_forward, speculative=False)
    body.pop("stream_options", None)
    started = time.monotonic()
    with urllib.request.urlopen(urllib.request.Request(url + "/v1/chat/completions", json.dumps(body).encode(),
                                                       {"Content-Type": "application/json"}), timeout=900) as response:
        answer = json.loads(response.read())
    seconds = time.monotonic() - started
    message = answer["choices"][0]["message"]
    calls = [call["function"] for call in message.get("tool_calls") or []]
    usage = answer.get("usage") or {}
    details = usage.get("completion_tokens_details") or {}
    return {"seconds": seconds, "output": [message.get("content"), calls], "tokens": usage.get("completion_tokens") or 0,
            "forced": details.get("forced_tokens") or 0, "rejected": details.get("rejected_forced_tokens") or 0}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--recorded", default="")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()
    wait_healthy("127.0.0.1", args.port, "nexus serve", os.path.join(args.results, "nexus.log"))
    args.url = f"http://127.0.0.1:{args.port}"
    rows = []
    for name, request in cases(args.model, args.recorded):
        send(args.url, request, False)  # untimed: the prompt is cached for both sides alike
        times = {False: [], True: []}
        for round_index in range(args.rounds):
            for jump_forward in ((False, True) if round_index % 2 == 0 else (True, False)):
                result = send(args.url, request, jump_forward)
                times[jump_forward].append(result["seconds"])
                if jump_forward:
                    on = result
                else:
                    off = result
        kind = "schema" if name.startswith("schema") else "call" if on["output"][1] else "text"
        row = {"case": name, "kind": kind, "off": statistics.median(times[False]), "on": statistics.median(times[True]),
               "same": on["output"] == off["output"], "tokens": on["tokens"], "forced": on["forced"], "rejected": on["rejected"]}
        rows.append(row)
        print(f"  {name:<30} {kind:<6} off {row['off']:6.2f}s  on {row['on']:6.2f}s  ×{row['off'] / row['on']:.2f}  "
              f"tokens {row['tokens']:>4}  forced {row['forced']:>3} (+{row['rejected']} rejected)  "
              f"{'same' if row['same'] else 'DIFFERENT'}", file=sys.stderr, flush=True)
    with open(os.path.join(args.results, "cases.json"), "w") as handle:
        json.dump(rows, handle, indent=1)
    print(f"\njump-forward, {args.model}, {len(rows)} requests, median of {args.rounds} runs each side, greedy")
    print(f"{'kind':<28}{'n':>4}{'off s':>9}{'on s':>9}{'off/on':>9}{'forced tokens':>15}{'rejected':>10}{'same':>8}")
    for label, chosen in (("tool call, required", [r for r in rows if r["kind"] == "call" and "required" in r["case"]]),
                          ("tool call, auto", [r for r in rows if r["kind"] == "call" and "required" not in r["case"]]),
                          ("JSON schema", [r for r in rows if r["kind"] == "schema"]),
                          ("text (no call)", [r for r in rows if r["kind"] == "text"])):
        if not chosen:
            continue
        forced = sum(r["forced"] for r in chosen)
        tokens = sum(r["tokens"] for r in chosen)
        print(f"{label:<28}{len(chosen):>4}{statistics.median(r['off'] for r in chosen):>9.2f}"
              f"{statistics.median(r['on'] for r in chosen):>9.2f}"
              f"{statistics.median(r['off'] / r['on'] for r in chosen):>8.2f}×"
              f"{f'{forced}/{tokens}':>15}{sum(r['rejected'] for r in chosen):>10}"
              f"{sum(r['same'] for r in chosen):>5}/{len(chosen)}")
    same = sum(r["same"] for r in rows)
    print(f"\nidentical outputs with jump-forward on and off: {same}/{len(rows)}"
          f" ({'met' if same == len(rows) else 'NOT met'}); per-case results: {os.path.join(args.results, 'cases.json')}")


if __name__ == "__main__":
    main()
