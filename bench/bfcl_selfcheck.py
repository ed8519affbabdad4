#!/usr/bin/env python3
"""The checks of bench/bfcl.py's checker and request building, on hand-made cases and replies: no data,
no server. A right reply of each category passes; a missing call, an extra call, a wrong name, a wrong
or missing argument, an undeclared argument, unreadable arguments and a call on an irrelevant question
fail; a call left in the text content is noticed. Exits non-zero on the first surprise."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bfcl  # noqa: E402

AREA = {"name": "geometry.area_circle", "description": "Area of a circle.",
        "parameters": {"type": "dict", "properties": {
            "radius": {"type": "float", "description": "The radius."},
            "units": {"type": "string", "description": "The units.", "optional": True},
            "origin": {"type": "tuple", "items": {"type": "float"}, "description": "The centre."},
            "filters": {"type": "dict", "properties": {"kind": {"type": "string"}, "size": {"type": "integer"}}},
            "extra": {"type": "any", "description": "Anything."}},
            "required": ["radius"]}}
WEATHER = {"name": "get_weather", "description": "The weather in a city.",
           "parameters": {"type": "dict", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def case(category: str, functions: list[dict], answer: list[dict] | None) -> dict:
    return {"id": f"{category}_x", "category": category, "messages": [{"role": "user", "content": "?"}],
            "functions": functions, "answer": answer}


def reply(*calls: tuple[str, object], content: str | None = None, status: int = 200) -> dict:
    return {"status": status, "content": content,
            "tool_calls": [{"name": name, "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)}
                           for name, arguments in calls]}


SIMPLE = case("simple", [AREA], [{"geometry.area_circle": {
    "radius": [5.0], "units": ["cm", ""], "origin": ["", [0, 0]],
    "filters": ["", {"kind": ["Round"], "size": [3, ""]}]}}])
MULTIPLE = case("multiple", [AREA, WEATHER], [{"get_weather": {"city": ["Paris", "Paris, France"]}}])
PARALLEL = case("parallel", [WEATHER], [{"get_weather": {"city": ["Paris"]}}, {"get_weather": {"city": ["Rome"]}}])
PARALLEL_MULTIPLE = case("parallel_multiple", [AREA, WEATHER],
                         [{"geometry.area_circle": {"radius": [2]}}, {"get_weather": {"city": ["Oslo"]}}])
IRRELEVANCE = case("irrelevance", [WEATHER], None)

# (what, case, reply, whether it is right)
EXAMPLES = [
    ("simple: right, dotted name mapped back, number as int", SIMPLE, reply(("geometry_area_circle", {"radius": 5})), True),
    ("simple: right, string case and blanks ignored", SIMPLE,
     reply(("geometry_area_circle", {"radius": 5.0, "units": "  CM "})), True),
    ("simple: right, optional object with its own acceptable values", SIMPLE,
     reply(("geometry_area_circle", {"radius": 5, "origin": [0.0, 0], "filters": {"kind": "round"}})), True),
    ("simple: wrong radius", SIMPLE, reply(("geometry_area_circle", {"radius": 6})), False),
    ("simple: radius as a string", SIMPLE, reply(("geometry_area_circle", {"radius": "5"})), False),
    ("simple: missing required argument", SIMPLE, reply(("geometry_area_circle", {"units": "cm"})), False),
    ("simple: undeclared argument", SIMPLE, reply(("geometry_area_circle", {"radius": 5, "colour": "red"})), False),
    ("simple: wrong value inside an object", SIMPLE,
     reply(("geometry_area_circle", {"radius": 5, "filters": {"kind": "square"}})), False),
    ("simple: unknown key inside an object", SIMPLE,
     reply(("geometry_area_circle", {"radius": 5, "filters": {"kind": "round", "depth": 1}})), False),
    ("simple: list of the wrong length", SIMPLE, reply(("geometry_area_circle", {"radius": 5, "origin": [0]})), False),
    ("simple: two calls", SIMPLE,
     reply(("geometry_area_circle", {"radius": 5}), ("geometry_area_circle", {"radius": 5})), False),
    ("simple: arguments not JSON", SIMPLE, reply(("geometry_area_circle", "{radius: 5")), False),
    ("simple: no call", SIMPLE, reply(content="The area is 78.5."), False),
    ("simple: HTTP 500", SIMPLE, {"status": 500, "error": "boom"}, False),
    ("multiple: right function, second acceptable value", MULTIPLE, reply(("get_weather", {"city": "paris, france"})), True),
    ("multiple: wrong function", MULTIPLE, reply(("geometry_area_circle", {"radius": 1})), False),
    ("parallel: right, calls in the other order", PARALLEL,
     reply(("get_weather", {"city": "Rome"}), ("get_weather", {"city": "Paris"})), True),
    ("parallel: one call missing", PARALLEL, reply(("get_weather", {"city": "Paris"})), False),
    ("parallel: the same answer twice", PARALLEL,
     reply(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Paris"})), False),
    ("parallel: one call too many", PARALLEL,
     reply(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"}), ("get_weather", {"city": "Oslo"})),
     False),
    ("parallel_multiple: right", PARALLEL_MULTIPLE,
     reply(("get_weather", {"city": "Oslo"}), ("geometry_area_circle", {"radius": 2.0})), True),
    ("parallel_multiple: wrong argument in one call", PARALLEL_MULTIPLE,
     reply(("get_weather", {"city": "Bergen"}), ("geometry_area_circle", {"radius": 2})), False),
    ("irrelevance: no call", IRRELEVANCE, reply(content="I cannot help with that."), True),
    ("irrelevance: a call", IRRELEVANCE, reply(("get_weather", {"city": "Paris"})), False),
    ("irrelevance: a call left in the text", IRRELEVANCE,
     reply(content='<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'), False),
    ("irrelevance: HTTP 400", IRRELEVANCE, {"status": 400, "error": "bad"}, False),
]


def main() -> int:
    failures = 0
    for what, example, answer, right in EXAMPLES:
        verdict = bfcl.score(example, answer)
        ok = verdict["correct"] == right
        failures += not ok
        print(f"{'ok ' if ok else 'BAD'} {what}: {'right' if verdict['correct'] else 'wrong'} ({verdict['reason']})")

    # A call written out as JSON in the content is noticed, and a plain answer is not.
    checks = [
        ("text call: JSON naming the tool", bfcl.calls_in_text('{"name": "get_weather", "arguments": {"city": "X"}}', [WEATHER])),
        ("text call: dotted name", bfcl.calls_in_text('Sure: {"name": "geometry.area_circle", "arguments": {}}', [AREA])),
        ("text call: marker", bfcl.calls_in_text("<tool_call>get_weather</tool_call>", [WEATHER])),
        ("no text call in prose", not bfcl.calls_in_text("It is sunny in {Paris}.", [WEATHER])),
        ("no call: verdict flags the text call",
         bfcl.score(SIMPLE, reply(content='{"name": "geometry_area_circle", "arguments": {"radius": 5}}'))["text_call"]),
        ("text calls read back: fenced JSON, dotted name",
         bfcl.calls_written_out('```json\n{"name": "geometry_area_circle", "arguments": {"radius": 5}}\n```', [AREA])
         == [{"name": "geometry_area_circle", "arguments": '{"radius": 5}'}]),
        ("text calls read back: two of them",
         len(bfcl.calls_written_out('{"name": "get_weather", "arguments": {"city": "Paris"}}\n'
                                    '{"name": "get_weather", "arguments": {"city": "Rome"}}', [WEATHER])) == 2),
        ("right had the text call been read",
         bfcl.score(PARALLEL, reply(content='<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>'
                                            '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'))
         == {"correct": False, "reason": "call left in the text content", "text_call": True, "correct_if_read": True}),
        ("wrong even had the text call been read",
         not bfcl.score(SIMPLE, reply(content='{"name": "geometry_area_circle", "arguments": {"radius": 7}}'))
         ["correct_if_read"]),
    ]
    # The request: BFCL's types become JSON Schema, dotted names lose their dots, BFCL-only keys go.
    tools = bfcl.tools_for([AREA])
    parameters = tools[0]["function"]["parameters"]
    checks += [
        ("tool name without dots", tools[0]["function"]["name"] == "geometry_area_circle"),
        ("dict -> object", parameters["type"] == "object" and parameters["properties"]["filters"]["type"] == "object"),
        ("float -> number", parameters["properties"]["radius"]["type"] == "number"),
        ("tuple -> array of number", parameters["properties"]["origin"] == {
            "type": "array", "items": {"type": "number"}, "description": "The centre."}),
        ("any -> no type", "type" not in parameters["properties"]["extra"]),
        ("optional dropped", "optional" not in parameters["properties"]["units"]),
        ("body", bfcl.request_body(SIMPLE, "m", 64)["tool_choice"] == "auto"
         and bfcl.request_body(SIMPLE, "m", 64)["temperature"] == 0),
        ("sample: every k-th, fixed", bfcl.sample_indices(400, 20)[:3] == [0, 20, 40]
         and bfcl.sample_indices(239, 20) == bfcl.sample_indices(239, 20)
         and len(set(bfcl.sample_indices(239, 20))) == 20 and bfcl.sample_indices(5, 20) == [0, 1, 2, 3, 4]),
    ]
    for what, ok in checks:
        failures += not ok
        print(f"{'ok ' if ok else 'BAD'} {what}")
    print(f"{len(EXAMPLES) + len(checks) - failures}/{len(EXAMPLES) + len(checks)} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
