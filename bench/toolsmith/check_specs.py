#!/usr/bin/env python3
"""Check the toolsmith benchmark specs against the real module validator.

For every specs/NAME.json it builds a module folder (manifest.json whose tests are the
spec's examples and held-out cases, module.lua = the reference specs/NAME.lua), drafts it
with `nexus modules new` and runs `nexus modules validate NAME --json`. Exits 1 naming
every spec whose shape is wrong or whose reference solution fails a case.

    python3 bench/toolsmith/check_specs.py [--bin DIR] [--keep] [NAME ...]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SPECS = os.path.join(HERE, "specs")
CATEGORIES = {"text", "csv", "json", "arithmetic", "counting", "format", "parser"}
# Built-in tools, from the validator's own hint; a module may not take their names.
BUILTINS = {
    "filesystem_list", "filesystem_read", "filesystem_write", "filesystem_replace",
    "filesystem_copy", "filesystem_move", "filesystem_delete", "filesystem_mkdir",
    "filesystem_search", "execute_command", "python_execute", "web_fetch",
    "database_query", "memory_store", "memory_search", "self_modify",
}


def json_type(value):
    # bool is an int in Python, so it must be tested first.
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def input_schema(cases):
    # The host checks every test's input against this schema before the code runs, so the
    # types must fit all cases; a property whose cases disagree is left untyped.
    seen = {}
    for case in cases:
        for key, value in case["input"].items():
            seen.setdefault(key, set()).add(json_type(value))
    props = {}
    for key, types in seen.items():
        if types == {"integer", "number"}:
            types = {"number"}
        props[key] = {"type": types.pop()} if len(types) == 1 else {}
    return {"type": "object", "properties": props}


def lua_hazards(value, path="output"):
    """Output values that a correct Lua module cannot reliably reproduce."""
    problems = []
    if isinstance(value, dict):
        if not value:
            problems.append(f"{path} is an empty object (Lua cannot tell {{}} from [])")
        for key, item in value.items():
            problems += lua_hazards(item, f"{path}.{key}")
    elif isinstance(value, list):
        if not value:
            problems.append(f"{path} is an empty array (Lua cannot tell [] from {{}})")
        for i, item in enumerate(value):
            problems += lua_hazards(item, f"{path}[{i}]")
    elif isinstance(value, float) and (value * 4) != int(value * 4):
        # Halves and quarters print and compare exactly; anything else invites rounding fights.
        problems.append(f"{path} = {value} is not an exact decimal")
    return problems


def shape_problems(spec, filename):
    problems = []
    if list(spec) != ["name", "category", "description", "examples", "held_out"]:
        problems.append(f"keys are {list(spec)}")
    name = spec.get("name", "")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", name) or name in BUILTINS:
        problems.append(f"invalid module name {name!r}")
    if filename != name + ".json":
        problems.append(f"file {filename} does not match name {name!r}")
    if spec.get("category") not in CATEGORIES:
        problems.append(f"unknown category {spec.get('category')!r}")
    if not spec.get("description"):
        problems.append("empty description")
    for group in ("examples", "held_out"):
        cases = spec.get(group, [])
        if len(cases) != 4:
            problems.append(f"{group} has {len(cases)} cases, not 4")
        for i, case in enumerate(cases):
            if set(case) != {"input", "output"}:
                problems.append(f"{group}[{i}] keys are {sorted(case)}")
            elif not isinstance(case["input"], dict) or not isinstance(case["output"], dict):
                problems.append(f"{group}[{i}] input and output must be objects")
            else:
                problems += [f"{group}[{i}]: {p}" for p in lua_hazards(case["output"])]
    # A held-out case identical to an example would leak the answer to the toolsmith.
    shown = {json.dumps(c.get("input"), sort_keys=True) for c in spec.get("examples", [])}
    for i, case in enumerate(spec.get("held_out", [])):
        if json.dumps(case.get("input"), sort_keys=True) in shown:
            problems.append(f"held_out[{i}] repeats an example's input")
    return problems


def manifest(spec):
    cases = spec["examples"] + spec["held_out"]
    tests = [{"name": f"example_{i + 1}", "input": c["input"], "expect": c["output"]}
             for i, c in enumerate(spec["examples"])]
    tests += [{"name": f"held_out_{i + 1}", "input": c["input"], "expect": c["output"]}
              for i, c in enumerate(spec["held_out"])]
    return {
        "name": spec["name"],
        "version": "1.0.0",
        "description": spec["description"],
        "input": input_schema(cases),
        "output": {"type": "object"},
        "capabilities": {},
        "tests": tests,
    }


def run_nexus(bin_dir, home, *args):
    env = dict(os.environ, NEXUS_HOME=home)
    # The release binary links Swift's runtime libraries from the toolchain.
    env["PATH"] = "/opt/swift/usr/bin:" + env.get("PATH", "")
    swift_lib = "/opt/swift/usr/lib/swift/linux"
    if os.path.isdir(swift_lib):
        env["LD_LIBRARY_PATH"] = swift_lib + ":" + env.get("LD_LIBRARY_PATH", "")
    return subprocess.run([os.path.join(bin_dir, "nexus"), *args], env=env,
                          capture_output=True, text=True, timeout=120)


def validate(spec, lua_path, bin_dir, home, work):
    folder = os.path.join(work, spec["name"])
    os.makedirs(folder)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest(spec), f, indent=2)
    shutil.copy(lua_path, os.path.join(folder, "module.lua"))

    made = run_nexus(bin_dir, home, "modules", "new", folder)
    if made.returncode != 0:
        return [f"modules new failed: {(made.stderr or made.stdout).strip()}"]
    checked = run_nexus(bin_dir, home, "modules", "validate", spec["name"], "--json")
    try:
        report = json.loads(checked.stdout)
    except json.JSONDecodeError:
        return [f"validate gave no JSON report (rc {checked.returncode}): "
                f"{(checked.stderr or checked.stdout).strip()[:500]}"]
    failures = [f"{c['stage']}: {c['name']} — {c['message']}"
                for c in report.get("checks", []) if not c.get("passed")]
    ran = sum(1 for c in report.get("checks", []) if c.get("stage") == "test")
    # A report that passes without running every case would hide a dropped test.
    if not failures and ran != len(spec["examples"]) + len(spec["held_out"]):
        failures.append(f"only {ran} test checks in the report")
    if not failures and not report.get("passed"):
        failures.append("report says not passed, with no failing check")
    return failures


def main():
    default_bin = "/tmp/nexus-bin" if os.path.isdir("/tmp/nexus-bin") else os.path.join(REPO, ".build", "release")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=default_bin, help="folder holding nexus and nexus-lua-worker")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and module folders")
    parser.add_argument("names", nargs="*", help="only these specs")
    args = parser.parse_args()

    for program in ("nexus", "nexus-lua-worker"):
        if not os.access(os.path.join(args.bin, program), os.X_OK):
            sys.exit(f"{program} not found in {args.bin} (use --bin)")

    files = sorted(f for f in os.listdir(SPECS) if f.endswith(".json"))
    if args.names:
        files = [f for f in files if f[:-5] in args.names]
    # A fresh home per run: drafts from an earlier run must not shadow this one's.
    tmp = tempfile.mkdtemp(prefix="toolsmith-specs-")
    home, work = os.path.join(tmp, "home"), os.path.join(tmp, "modules")
    os.makedirs(home)
    os.makedirs(work)

    failed, categories = {}, {}
    try:
        for filename in files:
            with open(os.path.join(SPECS, filename)) as f:
                spec = json.load(f)
            name = filename[:-5]
            categories[spec.get("category")] = categories.get(spec.get("category"), 0) + 1
            problems = shape_problems(spec, filename)
            lua_path = os.path.join(SPECS, name + ".lua")
            if not os.path.exists(lua_path):
                problems.append(f"no reference solution {name}.lua")
            if not problems:
                problems = validate(spec, lua_path, args.bin, home, work)
            print(f"{'ok  ' if not problems else 'FAIL'} {name} ({spec.get('category')})")
            for p in problems:
                print(f"       {p}")
            if problems:
                failed[name] = problems
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if not args.names:
        thin = sorted(c for c in CATEGORIES if categories.get(c, 0) < 3)
        if thin:
            failed["(categories)"] = [f"fewer than 3 specs: {', '.join(thin)}"]
            print(f"FAIL categories with fewer than 3 specs: {', '.join(thin)}")
    print(f"{len(files) - len([n for n in failed if n in {f[:-5] for f in files}])}/{len(files)} specs pass"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
