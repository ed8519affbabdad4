#!/usr/bin/env python3
"""The two halves of bench/agent_speed.sh, which starts the servers and calls this.

record: runs agent tasks of bench/agent/tasks.py (dev half) with `nexus run` whose model is an
    `openai:` reference to a small recording proxy started here; the proxy appends each
    `POST /v1/chat/completions` body to a JSONL file, forwards it to a `nexus serve` and returns the
    answer unchanged. One line per model request:
        {"task": NAME, "step": N, "request": BODY, "recorded": {content, tool_calls, finish_reason}}
    where BODY is the request exactly as the agent sent it (OpenAI wire form, streamed).

replay: sends every recorded request, in recorded order, to each server under test (forced to
    temperature 0 and stream false; the feature under test (--feature: "jump_forward", the default, or
    "speculative") on for "nexus-on" and off for "nexus-off", the other one off on both), times each from
    the request to the complete response, keeps each output (content and tool calls), and prints
    one table per step kind (steps ending in a tool call / in an answer) with the medians, ratios,
    the share of identical outputs and the prediction tokens accepted/drafted. Per-step JSON goes
    to RESULTS/steps.json, the summary to RESULTS/summary.json.

Only the standard library, so the benchmark needs no venv.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent"))
import tasks as task_set  # noqa: E402
from server_load import wait_healthy  # noqa: E402  (bench/ is the script's own folder)

# Dev tasks whose steps read files and write them back (text the model copies from its context),
# and a few that end in a computed answer.
DEFAULT_TASKS = "fix_typo,delete_line,uppercase,multi_replace,copy_file,merge_parts,sort_guests,csv_total"

TARGET_RATIO = 1.5   # llama-server seconds / nexus (feature on) seconds per tool-call step
# Nexus's request fields for the two decoding features the replay can compare, and the usage fields
# that count their drafted tokens (accepted, rejected).
FEATURES = {"jump_forward": ("forced_tokens", "rejected_forced_tokens"),
            "speculative": ("accepted_prediction_tokens", "rejected_prediction_tokens")}
REQUEST_TIMEOUT = 900


# ---------------------------------------------------------------- HTTP

def split_url(url):
    parsed = urllib.parse.urlsplit(url)
    return parsed.hostname, parsed.port


def wait_ready(name, url, process_hint, seconds=300):
    host, port = split_url(url)
    wait_healthy(host, port, name, process_hint, seconds)


def post_json(url, path, body, timeout=REQUEST_TIMEOUT):
    """POST a JSON body; returns (seconds from sending to the last byte of the answer, status, text)."""
    host, port = split_url(url)
    data = json.dumps(body).encode()
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        seconds = time.perf_counter() - started
        return seconds, response.status, text
    finally:
        connection.close()


# ---------------------------------------------------------------- outputs

def output_of_message(message):
    """The part of an assistant message that the comparison looks at: content and the calls'
    names and arguments (arguments parsed, so `{"a": 1}` and `{"a":1}` are the same output)."""
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        raw = function.get("arguments")
        try:
            arguments = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            arguments = raw  # kept as text: two servers writing the same broken text still agree
        calls.append({"name": function.get("name"), "arguments": arguments})
    return {"content": message.get("content") or "", "tool_calls": calls}


def same_output(first, second):
    if first is None or second is None:
        return False
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def same_reply(first, second):
    """Two servers' replies to one request are identical when they say the same (content, calls) and
    generated the same number of tokens to the same end: a reply whose call is the same but that ran
    on to max_tokens after it is a different generation."""
    return (same_output(first.get("output"), second.get("output"))
            and first.get("finish_reason") == second.get("finish_reason")
            and first.get("completion_tokens") == second.get("completion_tokens"))


def assemble_stream(text):
    """The message a streamed chat completion (SSE) adds up to, and its finish reason."""
    content, calls, finish = [], {}, None
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            chunk = json.loads(payload)
        except json.JSONDecodeError:
            continue
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(call.get("index", len(calls)), {"function": {"name": "", "arguments": ""}})
                function = call.get("function") or {}
                entry["function"]["name"] += function.get("name") or ""
                entry["function"]["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    message = {"content": "".join(content), "tool_calls": [calls[key] for key in sorted(calls)]}
    return message, finish


# ---------------------------------------------------------------- record

class RecordingProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to `upstream` unchanged; appends chat completion bodies to `log`."""

    daemon_threads = True

    def __init__(self, upstream, log_path):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = upstream
        self.log_path = log_path
        self.lock = threading.Lock()
        self.task = None
        self.step = 0

    def begin(self, task):
        with self.lock:
            self.task, self.step = task, 0

    def append(self, body, answer_text):
        message, finish = assemble_stream(answer_text) if body.get("stream") else (None, None)
        if message is None:
            try:
                answer = json.loads(answer_text)
                choice = answer["choices"][0]
                message, finish = choice.get("message") or {}, choice.get("finish_reason")
            except (json.JSONDecodeError, KeyError, IndexError, TypeError):
                message, finish = {}, None
        with self.lock:
            self.step += 1
            line = {"task": self.task, "step": self.step, "request": body,
                    "recorded": dict(output_of_message(message), finish_reason=finish)}
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line) + "\n")


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def forward(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else None
        host, port = split_url(self.server.upstream)
        connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        headers = {key: value for key, value in self.headers.items()
                   if key.lower() not in ("host", "connection", "content-length", "accept-encoding")}
        try:
            connection.request(method, self.path, body=data, headers=headers)
            response = connection.getresponse()
            answer = response.read()
        except OSError as failure:
            self.send_error(502, f"upstream: {failure}")
            return
        finally:
            connection.close()
        if method == "POST" and self.path.split("?")[0].rstrip("/").endswith("/chat/completions") and data:
            try:
                self.server.append(json.loads(data), answer.decode("utf-8", errors="replace"))
            except json.JSONDecodeError:
                pass
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self):
        self.forward("GET")

    def do_POST(self):
        self.forward("POST")


