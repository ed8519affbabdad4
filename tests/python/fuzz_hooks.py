"""schemathesis hooks for test_fuzz.py (loaded through SCHEMATHESIS_HOOKS=fuzz_hooks).

Generation is bounded so the fuzzing stays short: every generating request that asks for more than
MAX_TOKENS tokens, or for no limit, is clamped to MAX_TOKENS. Its other fields stay as generated, and
a limit that is not a number is left alone, so the server's own validation is still what answers it.
"""

from __future__ import annotations

import schemathesis

MAX_TOKENS = 8
GENERATING = {"/api/chat", "/api/generate", "/v1/chat/completions", "/v1/completions"}


def _is_number(value) -> bool:
    # 5.0 counts: the server reads a whole-number float as an integer.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def bound_generation(path: str, body) -> None:
    if path not in GENERATING or not isinstance(body, dict):
        return
    if path.startswith("/v1/"):
        for key in ("max_tokens", "max_completion_tokens"):
            if _is_number(body.get(key)) and not 0 <= body[key] <= MAX_TOKENS:
                body[key] = MAX_TOKENS
        if "max_tokens" not in body and "max_completion_tokens" not in body:
            body["max_tokens"] = MAX_TOKENS
        return
    options = body.setdefault("options", {})
    if isinstance(options, dict):
        predict = options.get("num_predict")
        if predict is None or (_is_number(predict) and not 0 <= predict <= MAX_TOKENS):
            options["num_predict"] = MAX_TOKENS


@schemathesis.hook
def before_call(context, case, kwargs):
    bound_generation(case.path, case.body)
