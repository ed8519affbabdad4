#!/usr/bin/env python3
"""The baseline: a plain OpenAI tool-calling loop, the way a user would write one over llama.cpp's
llama-server. Standard library only.

Each step POSTs the conversation with the tools to /v1/chat/completions (tool_choice "auto",
temperature 0), executes the tool calls the server returns in message.tool_calls inside the
workspace, appends their results as role "tool" messages, and stops when the model answers without
a tool call or after max_steps model turns (Nexus's --max-steps counts model turns the same way).

    plain_loop.py --url http://127.0.0.1:PORT --workspace DIR [--max-steps N] [--transcript FILE] "TASK"

prints one JSON object like `nexus run --json`: status, answer, steps, seconds, turns, error.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

# The same instructions Nexus's built-in prompt gives its model, without the name.
SYSTEM_PROMPT = (
    "You are an agent that completes tasks on the user's computer by calling tools. "
    "Work step by step: call a tool, read its result, then decide the next step. "
    "Use only facts you observed in tool results; never invent file names, contents or numbers. "
    "Paths are relative to the workspace. When the task is done, reply with a short final answer "
    "that states the result."
)

TOOLS = [
    {"type": "function", "function": {
        "name": "list_files",
        "description": "List the files and folders in a folder. Folders end with '/'. Paths are relative to the workspace.",
        "parameters": {"type": "object", "properties": {
            "path": {"type": "string", "description": "Folder to list. Default: \".\" (the workspace)."},
            "recursive": {"type": "boolean", "description": "true to also list everything inside subfolders."},
        }, "required": []}}},
    {"type": "function", "function": {
        "name": "read_file",
        "description": "Read a text file. Paths are relative to the workspace.",
        "parameters": {"type": "object", "properties": {
            "path": {"type": "string", "description": "The file to read."},
        }, "required": ["path"]}}},
    {"type": "function", "function": {
        "name": "write_file",
        "description": "Create or overwrite a text file (or append to it); missing parent folders are created. "
                       "Paths are relative to the workspace.",
        "parameters": {"type": "object", "properties": {
            "path": {"type": "string", "description": "The file to write."},
            "content": {"type": "string", "description": "The text to write."},
            "mode": {"type": "string", "enum": ["overwrite", "append"], "description": "Default: overwrite."},
        }, "required": ["path", "content"]}}},
    {"type": "function", "function": {
        "name": "run_command",
        "description": "Run a shell command in the workspace folder and return its exit code and output.",
        "parameters": {"type": "object", "properties": {
            "command": {"type": "string", "description": "The command line, e.g. \"wc -l notes.txt\"."},
        }, "required": ["command"]}}},
]

MAX_OUTPUT = 16_000           # characters of one tool result kept for the model
COMMAND_TIMEOUT = 60          # seconds
MAX_TOKENS_PER_TURN = 768     # the same cap Nexus puts on one model turn


class ToolError(Exception):
    pass


class Workspace:
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def resolve(self, path):
        """The real path of `path` inside the workspace; anything resolving outside it is refused."""
        path = (path or ".").strip() or "."
        full = os.path.realpath(os.path.join(self.root, path))
        if full != self.root and not full.startswith(self.root + os.sep):
            raise ToolError(f"{path} is outside the workspace")
        return full

    def relative(self, full):
        return os.path.relpath(full, self.root)

    def list_files(self, path=".", recursive=False):
        folder = self.resolve(path)
        if not os.path.isdir(folder):
            raise ToolError(f"{path} is not a folder")
        entries = []
        if recursive:
            for current, dirs, files in os.walk(folder):
                dirs.sort()
                for name in dirs:
                    entries.append(self.relative(os.path.join(current, name)) + "/")
                for name in sorted(files):
                    entries.append(self.relative(os.path.join(current, name)))
            entries.sort()
        else:
            for name in sorted(os.listdir(folder)):
                full = os.path.join(folder, name)
                entries.append(self.relative(full) + ("/" if os.path.isdir(full) else ""))
        return "\n".join(entries) if entries else f"[{path} is an empty folder]"

    def read_file(self, path):
        full = self.resolve(path)
        if not os.path.isfile(full):
            raise ToolError(f"{path} is not a file")
        with open(full, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def write_file(self, path, content, mode="overwrite"):
        full = self.resolve(path)
        if os.path.isdir(full):
            raise ToolError(f"{path} is a folder")
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "a" if mode == "append" else "w", encoding="utf-8") as handle:
            handle.write(content)
        return f"wrote {len(content.encode())} bytes to {self.relative(full)}"

    def run_command(self, command):
        try:
            done = subprocess.run(command, shell=True, cwd=self.root, capture_output=True, text=True,
                                  timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ToolError(f"the command did not finish in {COMMAND_TIMEOUT} s")
        text = f"exit code {done.returncode}\n{done.stdout}"
        if done.stderr:
            text += f"\nstderr:\n{done.stderr}"
        return text

    def call(self, name, arguments):
        if name == "list_files":
            return self.list_files(str(arguments.get("path", ".")), bool(arguments.get("recursive", False)))
        if name == "read_file":
            return self.read_file(str(arguments["path"]))
        if name == "write_file":
            return self.write_file(str(arguments["path"]), str(arguments["content"]), str(arguments.get("mode", "overwrite")))
        if name == "run_command":
            return self.run_command(str(arguments["command"]))
        raise ToolError(f"unknown tool {name}; the tools are list_files, read_file, write_file, run_command")


def chat(url, messages, timeout):
    body = json.dumps({"messages": messages, "tools": TOOLS, "tool_choice": "auto", "temperature": 0,
                       "max_tokens": MAX_TOKENS_PER_TURN}).encode()
    request = urllib.request.Request(url.rstrip("/") + "/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def run(url, task, workspace, max_steps, request_timeout=600, transcript=None):
    tools = Workspace(workspace)
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": task}]
    steps, turns, answer, status, error = [], 0, "", "budget_exhausted", None
    started = time.monotonic()
    try:
        while turns < max_steps:
            turns += 1
            try:
                response = chat(url, messages, request_timeout)
            except urllib.error.HTTPError as failure:
                detail = failure.read().decode(errors="replace")[:500]
                status, error = "failed", f"HTTP {failure.code}: {detail}"
                break
            except (urllib.error.URLError, TimeoutError, OSError) as failure:
                status, error = "failed", f"server: {failure}"
                break
            message = response["choices"][0]["message"]
            calls = message.get("tool_calls") or []
            kept = {"role": "assistant", "content": message.get("content") or ""}
            if calls:
                kept["tool_calls"] = calls
            messages.append(kept)
            if not calls:
                status, answer = "completed", message.get("content") or ""
                break
            for call in calls:
                function = call.get("function", {})
                name = function.get("name", "")
                raw = function.get("arguments") or "{}"
                try:
                    arguments = json.loads(raw) if isinstance(raw, str) else raw
                    if not isinstance(arguments, dict):
                        raise ToolError("the arguments must be a JSON object")
                    result, outcome = tools.call(name, arguments), "ok"
                except json.JSONDecodeError as failure:
                    result, outcome, arguments = f"error: the arguments are not valid JSON ({failure})", "error", raw
                except KeyError as missing:
                    result, outcome = f"error: missing argument {missing}", "error"
                except (ToolError, OSError) as failure:
                    result, outcome = f"error: {failure}", "error"
                if len(result) > MAX_OUTPUT:
                    result = result[:MAX_OUTPUT] + "\n[output truncated]"
                steps.append({"tool": name, "arguments": arguments, "status": outcome})
                messages.append({"role": "tool", "tool_call_id": call.get("id", ""), "content": result})
    finally:
        if transcript:
            with open(transcript, "w", encoding="utf-8") as handle:
                json.dump(messages, handle, indent=1)
    return {"status": status, "answer": answer, "steps": steps, "turns": turns,
            "seconds": round(time.monotonic() - started, 2), "error": error}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="llama-server's base URL")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--max-steps", type=int, default=12)
    parser.add_argument("--transcript", help="write the whole conversation to this JSON file")
    parser.add_argument("task")
    args = parser.parse_args()
    if not os.path.isdir(args.workspace):
        sys.exit(f"plain_loop: {args.workspace} is not a folder")
    print(json.dumps(run(args.url, args.task, args.workspace, args.max_steps, transcript=args.transcript)))


if __name__ == "__main__":
    main()