def record(args):
    chosen = task_set.selected(args.tasks, "dev")
    if not chosen:
        sys.exit(f"bench: no dev task matches {args.tasks!r}")
    wait_ready("nexus serve", args.upstream, args.work)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    partial = args.out + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    proxy = RecordingProxy(args.upstream, partial)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}/v1"
    print(f"==> recording {len(chosen)} tasks through the proxy on {proxy_url} into {args.out}", file=sys.stderr)
    try:
        for task in chosen:
            workspace = os.path.join(args.work, "workspaces", task.name)
            shutil.rmtree(workspace, ignore_errors=True)  # a fresh workspace, also when -o is used again
            os.makedirs(workspace)
            task.setup(workspace)
            home = tempfile.mkdtemp(prefix="run-home-", dir=args.work)
            os.symlink(args.models_dir, os.path.join(home, "models"))
            proxy.begin(task.name)
            command = [args.nexus, "run", "--model", f"openai:{proxy_url}#{args.model}", "--workspace", workspace,
                       "--no-hope", "--max-steps", str(args.max_steps), "--json", "--", task.prompt]
            started = time.monotonic()
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout,
                                      env=dict(os.environ, NEXUS_HOME=home), stdin=subprocess.DEVNULL)
                output, code = done.stdout + done.stderr, done.returncode
            except subprocess.TimeoutExpired:
                output, code = f"timed out after {args.timeout} s", None
            with open(os.path.join(args.work, f"run-{task.name}.log"), "w") as handle:
                handle.write(output)
            shutil.rmtree(home, ignore_errors=True)
            answer = ""
            summary = last_summary(output)
            if summary and summary.get("status") == "completed":
                answer = summary.get("answer") or ""
            try:
                passed, _ = task.check(workspace, answer)
            except Exception:  # a crashing check only changes the note printed here
                passed = False
            print(f"  {task.name:<16} {proxy.step:>2} requests  {time.monotonic() - started:6.1f} s  "
                  f"exit {code}  {'passed' if passed else 'failed'}", file=sys.stderr)
    finally:
        proxy.shutdown()
    if not os.path.exists(partial):
        sys.exit("bench: no request was recorded; see the run logs in " + args.work)
    os.replace(partial, args.out)
    with open(args.out) as handle:
        count = sum(1 for _ in handle)
    print(f"==> {count} requests recorded in {args.out}", file=sys.stderr)


