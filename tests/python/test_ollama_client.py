"""The official `ollama` Python client, unchanged, against `nexus serve`."""

from __future__ import annotations

import json
import math

import ollama
import pytest
from pydantic import BaseModel, Field

from conftest import SMALL, TOOLS

GREEDY = {"temperature": 0, "seed": 7}


@pytest.fixture(scope="module")
def client(base_url) -> ollama.Client:
    return ollama.Client(host=base_url, timeout=600)


def test_chat_answers_with_an_assistant_message_and_ollama_counts(client):
    response = client.chat(model=SMALL, messages=[{"role": "user", "content": "Say hello to Ada."}],
                           options={**GREEDY, "num_predict": 16})
    assert response.done is True
    assert response.message.role == "assistant"
    assert response.message.content.strip()
    assert response.done_reason in ("stop", "length")
    assert 0 < response.eval_count <= 16
    assert response.prompt_eval_count > 0
    # Durations are nanoseconds, as Ollama writes them: a whole request takes well over 1000 ns.
    assert response.total_duration > 1000
    assert response.total_duration >= response.eval_duration


def test_streaming_chat_sends_pieces_then_a_final_object(client):
    chunks = list(client.chat(model=SMALL, messages=[{"role": "user", "content": "Count from one to five."}],
                              options={**GREEDY, "num_predict": 24}, stream=True))
    assert len(chunks) >= 2
    *pieces, final = chunks
    assert all(not chunk.done for chunk in pieces)
    assert final.done is True and final.done_reason in ("stop", "length")
    text = "".join(chunk.message.content for chunk in pieces)
    assert text.strip()
    # Each piece carries at least one token's text, so there cannot be more pieces than tokens.
    assert len([piece for piece in pieces if piece.message.content]) <= final.eval_count <= 24


def test_generate_completes_a_prompt(client):
    response = client.generate(model=SMALL, prompt="Name a colour.", options={**GREEDY, "num_predict": 8})
    assert response.done is True
    assert response.response.strip()
    assert 0 < response.eval_count <= 8


def test_generate_streams(client):
    chunks = list(client.generate(model=SMALL, prompt="Name a fruit.", options={**GREEDY, "num_predict": 8}, stream=True))
    assert chunks[-1].done is True
    assert "".join(chunk.response for chunk in chunks).strip()


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city's name"}},
            "required": ["city"],
        },
    },
}


def test_tools_round_trip_a_real_tool_call(client):
    messages = [{"role": "user", "content": "What is the weather in Paris right now? Use the get_weather tool."}]
    response = client.chat(model=TOOLS, messages=messages, tools=[WEATHER_TOOL], options={**GREEDY, "num_predict": 96})
    calls = response.message.tool_calls
    assert calls, f"no tool call; the model said {response.message.content!r}"
    call = calls[0]
    assert call.function.name == "get_weather"
    # The client reads arguments as a mapping; the schema asks for a string city.
    assert isinstance(call.function.arguments["city"], str) and call.function.arguments["city"]
    # The tool's answer goes back in the conversation; the next turn is a finished answer: prose,
    # or (a small model may ask again) a well-formed call to the same tool, never an empty turn.
    messages += [response.message, {"role": "tool", "content": '{"temperature_c": 21, "sky": "clear"}', "tool_name": "get_weather"}]
    followup = client.chat(model=TOOLS, messages=messages, tools=[WEATHER_TOOL], options={**GREEDY, "num_predict": 64})
    assert followup.done
    if followup.message.tool_calls:
        assert followup.message.tool_calls[0].function.name == "get_weather"
        assert isinstance(followup.message.tool_calls[0].function.arguments.get("city"), str)
    else:
        assert followup.message.content.strip()


class Pet(BaseModel):
    name: str = Field(max_length=20)
    species: str = Field(pattern="^(cat|dog|fish)$")
    age: int = Field(ge=0, le=30)


def test_format_json_schema_constrains_the_answer(client):
    response = client.chat(model=SMALL, messages=[{"role": "user", "content": "Describe a pet as JSON."}],
                           format=Pet.model_json_schema(), options={**GREEDY, "num_predict": 96})
    assert response.done_reason == "stop", f"the answer was cut: {response.message.content!r}"
    pet = Pet.model_validate_json(response.message.content)
    assert pet.species in ("cat", "dog", "fish")


def test_format_json_gives_json(client):
    response = client.generate(model=TOOLS, prompt='Return a JSON object whose key "sum" holds 2 + 2.',
                               format="json", options={**GREEDY, "num_predict": 48})
    assert response.done_reason == "stop", f"the answer was cut: {response.response!r}"
    assert isinstance(json.loads(response.response), dict)


def test_embed_returns_one_normalised_vector_per_input(client):
    response = client.embed(model=SMALL, input=["The cat sat on the mat.", "Quarterly revenue rose 4%.", "The cat sat on the mat."])
    first, second, third = response.embeddings
    assert len(first) == len(second) == len(third) > 0
    assert math.isclose(math.sqrt(sum(value * value for value in first)), 1.0, rel_tol=1e-3)
    assert first == third
    assert first != second


def test_embed_of_a_single_string(client):
    response = client.embed(model=SMALL, input="hello")
    assert len(response.embeddings) == 1 and len(response.embeddings[0]) > 0


def test_list_show_and_ps(client):
    names = {model.model for model in client.list().models}
    assert {SMALL, TOOLS} <= names
    shown = client.show(SMALL)
    assert shown.details.quantization_level == "Q4_1"
    assert shown.details.family == "llama"
    assert "completion" in shown.capabilities
    client.generate(model=SMALL, prompt="Hi", options={"num_predict": 1})
    running = {model.model for model in client.ps().models}
    assert SMALL in running


def test_unknown_model_is_a_404_response_error(client):
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model="no-such-model:1b", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 404
    assert "no-such-model:1b" in raised.value.error


def test_load_and_unload_with_keep_alive(client):
    client.generate(model=SMALL, prompt="", keep_alive=-1)
    assert SMALL in {model.model for model in client.ps().models}
    client.generate(model=SMALL, prompt="", keep_alive=0)
    assert SMALL not in {model.model for model in client.ps().models}


def test_a_call_cut_by_num_predict_is_done_reason_length(client):
    messages = [{"role": "user", "content": "What's the weather in Buenos Aires?"}]
    response = client.chat(model=TOOLS, messages=messages, tools=[WEATHER_TOOL], options={**GREEDY, "num_predict": 17})
    assert response.done_reason == "length"
    for call in response.message.tool_calls or []:
        assert isinstance(call.function.arguments, dict)


def test_gateway_chat_streams_through_the_ollama_client(client):
    pieces = list(client.chat(model="gateway:chat", stream=True, options={"num_predict": 8, "temperature": 0},
                              messages=[{"role": "user", "content": "Say hi."}]))
    assert pieces[-1].done and pieces[-1].model == "gateway:chat"
    assert "".join(piece.message.content for piece in pieces)
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model="gateway:chitchat", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 404
