"""The official `openai` Python client, unchanged, against `nexus serve`'s /v1 API."""

from __future__ import annotations

import base64
import json
import struct
import urllib.request

import jsonschema_rs
import openai
import pytest

from conftest import SMALL, TOOLS


@pytest.fixture(scope="module")
def client(base_url) -> openai.OpenAI:
    # Keys are optional on loopback; the client insists on one, so it gets a placeholder.
    return openai.OpenAI(base_url=base_url + "/v1", api_key="nexus-tests", timeout=600, max_retries=0)


def test_chat_completion(client):
    completion = client.chat.completions.create(
        model=SMALL, messages=[{"role": "user", "content": "Say hello to Ada."}], max_tokens=16, temperature=0)
    assert completion.object == "chat.completion"
    assert completion.model == SMALL
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert 0 < completion.usage.completion_tokens <= 16
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_streaming_chat(client):
    stream = client.chat.completions.create(
        model=SMALL, messages=[{"role": "user", "content": "Count from one to five."}], max_tokens=24,
        temperature=0, stream=True)
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.strip()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert all(chunk.choices[0].finish_reason is None for chunk in chunks[:-1])


def test_stream_ends_with_done_on_the_wire(base_url):
    body = json.dumps({"model": SMALL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "stream": True})
    request = urllib.request.Request(base_url + "/v1/chat/completions", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        lines = [line.decode().rstrip("\n") for line in response]
    data = [line[len("data: "):] for line in lines if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    assert all(json.loads(item)["object"] == "chat.completion.chunk" for item in data[:-1])


def test_stream_options_include_usage(client):
    chunks = list(client.chat.completions.create(
        model=SMALL, messages=[{"role": "user", "content": "Name a colour."}], max_tokens=8, temperature=0,
        stream=True, stream_options={"include_usage": True}))
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert 0 < last.usage.completion_tokens <= 8
    assert last.usage.prompt_tokens > 0
    assert all(chunk.usage is None for chunk in chunks[:-1])


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city's name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "The local time in a time zone.",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string", "description": "An IANA zone such as Europe/Paris"}},
            "required": ["timezone"],
            "additionalProperties": False,
        },
    },
}
SCHEMAS = {tool["function"]["name"]: tool["function"]["parameters"] for tool in (WEATHER, TIME)}


def assert_valid_calls(calls, allowed):
    assert calls, "no tool call"
    for call in calls:
        assert call.type == "function"
        assert call.function.name in allowed
        arguments = json.loads(call.function.arguments)
        jsonschema_rs.validate(SCHEMAS[call.function.name], arguments)
    assert len({call.id for call in calls}) == len(calls), "tool call ids must be distinct"


def test_tool_choice_required_forces_a_valid_call(client):
    # Even a message that needs no tool gets a call: `required` is enforced, not suggested.
    completion = client.chat.completions.create(
        model=TOOLS, messages=[{"role": "user", "content": "Hello there!"}], tools=[WEATHER, TIME],
        tool_choice="required", max_tokens=96, temperature=0)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert_valid_calls(choice.message.tool_calls, {"get_weather", "get_time"})


def test_jump_forward_is_reported_and_can_be_turned_off(client):
    # The call's envelope and keys are forced by the grammar: decoded as checked drafts unless
    # the request says "jump_forward": false, and the call is the same either way.
    def call(**extra):
        request = dict(model=TOOLS, messages=[{"role": "user", "content": "What's the weather like in Oslo?"}],
                       tools=[WEATHER], tool_choice="required", max_tokens=96, temperature=0)
        client.chat.completions.create(**request, extra_body=extra)  # both sides find the prompt cached
        return client.chat.completions.create(**request, extra_body=extra)

    on, off = call(), call(jump_forward=False)
    assert on.usage.completion_tokens_details.forced_tokens > 0
    assert off.usage.completion_tokens_details.forced_tokens == 0
    assert [c.function for c in on.choices[0].message.tool_calls] == [c.function for c in off.choices[0].message.tool_calls]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=TOOLS, messages=[{"role": "user", "content": "x"}], extra_body={"jump_forward": "yes"})


def test_tool_choice_named_function_is_the_one_called(client):
    completion = client.chat.completions.create(
        model=TOOLS, messages=[{"role": "user", "content": "What's the weather like in Oslo?"}], tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_time"}}, max_tokens=96, temperature=0)
    assert_valid_calls(completion.choices[0].message.tool_calls, {"get_time"})


def test_parallel_tool_calls_and_the_answer_after_them(client):
    messages = [{"role": "user", "content": "What is the weather in Paris and in Tokyo, in celsius?"}]
    completion = client.chat.completions.create(
        model=TOOLS, messages=messages, tools=[WEATHER], tool_choice="required", parallel_tool_calls=True,
        max_tokens=160, temperature=0)
    calls = completion.choices[0].message.tool_calls
    assert_valid_calls(calls, {"get_weather"})
    # The results go back with their call ids, and without tool_choice the model may answer.
    messages.append(completion.choices[0].message.model_dump(exclude_none=True))
    for call in calls:
        city = json.loads(call.function.arguments)["city"]
        messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps({"city": city, "temperature": 18})})
    followup = client.chat.completions.create(
        model=TOOLS, messages=messages, tools=[WEATHER], tool_choice="none", max_tokens=64, temperature=0)
    assert followup.choices[0].message.content.strip()
    assert not followup.choices[0].message.tool_calls


