"""Managing the store over Ollama's API with the official client: create, copy, delete, pull.

These are the operations the fuzzing leaves out (or could not judge), tested on their own. The pull
downloads from a file server on loopback that this test starts, never from the network.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import pathlib
import shutil
import threading

import ollama
import pytest

from conftest import MODELS_HOME, SMALL


@pytest.fixture(scope="module")
def client(base_url) -> ollama.Client:
    return ollama.Client(host=base_url, timeout=600)


def names(client) -> set[str]:
    return {model.model for model in client.list().models}


def test_copy_then_delete(client):
    client.copy(SMALL, "smol-copy")
    assert "smol-copy" in names(client)
    assert client.show("smol-copy").details.quantization_level == "Q4_1"
    client.delete("smol-copy")
    assert "smol-copy" not in names(client)
    assert SMALL in names(client), "deleting a copy must keep the original"
    with pytest.raises(ollama.ResponseError) as raised:
        client.delete("smol-copy")
    assert raised.value.status_code == 404


def test_create_with_a_system_prompt_and_parameters(client):
    progress = [update.status for update in client.create(
        model="smol-pirate", from_=SMALL, system="You are a pirate.", parameters={"temperature": 0, "num_predict": 6},
        stream=True)]
    assert progress[-1] == "success"
    shown = client.show("smol-pirate")
    # The client's ShowResponse has no field for the system prompt; the Modelfile carries it.
    assert 'SYSTEM """You are a pirate."""' in shown.modelfile
    assert "num_predict" in shown.parameters
    # The model's default options apply: at most 6 tokens although the request sets no limit.
    answer = client.generate(model="smol-pirate", prompt="Tell me about the sea.")
    assert 0 < answer.eval_count <= 6
    client.delete("smol-pirate")


def test_create_from_an_unknown_model_is_a_404(client):
    with pytest.raises(ollama.ResponseError) as raised:
        client.create(model="nothing-here", from_="no-such-model:1b")
    assert raised.value.status_code == 404


@pytest.fixture(scope="module")
def gguf_server(tmp_path_factory):
    """Serves a copy of the small model's file on loopback."""
    manifest = json.loads((MODELS_HOME / "models" / "manifests" / "smollm2.json").read_text())
    folder = tmp_path_factory.mktemp("files")
    shutil.copy(manifest["path"], folder / "tiny.gguf")
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(folder))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tiny.gguf", manifest["sha256"]
    server.shutdown()


def pull(base_url: str, body: dict) -> list[dict]:
    """The raw NDJSON of /api/pull: the official client has no field for a URL or a sha256."""
    import urllib.request
    request = urllib.request.Request(base_url + "/api/pull", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return [json.loads(line) for line in response if line.strip()]


def test_pull_downloads_with_progress_and_checks_the_digest(client, base_url, gguf_server):
    url, sha256 = gguf_server
    updates = pull(base_url, {"model": "pulled-tiny", "url": url, "sha256": sha256})
    assert updates[-1] == {"status": "success"}
    downloads = [update for update in updates if "completed" in update]
    assert downloads and downloads[-1]["completed"] == downloads[-1]["total"] > 0
    assert "pulled-tiny" in names(client)
    assert client.generate(model="pulled-tiny", prompt="Hi", options={"num_predict": 2}).done
    client.delete("pulled-tiny")


def test_pull_with_a_wrong_digest_fails_and_stores_nothing(client, base_url, gguf_server):
    url, _ = gguf_server
    updates = pull(base_url, {"model": "bad-tiny", "url": url, "sha256": "0" * 64})
    assert "error" in updates[-1]
    assert "bad-tiny" not in names(client)


def test_pull_of_an_unknown_name_without_url_is_a_404(client):
    with pytest.raises(ollama.ResponseError) as raised:
        client.pull("no-such-model:1b")
    assert raised.value.status_code == 404


def test_create_and_copy_never_replace_a_model_unasked(client):
    client.create(model="guarded", from_=SMALL, system="the owner's prompt")
    for attempt in (lambda: client.copy(SMALL, "guarded"),
                    lambda: client.create(model="guarded", from_=SMALL, system="injected"),
                    lambda: client.create(model="Guarded:latest", from_=SMALL, system="injected")):
        with pytest.raises(ollama.ResponseError) as raised:
            attempt()
        assert raised.value.status_code == 409
    assert 'SYSTEM """the owner\'s prompt"""' in client.show("guarded").modelfile
    client.delete("guarded")


def test_a_store_name_that_reads_as_a_script_is_refused(client):
    with pytest.raises(ollama.ResponseError) as raised:
        client.copy(SMALL, "script:x.json")
    assert raised.value.status_code == 400
    assert "script:x.json" not in names(client)


def tiny_gguf(name: str) -> bytes:
    """A GGUF v3 header with no tensors and one general.name: a model file the catalog can describe."""
    import struct
    key, value = b"general.name", name.encode()
    return (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key
            + struct.pack("<I", 8) + struct.pack("<Q", len(value)) + value)


def test_create_from_an_uploaded_blob(client, tmp_path):
    path = tmp_path / "uploaded.gguf"
    path.write_bytes(tiny_gguf("uploaded"))
    digest = client.create_blob(path)
    assert client.create(model="from-blob", files={"model.gguf": digest}).status == "success"
    assert "from-blob" in names(client)
    client.delete("from-blob")


def test_create_from_a_path_tells_nothing_about_which_files_exist(client, tmp_path):
    present = tmp_path / "present.gguf"
    present.write_bytes(tiny_gguf("present"))
    answers = set()
    for probe in (str(present), str(tmp_path / "absent.gguf"), "/etc/passwd", "/etc"):
        with pytest.raises(ollama.ResponseError) as raised:
            client.create(model="probe", from_=probe)
        assert raised.value.status_code == 400
        answers.add(raised.value.error.replace(f"'{probe}'", "PATH"))
    assert len(answers) == 1, answers