def last_summary(text):
    """The last JSON object in `text` that is a run summary (`nexus run --json`)."""
    decoder, found = json.JSONDecoder(), None
    for index, char in enumerate(text):
        if char == "{" and (index == 0 or text[index - 1] == "\n"):
            try:
                value, _ = decoder.raw_decode(text, index)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and "status" in value:
                found = value
    return found


# ---------------------------------------------------------------- replay

def replay_body(request, feature, feature_off):
    body = dict(request)
    body["temperature"] = 0
    body["stream"] = False
    body.pop("stream_options", None)
    # Both nexus servers are told which way to run each feature: the one under test on or off,
    # the other off. llama-server ignores fields it does not know.
    for name in FEATURES:
        body[name] = name == feature and not feature_off
    return body


def send(url, body, feature):
    try:
        seconds, status, text = post_json(url, "/v1/chat/completions", body)
    except OSError as failure:  # refused, reset or timed out: the step counts as failed for this server
        return {"seconds": None, "status": None, "error": str(failure), "output": None}
    result = {"seconds": round(seconds, 4), "status": status}
    try:
        answer = json.loads(text)
    except json.JSONDecodeError:
        answer = None
    if status != 200 or not isinstance(answer, dict) or not answer.get("choices"):
        result["error"] = text[:500]
        result["output"] = None
        return result
    choice = answer["choices"][0]
    result["output"] = output_of_message(choice.get("message") or {})
    result["finish_reason"] = choice.get("finish_reason")
    usage = answer.get("usage") or {}
    details = usage.get("completion_tokens_details") or {}
    result["prompt_tokens"] = usage.get("prompt_tokens")
    result["cached_tokens"] = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    result["completion_tokens"] = usage.get("completion_tokens")
    accepted, rejected = FEATURES[feature]
    result["accepted"] = details.get(accepted)
    result["rejected"] = details.get(rejected)
    timings = answer.get("timings")  # llama-server's own
    if timings:
        result["prompt_n"], result["predicted_n"] = timings.get("prompt_n"), timings.get("predicted_n")
    return result


def load_requests(path, limit, tasks):
    lines = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    sys.exit(f"bench: {path}:{number} is not JSON")
    if tasks:
        wanted = [part.strip() for part in tasks.split(",") if part.strip()]
        lines = [line for line in lines if any(part in (line.get("task") or "") for part in wanted)]
    return lines[:limit] if limit else lines


