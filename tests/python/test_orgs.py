"""Two orgs on one real server, met through the real `openai` client and plain HTTP.

Orgs and their keys are made with the CLI while the server runs; each org's key sees its own
runs, usage and keys and gets 404 for the other org's, exactly as for things that do not exist.
"""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from conftest import SMALL, start_server, stop_server
from test_limits import nexus


@pytest.fixture(scope="module")
def two_orgs():
    server = start_server("orgs", [SMALL])
    nexus(server.home, "orgs", "create", "acme")
    keys = {
        "default_operator": json.loads(nexus(server.home, "keys", "create", "--role", "operator", "--json")),
        "default_admin": json.loads(nexus(server.home, "keys", "create", "--role", "admin", "--json")),
        "acme_operator": json.loads(nexus(server.home, "keys", "create", "--role", "operator", "--org", "acme", "--json")),
        "acme_admin": json.loads(nexus(server.home, "keys", "create", "--role", "admin", "--org", "acme", "--json")),
    }
    yield server, keys
    stop_server(server)


def http(server, key):
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key['secret']}"}, timeout=120)


def test_the_cli_makes_orgs_and_keys_in_them(two_orgs):
    server, keys = two_orgs
    assert keys["acme_admin"]["org"] == "acme" and keys["default_admin"]["org"] == "default"
    orgs = {org["name"]: org for org in json.loads(nexus(server.home, "orgs", "list", "--json"))}
    assert orgs["acme"]["active_keys"] == 2 and orgs["default"]["active_keys"] == 2
    listed = json.loads(nexus(server.home, "keys", "list", "--org", "acme", "--json"))
    assert {key["id"] for key in listed} == {keys["acme_operator"]["id"], keys["acme_admin"]["id"]}


def test_another_orgs_run_is_not_found_and_not_listed(two_orgs):
    server, keys = two_orgs
    started = http(server, keys["default_operator"]).post(
        "/v1/agent/runs", json={"task": "List the files here.", "max_steps": 1, "max_tokens": 32})
    assert started.status_code == 201, started.text
    run_id = started.json()["id"]
    acme = http(server, keys["acme_admin"])
    for path in (f"/v1/agent/runs/{run_id}", f"/v1/agent/runs/{run_id}/events"):
        answer = acme.get(path)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert acme.post(f"/v1/agent/runs/{run_id}/cancel").status_code in (404, 403)
    assert run_id not in acme.get("/v1/agent/runs").text
    assert http(server, keys["default_admin"]).get(f"/v1/agent/runs/{run_id}").status_code == 200


def test_usage_keys_and_audit_are_each_orgs_own(two_orgs):
    server, keys = two_orgs
    for name in ("default_operator", "acme_operator"):
        client = openai.OpenAI(base_url=server.url + "/v1", api_key=keys[name]["secret"], max_retries=0)
        client.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
    acme = http(server, keys["acme_admin"])
    # Usage is written in batches a moment after each request ends.
    for _ in range(30):
        report = acme.get("/admin/usage", params={"period": "minute"}).text
        if keys["acme_operator"]["id"] in report:
            break
        time.sleep(0.2)
    assert keys["acme_operator"]["id"] in report and keys["default_operator"]["id"] not in report
    assert acme.get("/admin/usage", params={"org": "default"}).status_code == 404
    listed = acme.get("/admin/keys")
    assert listed.status_code == 403  # keys are an owner's to manage
    audit = acme.get("/admin/audit", params={"limit": 1000}).json()["data"]
    assert audit and all(event["org"] == "acme" for event in audit)
    assert keys["default_operator"]["id"] not in json.dumps(audit)
    assert acme.get("/metrics").status_code == 404
    assert http(server, keys["default_admin"]).get("/metrics").status_code == 200


def test_an_orgs_quota_set_with_the_cli_holds_that_org_only(two_orgs):
    server, keys = two_orgs
    nexus(server.home, "limits", "set", "org:acme", "tokens_per_day", "1")
    assert "org:acme" in nexus(server.home, "limits", "list")
    time.sleep(2.5)  # the server rereads limits changed by another process within two seconds
    acme = openai.OpenAI(base_url=server.url + "/v1", api_key=keys["acme_operator"]["secret"], max_retries=0)
    with pytest.raises(openai.RateLimitError) as refused:
        acme.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
    assert refused.value.code == "insufficient_quota"
    ours = openai.OpenAI(base_url=server.url + "/v1", api_key=keys["default_operator"]["secret"], max_retries=0)
    ours.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4)
    audit = json.loads(nexus(server.home, "audit", "--org", "acme", "--type", "limit.", "--json"))
    assert [event["resource"] for event in audit] == ["limit:org:acme/tokens_per_day"]
    nexus(server.home, "limits", "remove", "org:acme", "tokens_per_day")