@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}, "auto"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_call_cut_by_max_tokens_is_length_not_an_error(client, tool_choice, stream):
    # The limit ends the output inside the call: a valid request, so 200 and finish_reason length,
    # and any call that does come back is whole.
    request = dict(model=TOOLS, messages=[{"role": "user", "content": "What's the weather in Buenos Aires?"}],
                   tools=[WEATHER], tool_choice=tool_choice, max_tokens=17, temperature=0)
    if stream:
        chunks = list(client.chat.completions.create(**request, stream=True))
        assert chunks[-1].choices[0].finish_reason == "length"
    else:
        choice = client.chat.completions.create(**request).choices[0]
        assert choice.finish_reason == "length"
        for call in choice.message.tool_calls or []:
            json.loads(call.function.arguments)


def test_streamed_tool_calls_arrive_as_deltas(client):
    chunks = list(client.chat.completions.create(
        model=TOOLS, messages=[{"role": "user", "content": "Weather in Rome?"}], tools=[WEATHER],
        tool_choice="required", max_tokens=96, temperature=0, stream=True))
    deltas = [call for chunk in chunks if chunk.choices for call in (chunk.choices[0].delta.tool_calls or [])]
    assert deltas
    assert deltas[0].function.name == "get_weather"
    arguments = "".join(delta.function.arguments or "" for delta in deltas if delta.index == 0)
    jsonschema_rs.validate(SCHEMAS["get_weather"], json.loads(arguments))
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_response_format_json_object(client):
    completion = client.chat.completions.create(
        model=TOOLS, messages=[{"role": "user", "content": 'Reply with a JSON object whose key "sum" holds 2 + 2.'}],
        response_format={"type": "json_object"}, max_tokens=48, temperature=0)
    choice = completion.choices[0]
    assert choice.finish_reason == "stop", f"the answer was cut: {choice.message.content!r}"
    assert isinstance(json.loads(choice.message.content), dict)


CITY = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 24},
        "country": {"type": "string", "maxLength": 24},
        "population_millions": {"type": "integer", "minimum": 0, "maximum": 50},
    },
    "required": ["city", "country", "population_millions"],
    "additionalProperties": False,
}


def test_response_format_json_schema(client):
    completion = client.chat.completions.create(
        model=SMALL, messages=[{"role": "user", "content": "Describe a large city."}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "strict": True, "schema": CITY}},
        max_tokens=96, temperature=0)
    choice = completion.choices[0]
    assert choice.finish_reason == "stop", f"the answer was cut: {choice.message.content!r}"
    jsonschema_rs.validate(CITY, json.loads(choice.message.content))


def test_text_completion(client):
    completion = client.completions.create(model=SMALL, prompt="The capital of France is", max_tokens=8, temperature=0)
    assert completion.object == "text_completion"
    assert completion.choices[0].text.strip()
    assert 0 < completion.usage.completion_tokens <= 8


def test_streaming_text_completion(client):
    chunks = list(client.completions.create(model=SMALL, prompt="One, two, three,", max_tokens=8, temperature=0, stream=True))
    assert "".join(chunk.choices[0].text for chunk in chunks).strip()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")


def test_embeddings_float_and_base64_agree(client, base_url):
    texts = ["The cat sat on the mat.", "Quarterly revenue rose 4%."]
    # The client asks for base64 by default and decodes it itself.
    default = client.embeddings.create(model=SMALL, input=texts)
    floats = client.embeddings.create(model=SMALL, input=texts, encoding_format="float")
    assert [item.index for item in default.data] == [0, 1]
    assert default.usage.prompt_tokens > 0
    for decoded, plain in zip(default.data, floats.data):
        assert len(decoded.embedding) == len(plain.embedding) > 0
        assert decoded.embedding == pytest.approx(plain.embedding, rel=1e-6, abs=1e-7)
    # On the wire, base64 is little-endian float32.
    raw = client.embeddings.create(model=SMALL, input="hello", encoding_format="base64")
    packed = base64.b64decode(raw.data[0].embedding)
    assert len(packed) % 4 == 0
    assert len(struct.unpack(f"<{len(packed) // 4}f", packed)) == len(default.data[0].embedding)


def test_models_list_and_retrieve(client):
    ids = {model.id for model in client.models.list()}
    assert {SMALL, TOOLS} <= ids
    model = client.models.retrieve(TOOLS)
    assert model.id == TOOLS and model.object == "model"


def test_unknown_model_is_a_404_in_openai_shape(client):
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="no-such-model:1b", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 404
    error = raised.value.body
    assert error["type"] == "not_found_error"
    assert "no-such-model:1b" in error["message"]
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model:1b")


def test_bad_requests_are_400s_naming_the_field(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=SMALL, messages=[])
    assert "messages" in raised.value.body["message"]
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "hi"}], tools=[WEATHER],
                                       tool_choice={"type": "function", "function": {"name": "not_offered"}})
    assert "not_offered" in raised.value.body["message"]


def test_gateway_purposes_are_models_the_client_can_name(client):
    # No gateway.json here: every purpose's one route is the server's default model.
    reply = client.chat.completions.create(model="gateway:chat", max_tokens=8, temperature=0,
                                           messages=[{"role": "user", "content": "Say hi."}])
    assert reply.model == "gateway:chat"
    assert reply.choices[0].message.content
    assert reply.usage.completion_tokens > 0
    vectors = client.embeddings.create(model="gateway:embed", input=["a cat", "a dog"])
    assert len(vectors.data) == 2 and len(vectors.data[0].embedding) > 0
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="gateway:chitchat", messages=[{"role": "user", "content": "hi"}])
    assert "gateway:chat" in str(raised.value)