def replay(args):
    targets = []
    for spec in args.server:
        name, _, url = spec.partition("=")
        targets.append((name, url))
    names = [name for name, _ in targets]
    steps = load_requests(args.requests, args.limit, args.tasks)
    if not steps:
        sys.exit(f"bench: no recorded request to replay in {args.requests}")
    for name, url in targets:
        wait_ready(name, url, args.results)

    def warm(request, fatal):
        outputs = {}
        for name, url in targets:
            outputs[name] = send(url, replay_body(request, args.feature, name == names[1]), args.feature)
            if fatal and outputs[name]["output"] is None:
                sys.exit(f"bench: {name} failed the first request: {outputs[name].get('error')}")
        return outputs

    print(f"==> {len(steps)} recorded requests from {args.requests}; warm-up: {args.warm}; "
          f"order rotates per step over {', '.join(names)}", file=sys.stderr)
    # Either way the first request is sent once untimed: it loads the model and shows every server answers.
    first = warm(steps[0]["request"], fatal=True)
    rows = []
    started = time.monotonic()
    for index, line in enumerate(steps):
        request = line["request"]
        warmed = None
        if args.warm == "each":
            warmed = first if index == 0 else warm(request, fatal=False)
        order = names[index % len(names):] + names[:index % len(names)]
        results = {}
        for name in order:
            url = dict(targets)[name]
            results[name] = send(url, replay_body(request, args.feature, name == names[1]), args.feature)
            if warmed is not None:
                results[name]["same_as_warm_up"] = same_reply(results[name], warmed[name])
        reference = results[names[0]]["output"]
        kind = "tool_call" if reference and reference["tool_calls"] else "answer"
        row = {"index": index, "task": line.get("task"), "step": line.get("step"), "kind": kind,
               "order": order, "messages": len(request.get("messages") or []),
               "tool_choice": request.get("tool_choice"), "max_tokens": request.get("max_tokens"),
               "results": results,
               "identical": {other: same_reply(results[names[0]], results[other]) for other in names[1:]}}
        rows.append(row)
        cells = "  ".join(f"{name} {results[name]['seconds'] or 0:6.2f}s" for name in names)
        same = " ".join(f"{'=' if row['identical'][other] else '≠'}{other}" for other in names[1:])
        print(f"  [{index + 1:>3}/{len(steps)}] {row['task'] or '-':<14} step {row['step'] or '-':>2} {kind:<9} "
              f"{cells}  {same}", file=sys.stderr, flush=True)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "steps.json"), "w") as handle:
        json.dump(rows, handle, indent=1)
    summary = report(rows, names, args, time.monotonic() - started)
    summary["seconds"] = round(time.monotonic() - started)
    with open(os.path.join(args.results, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=1)
    print(f"per-step results: {os.path.join(args.results, 'steps.json')}")


def median(values):
    return statistics.median(values) if values else None


def figures(rows, names):
    """Medians and ratios over `rows` (the steps every server answered)."""
    on, off, llama = names
    timed = [row for row in rows if all(row["results"][name]["output"] is not None for name in names)]
    seconds = {name: median([row["results"][name]["seconds"] for row in timed]) for name in names}
    tokens = {name: sum(row["results"][name].get("completion_tokens") or 0 for row in timed) for name in names}
    # Medians of the per-step ratios: each step weighs the same, however long it is.
    llama_on = median([row["results"][llama]["seconds"] / row["results"][on]["seconds"] for row in timed])
    off_on = median([row["results"][off]["seconds"] / row["results"][on]["seconds"] for row in timed])
    return {"steps": len(rows), "timed": len(timed), "median_seconds": seconds, "completion_tokens": tokens,
            "ratio_llama_over_on": llama_on, "ratio_off_over_on": off_on,
            "identical_on_off": sum(1 for row in rows if row["identical"][off]),
            "identical_on_llama": sum(1 for row in rows if row["identical"][llama])}


def number(value, width, digits=2, suffix=""):
    return f"{value:>{width - len(suffix)}.{digits}f}{suffix}" if value is not None else f"{'-':>{width}}"


def table(title, groups, names, with_identity):
    on, off, llama = names
    print(title)
    header = f"{'steps':<11}{'n':>4}" + "".join(f"{name + ' s':>15}" for name in names) + f"{'llama/on':>10}{'off/on':>8}"
    if with_identity:
        header += f"{'same on/off':>13}{'same on/llama':>15}"
    header += f"{'tokens on/off/llama':>22}"
    print(header)
    for label, found in groups:
        line = f"{label:<11}{found['steps']:>4}" + "".join(number(found["median_seconds"][name], 15) for name in names)
        line += number(found["ratio_llama_over_on"], 10, 2, "×") + number(found["ratio_off_over_on"], 8, 2, "×")
        if with_identity:
            line += f"{found['identical_on_off']}/{found['steps']}".rjust(13)
            line += f"{found['identical_on_llama']}/{found['steps']}".rjust(15)
        line += "/".join(str(found["completion_tokens"][name]) for name in names).rjust(22)
        print(line)
    print()


def report(rows, names, args, seconds):
    """Prints the tables; returns the same figures as a dict."""
    on, off, llama = names  # nexus with the feature on, nexus with it off, llama-server, in this order
    labels = {"tool_call": "tool call", "answer": "answer", "all": "all"}
    summary = {"model": args.model, "threads": args.threads, "ctx": args.ctx, "warm": args.warm, "feature": args.feature,
               "requests": args.requests, "servers": names, "all_steps": {}, "same_output_steps": {}}
    every, same = [], []
    for kind in ("tool_call", "answer", "all"):
        these = [row for row in rows if kind == "all" or row["kind"] == kind]
        alike = [row for row in these if row["identical"][off] and row["identical"][llama]]
        if these:
            summary["all_steps"][kind] = figures(these, names)
            every.append((labels[kind], summary["all_steps"][kind]))
        if alike:
            summary["same_output_steps"][kind] = figures(alike, names)
            same.append((labels[kind], summary["same_output_steps"][kind]))
    print()
    print(f"{len(rows)} replayed agent steps ({args.requests}), model {args.model}, {args.threads} threads, "
          f"context {args.ctx}, one slot, greedy; warm-up: {args.warm}; {seconds:.0f} s in all")
    print(f"median seconds per step; ratios are medians of the per-step ratios (> 1: nexus with {args.feature} "
          "on was faster);\nstep kind from nexus-on's output; tokens: completion tokens in all\n")
    table("all steps (what an agent waits for, whatever each server wrote):", every, names, True)
    if same:
        table("steps where all three outputs were identical (the same work on each server):", same, names, False)
    else:
        print("no step had identical outputs on all three servers\n")

    # The feature alone: nexus on against off where both generated the same tokens.
    parts = []
    for kind in ("tool_call", "answer", "all"):
        alike = [row for row in rows if (kind == "all" or row["kind"] == kind) and row["identical"][off]]
        if alike:
            found = figures(alike, names)
            summary.setdefault("same_on_off_steps", {})[kind] = found
            if found["ratio_off_over_on"] is not None:
                parts.append(f"{labels[kind]} {found['ratio_off_over_on']:.2f}× ({len(alike)} steps)")
    if parts:
        print(f"{off}/{on} over the steps both answered alike: " + ", ".join(parts))
    accepted = sum(row["results"][on].get("accepted") or 0 for row in rows)
    rejected = sum(row["results"][on].get("rejected") or 0 for row in rows)
    drafted = accepted + rejected
    off_drafted = sum((row["results"][off].get("accepted") or 0) + (row["results"][off].get("rejected") or 0)
                      for row in rows)
    share = f" ({accepted / drafted:.0%} accepted)" if drafted else ""
    print(f"{args.feature} drafted tokens ({on}): {accepted} accepted of {drafted} drafted{share}; {off}: {off_drafted} drafted")
    failures = {name: sum(1 for row in rows if row["results"][name]["output"] is None) for name in names}
    if any(failures.values()):
        print("failed requests: " + ", ".join(f"{name} {count}" for name, count in failures.items()))
    if args.warm == "each":
        unstable = {name: sum(1 for row in rows if not row["results"][name].get("same_as_warm_up")) for name in names}
        print("outputs that differed from the same request's warm-up: "
              + ", ".join(f"{name} {count}" for name, count in unstable.items()))

    for title, found in (("all tool-call steps", summary["all_steps"].get("tool_call")),
                         ("tool-call steps with identical outputs", summary["same_output_steps"].get("tool_call"))):
        if found and found["ratio_llama_over_on"] is not None:
            verdict = "meets" if found["ratio_llama_over_on"] >= TARGET_RATIO else "below"
            print(f"target ≥ {TARGET_RATIO}× faster than llama-server per tool-call step, {title}: "
                  f"{found['ratio_llama_over_on']:.2f}× ({verdict})")
    total = len(rows)
    same_off = sum(1 for row in rows if row["identical"][off])
    same_llama = sum(1 for row in rows if row["identical"][llama])
    print(f"target identical outputs: {on} vs {off} {same_off}/{total} ({'met' if same_off == total else 'not met'}), "
          f"{on} vs {llama} {same_llama}/{total} ({'met' if same_llama == total else 'not met'})")
    summary.update({"accepted_prediction_tokens": accepted, "drafted_prediction_tokens": drafted,
                    "failed_requests": failures})
    return summary


def report_again(args):
    """Prints the tables of an earlier replay again from its RESULTS/steps.json (identity judged anew)."""
    with open(os.path.join(args.results, "steps.json")) as handle:
        rows = json.load(handle)
    with open(os.path.join(args.results, "summary.json")) as handle:
        earlier = json.load(handle)
    names = earlier["servers"]
    for row in rows:
        row["identical"] = {other: same_reply(row["results"][names[0]], row["results"][other]) for other in names[1:]}
    settings = argparse.Namespace(model=earlier["model"], threads=earlier["threads"], ctx=earlier["ctx"],
                                  feature=earlier.get("feature", "speculative"),
                                  warm=earlier["warm"], requests=earlier["requests"])
    report(rows, names, settings, earlier.get("seconds") or 0)


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    recording = commands.add_parser("record", help="run agent tasks through a recording proxy")
    recording.add_argument("--nexus", required=True, help="the nexus binary that runs the agent")
    recording.add_argument("--upstream", required=True, help="the nexus serve base URL the proxy forwards to")
    recording.add_argument("--model", required=True)
    recording.add_argument("--models-dir", required=True, help="linked into each run's temporary NEXUS_HOME")
    recording.add_argument("--tasks", default=DEFAULT_TASKS, help="comma-separated task names (dev half)")
    recording.add_argument("--max-steps", type=int, default=12)
    recording.add_argument("--timeout", type=int, default=900, help="seconds allowed for one run")
    recording.add_argument("--out", required=True, help="the JSONL file of recorded requests")
    recording.add_argument("--work", required=True, help="folder for workspaces and run logs")

    replaying = commands.add_parser("replay", help="replay recorded requests against the servers")
    replaying.add_argument("--requests", required=True)
    replaying.add_argument("--server", action="append", required=True,
                           help="NAME=URL, three of them: nexus (feature on), nexus (off), llama-server")
    replaying.add_argument("--feature", choices=sorted(FEATURES), default="jump_forward",
                           help="the decoding feature nexus-on has and nexus-off lacks")
    replaying.add_argument("--model", required=True)
    replaying.add_argument("--threads", type=int, required=True)
    replaying.add_argument("--ctx", type=int, required=True)
    replaying.add_argument("--warm", choices=["first", "each"], default="first")
    replaying.add_argument("--limit", type=int, default=0, help="replay only the first N requests")
    replaying.add_argument("--tasks", default="", help="replay only these recorded tasks (comma-separated)")
    replaying.add_argument("--results", required=True)

    again = commands.add_parser("report", help="print the tables of an earlier replay again")
    again.add_argument("--results", required=True, help="the folder holding its steps.json and summary.json")

    args = parser.parse_args()
    if args.command == "record":
        record(args)
    elif args.command == "report":
        report_again(args)
    else:
        if len(args.server) != 3:
            sys.exit("bench: replay takes three --server: nexus on, nexus off, llama-server")
        replay(args)


if __name__ == "__main__":
    main()
