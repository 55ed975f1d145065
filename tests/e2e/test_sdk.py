"""The official openai Python SDK as a real client of a running `warden serve`."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest

from conftest import FAKE_MODELS
from fake_upstream import EMBEDDING, ERROR500_BODY, OK_CHAT_TEXT, OK_COMPLETION_TEXT, STREAM_PARTS

MODERATION_CATEGORIES = {
    "sexual", "sexual/minors", "hate", "hate/threatening", "harassment", "self-harm", "violence", "violence/graphic",
}


@pytest.fixture(scope="module")
def client(gateway):
    return openai.OpenAI(base_url=f"{gateway.base}/v1", api_key=gateway.key, max_retries=0, timeout=20)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_chat_non_stream(client, gateway):
    raw = client.chat.completions.with_raw_response.create(model="ok", messages=user("Say hi"), user="end-user-1")
    request_id = raw.headers["x-request-id"]
    assert request_id.startswith("req_")
    completion = raw.parse()
    assert completion.choices[0].message.content == OK_CHAT_TEXT
    assert completion.choices[0].finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) == (7, 3, 10)

    rec = gateway.record(request_id)
    assert rec["endpoint"] == "/v1/chat/completions"
    assert (rec["org_id"], rec["app_id"], rec["key_id"]) == (gateway.org["id"], gateway.app["id"], gateway.key_id)
    assert rec["end_user"] == "end-user-1"
    assert rec["model"] == "ok"
    assert rec["upstream"] == "fake"
    assert rec["stream"] == 0
    assert (rec["prompt_tokens"], rec["completion_tokens"], rec["tokens_estimated"]) == (7, 3, 0)
    assert rec["status"] == 200
    assert rec["error_code"] is None
    assert rec["total_ms"] > 0
    assert rec["first_byte_ms"] is None or 0 <= rec["first_byte_ms"] <= rec["total_ms"]
    # recording.text: full keeps the texts.
    assert "Say hi" in rec["prompt_text"]
    assert rec["completion_text"] == OK_CHAT_TEXT


def test_alias_routes_to_canonical_model(client, gateway, fake_upstream):
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=user("alias"))
    assert raw.parse().choices[0].message.content == OK_CHAT_TEXT
    rec = gateway.record(raw.headers["x-request-id"])
    assert rec["model"] == "ok"
    assert fake_upstream.received()[-1].body["model"] == "ok"


def test_end_user_header(client, gateway):
    raw = client.chat.completions.with_raw_response.create(
        model="ok", messages=user("hi"), extra_headers={"X-Warden-End-User": "header-user-7"})
    assert gateway.record(raw.headers["x-request-id"])["end_user"] == "header-user-7"


def test_chat_stream(client, gateway):
    raw = client.chat.completions.with_raw_response.create(model="stream", messages=user("stream please"), stream=True)
    request_id = raw.headers["x-request-id"]
    assert raw.headers["content-type"].startswith("text/event-stream")
    chunks = list(raw.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "".join(STREAM_PARTS)
    # The client did not ask for usage: the upstream's usage-only chunk is stripped.
    assert all(c.choices for c in chunks), [c.model_dump() for c in chunks]
    assert all(c.usage is None for c in chunks)

    rec = gateway.record(request_id)
    assert rec["stream"] == 1
    assert rec["status"] == 200
    assert rec["error_code"] is None
    assert (rec["prompt_tokens"], rec["completion_tokens"], rec["tokens_estimated"]) == (5, 3, 0)
    assert rec["first_byte_ms"] is not None and 0 <= rec["first_byte_ms"] <= rec["total_ms"]
    assert rec["completion_text"] == "".join(STREAM_PARTS)


def test_chat_stream_include_usage(client):
    stream = client.chat.completions.create(model="stream", messages=user("x"), stream=True,
                                            stream_options={"include_usage": True})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "".join(STREAM_PARTS)
    last = chunks[-1]
    assert last.choices == []
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (5, 3, 8)
    assert sum(1 for c in chunks if c.usage is not None) == 1


def test_stream_without_upstream_usage_counts_tokens(client, gateway):
    raw = client.chat.completions.with_raw_response.create(model="stream-nousage", messages=user("count me"), stream=True)
    chunks = list(raw.parse())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "".join(STREAM_PARTS)
    rec = gateway.record(raw.headers["x-request-id"])
    assert rec["tokens_estimated"] == 1
    assert rec["prompt_tokens"] > 0
    assert rec["completion_tokens"] > 0


def test_forwarded_body(client, fake_upstream):
    """The upstream gets the route's upstream_name as model and every other field untouched."""
    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "héllo ✓"}]
    completion = client.chat.completions.create(
        model="my-echo", messages=msgs, temperature=0.25, top_p=0.5, max_tokens=12, user="u-echo",
        extra_body={"custom_field": {"nested": [1, 2, 3]}, "seed": 42})
    forwarded = json.loads(completion.choices[0].message.content)
    assert forwarded["model"] == "echo"
    assert forwarded["messages"] == msgs
    assert forwarded["temperature"] == 0.25
    assert forwarded["top_p"] == 0.5
    assert forwarded["max_tokens"] == 12
    assert forwarded["user"] == "u-echo"
    assert forwarded["custom_field"] == {"nested": [1, 2, 3]}
    assert forwarded["seed"] == 42
    assert "stream" not in forwarded or forwarded["stream"] is False
    # The client's Warden key never reaches the model server.
    headers = {k.lower(): v for k, v in fake_upstream.received("echo")[-1].headers.items()}
    assert client.api_key not in json.dumps(headers)
    # llama-cpp-python's server answers an empty 400 to any `x-request-id` that is not a UUID.
    if "x-request-id" in headers:
        uuid.UUID(headers["x-request-id"])


