"""Rate limits and quotas met through the real `openai` and `ollama` clients.

A limit set with `nexus limits set` while the server runs takes effect within two seconds; a key
over its rate gets the 429 the clients raise as a rate-limit error, with Retry-After; a key over
its quota gets `insufficient_quota`; `nexus usage` reports what was served.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import ollama
import openai
import pytest

from conftest import NEXUS_BIN, SMALL, start_server, stop_server


def nexus(home, *arguments: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "LD_LIBRARY_PATH"}
    env["NEXUS_HOME"] = str(home)
    done = subprocess.run([str(NEXUS_BIN), *arguments], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def limited():
    server = start_server("limits", [SMALL])
    keys = [json.loads(nexus(server.home, "keys", "create", "--role", "operator", "--json")) for _ in range(3)]
    yield server, keys
    stop_server(server)


def wait_for_limits() -> None:
    # The server rereads limits changed by another process at most two seconds later.
    time.sleep(2.5)


def test_rate_limit_reaches_the_clients_as_their_rate_limit_error(limited):
    server, keys = limited
    key = keys[0]
    nexus(server.home, "limits", "set", f"key:{key['id']}", "requests_per_minute", "2")
    wait_for_limits()
    client = openai.OpenAI(base_url=server.url + "/v1", api_key=key["secret"], max_retries=0)
    for _ in range(2):
        reply = client.chat.completions.with_raw_response.create(
            model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
        assert reply.headers["x-ratelimit-limit-requests"] == "2"
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
    assert refused.value.code == "rate_limit_exceeded"
    assert int(refused.value.response.headers["retry-after"]) >= 1
    with pytest.raises(ollama.ResponseError) as refused_ollama:
        ollama.Client(host=server.url, headers={"Authorization": f"Bearer {key['secret']}"}).chat(
            model=SMALL, messages=[{"role": "user", "content": "Say hi."}], options={"num_predict": 4})
    assert refused_ollama.value.status_code == 429
    assert "requests_per_minute" in refused_ollama.value.error
    # Another key is not touched by this key's limit.
    other = openai.OpenAI(base_url=server.url + "/v1", api_key=keys[1]["secret"], max_retries=0)
    assert other.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4).choices


def test_quota_refuses_with_insufficient_quota_and_usage_is_reported(limited):
    server, keys = limited
    key = keys[2]
    client = openai.OpenAI(base_url=server.url + "/v1", api_key=key["secret"], max_retries=0)
    served = client.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
    used = served.usage.total_tokens
    # The next request reserves its prompt and max_tokens: more than what is left.
    nexus(server.home, "limits", "set", f"key:{key['id']}", "tokens_per_day", str(used + 10))
    wait_for_limits()
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
    assert refused.value.code == "insufficient_quota"
    assert "tokens_per_day" in str(refused.value)
    rows = []
    for _ in range(50):
        rows = json.loads(nexus(server.home, "usage", "--key", key["id"], "--json"))
        if rows:
            break
        time.sleep(0.1)
    assert len(rows) == 1
    assert rows[0]["requests"] == 1
    assert rows[0]["total_tokens"] == used
    assert rows[0]["model"] == SMALL
    nexus(server.home, "limits", "remove", f"key:{key['id']}", "tokens_per_day")
    listed = json.loads(nexus(server.home, "limits", "--json"))
    assert all(limit["subject"] != f"key:{key['id']}" for limit in listed)