def test_forwarded_stream_asks_upstream_for_usage(client, fake_upstream):
    stream = client.chat.completions.create(model="my-echo", messages=user("s"), stream=True)
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    forwarded = json.loads(content)
    assert forwarded["model"] == "echo"
    assert forwarded["stream"] is True
    assert forwarded["stream_options"] == {"include_usage": True}
    assert all(c.usage is None for c in chunks)


def test_models_list(client):
    ids = [m.id for m in client.models.list()]
    expected = sorted({m["name"] for m in FAKE_MODELS} | {"m-down"})
    assert sorted(ids) == expected
    assert "gpt-4o-mini" not in ids


def test_completions(client, gateway):
    raw = client.completions.with_raw_response.create(model="ok", prompt="Once upon a time", max_tokens=5)
    completion = raw.parse()
    assert completion.choices[0].text == OK_COMPLETION_TEXT
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (7, 3)
    rec = gateway.record(raw.headers["x-request-id"])
    assert rec["endpoint"] == "/v1/completions"
    assert (rec["prompt_tokens"], rec["completion_tokens"], rec["status"]) == (7, 3, 200)


def test_completions_stream(client, gateway):
    raw = client.completions.with_raw_response.create(model="stream", prompt="Once", max_tokens=5, stream=True)
    chunks = list(raw.parse())
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "".join(STREAM_PARTS)
    assert all(c.choices for c in chunks)  # the usage-only chunk is stripped
    rec = gateway.record(raw.headers["x-request-id"])
    assert (rec["endpoint"], rec["stream"], rec["status"], rec["error_code"]) == ("/v1/completions", 1, 200, None)
    assert (rec["prompt_tokens"], rec["completion_tokens"], rec["tokens_estimated"]) == (5, 3, 0)
    assert rec["completion_text"] == "".join(STREAM_PARTS)


def test_concurrent_streams(client):
    def one(i):
        stream = client.chat.completions.create(model="stream", messages=user(f"c{i}"), stream=True)
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    with ThreadPoolExecutor(max_workers=16) as pool:
        texts = list(pool.map(one, range(32)))
    assert texts == ["".join(STREAM_PARTS)] * 32


def test_embeddings(client, gateway):
    raw = client.embeddings.with_raw_response.create(model="ok", input=["first", "second"])
    result = raw.parse()
    assert [d.index for d in result.data] == [0, 1]
    assert all(d.embedding == EMBEDDING for d in result.data)
    assert result.usage.prompt_tokens == 8
    rec = gateway.record(raw.headers["x-request-id"])
    assert rec["endpoint"] == "/v1/embeddings"
    assert (rec["prompt_tokens"], rec["status"]) == (8, 200)


def test_moderations(client, gateway):
    inputs = ["I love sunny days and kittens.", "I will kill you and your whole family tonight."]
    try:
        result = client.moderations.create(input=inputs)
    except openai.APIStatusError as e:
        assert e.status_code == 503, e
        assert e.code == "classifier_unavailable"
        pytest.skip("the gateway has no classifier model (503 classifier_unavailable)")
    assert result.id.startswith("modr-")
    assert isinstance(result.model, str) and result.model
    assert len(result.results) == 2
    for r in result.results:
        cats = r.categories.model_dump(by_alias=True)
        scores = r.category_scores.model_dump(by_alias=True)
        assert set(cats) >= MODERATION_CATEGORIES and set(scores) >= MODERATION_CATEGORIES
        assert all(isinstance(cats[c], bool) for c in MODERATION_CATEGORIES)
        assert all(0.0 <= scores[c] <= 1.0 for c in MODERATION_CATEGORIES)
        assert r.flagged == any(cats[c] for c in MODERATION_CATEGORIES)
    # The raw body has exactly the 8 public category names.
    raw = gateway.post("/v1/moderations", {"input": inputs[0]})
    assert raw.status == 200
    body = raw.json
    assert set(body["results"][0]["categories"]) == MODERATION_CATEGORIES
    assert set(body["results"][0]["category_scores"]) == MODERATION_CATEGORIES


def test_error_bad_key(gateway):
    bad = openai.OpenAI(base_url=f"{gateway.base}/v1", api_key="wdn-not-a-real-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model="ok", messages=user("x"))
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()


def test_error_unknown_model(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no-such-model", messages=user("x"))
    assert info.value.code == "model_not_found"
    assert info.value.param == "model"


def test_error_missing_messages(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.post("/chat/completions", body={"model": "ok"}, cast_to=str)
    assert info.value.status_code == 400
    assert info.value.param == "messages"


def test_error_bad_message_role(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="ok", messages=[{"content": "no role"}])
    assert info.value.param == "messages[0].role"


def test_error_upstream_unavailable(client):
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="m-down", messages=user("x"))
    assert info.value.status_code == 502
    assert info.value.code == "upstream_unavailable"


def test_error_upstream_timeout(client):
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="slow", messages=user("x"))
    assert info.value.status_code == 504
    assert info.value.code == "upstream_timeout"


def test_error_upstream_relayed(client):
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="error500", messages=user("x"))
    assert info.value.status_code == 500
    assert info.value.code == "fake_failure"
    assert info.value.body == ERROR500_BODY["error"]


def test_broken_stream_raises_during_iteration(client):
    stream = client.chat.completions.create(model="stream-nodone", messages=user("x"), stream=True)
    received = []
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Hello"
    assert info.value.code == "upstream_bad_response"
