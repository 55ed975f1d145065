"""Raw HTTP against a running gateway: every kind of bad input gets the OpenAI error shape, the
right status, code and param, an x-request-id, and a usage record."""
from __future__ import annotations

import http.client
import json
import re
import time

import pytest

from conftest import read_sse, wait_until
from fake_upstream import ERROR400_BODY, ERROR500_BODY, STALL_SECONDS

CHAT = "/v1/chat/completions"


def msgs(text="hi"):
    return [{"role": "user", "content": text}]


def assert_error(resp, status, code=None, param=None, *, type_=None):
    assert resp.status == status, resp
    err = resp.error()
    assert err["code"] == code, err
    assert err["param"] == param, err
    if type_:
        assert err["type"] == type_, err
    assert resp.headers.get("x-request-id", "").startswith("req_"), resp.headers
    assert resp.headers.get("content-type", "").startswith("application/json"), resp.headers
    return err


def assert_recorded(gateway, resp, status, error_code):
    rec = gateway.record(resp.headers["x-request-id"])
    assert rec["status"] == status, rec
    assert rec["error_code"] == error_code, rec
    return rec


# --- body problems --------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b'{"model": "ok", "messages": [', b"not json at all", b'{"model": "ok",}'])
def test_malformed_json(gateway, body):
    resp = gateway.post(CHAT, body, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "invalid_json", type_="invalid_request_error")
    assert_recorded(gateway, resp, 400, "invalid_json")


def test_empty_body(gateway):
    resp = gateway.post(CHAT, b"", headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "invalid_json")


def test_invalid_utf8(gateway):
    body = b'{"model": "ok", "messages": [{"role": "user", "content": "caf\xe9 \xff\xfe"}]}'
    resp = gateway.post(CHAT, body, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "invalid_encoding", type_="invalid_request_error")
    assert_recorded(gateway, resp, 400, "invalid_encoding")


@pytest.mark.parametrize("body,param", [
    ({"messages": msgs()}, "model"),
    ({"model": 123, "messages": msgs()}, "model"),
    ({"model": None, "messages": msgs()}, "model"),
    ({"model": ""}, "model"),
    ({"model": "ok"}, "messages"),
    ({"model": "ok", "messages": "hello"}, "messages"),
    ({"model": "ok", "messages": {"role": "user"}}, "messages"),
    ({"model": "ok", "messages": []}, "messages"),
    ({"model": "ok", "messages": ["hello"]}, "messages[0]"),
    ({"model": "ok", "messages": [{"content": "no role"}]}, "messages[0].role"),
    ({"model": "ok", "messages": [msgs()[0], {"role": 7, "content": "x"}]}, "messages[1].role"),
    ({"model": "ok", "messages": [{"role": "user", "content": 42}]}, "messages[0].content"),
    ({"model": "ok", "messages": msgs(), "stream": "yes"}, "stream"),
    ({"model": "ok", "messages": msgs(), "max_tokens": -1}, "max_tokens"),
    ({"model": "ok", "messages": msgs(), "user": 5}, "user"),
])
def test_missing_or_wrong_typed_fields(gateway, body, param):
    resp = gateway.post(CHAT, body)
    err = assert_error(resp, 400, None, param, type_="invalid_request_error")
    assert param.split(".")[-1].split("[")[0] in err["message"], err
    rec = gateway.record(resp.headers["x-request-id"])
    assert rec["status"] == 400 and rec["error_code"], rec


def test_body_not_an_object(gateway):
    resp = gateway.post(CHAT, [{"model": "ok"}])
    assert resp.status == 400
    resp.error()


@pytest.mark.parametrize("path,body,param", [
    ("/v1/completions", {"model": "ok"}, "prompt"),
    ("/v1/completions", {"model": "ok", "prompt": 5}, "prompt"),
    ("/v1/embeddings", {"model": "ok"}, "input"),
    ("/v1/embeddings", {"input": "x"}, "model"),
    ("/v1/embeddings", {"model": "ok", "input": "x", "stream": True}, "stream"),
])
def test_other_endpoints_validate(gateway, path, body, param):
    assert_error(gateway.post(path, body), 400, None, param)


@pytest.mark.parametrize("body,param", [
    ({"model": "x"}, "input"),
    ({"input": 5}, "input"),
    ({"input": []}, "input"),
    ({"input": ["ok", 7]}, "input[1]"),
])
def test_moderations_validate(gateway, body, param):
    assert_error(gateway.post("/v1/moderations", body), 400, None, param)


def test_moderations_requires_key(gateway):
    assert_error(gateway.post("/v1/moderations", {"input": "hi"}, key=None), 401, "invalid_api_key")


def test_body_too_large(gateway):
    big = {"model": "ok", "messages": msgs("x" * 70_000)}  # server.max_body_bytes is 65536
    resp = gateway.post(CHAT, big)
    assert_error(resp, 413, "request_too_large")
    assert_recorded(gateway, resp, 413, "request_too_large")


def test_body_too_large_chunked(gateway):
    """A body without Content-Length (chunked) is limited too."""
    payload = json.dumps({"model": "ok", "messages": msgs("y" * 100_000)}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=15)
    try:
        conn.putrequest("POST", CHAT)
        conn.putheader("Authorization", f"Bearer {gateway.key}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for i in range(0, len(payload), 8192):
                part = payload[i:i + 8192]
                conn.send(b"%x\r\n%s\r\n" % (len(part), part))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway may answer and close before reading everything
        resp = conn.getresponse()
        status, body = resp.status, resp.read()
    finally:
        conn.close()
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "request_too_large"


def test_body_just_under_limit_is_accepted(gateway):
    filler = "z" * (65536 - 200)
    body = json.dumps({"model": "ok", "messages": msgs(filler)}).encode()
    assert len(body) <= 65536
    resp = gateway.post(CHAT, body, headers={"Content-Type": "application/json"})
    assert resp.status == 200, resp


# --- routing and keys ------------------------------------------------------------------------

def test_unknown_model(gateway):
    resp = gateway.post(CHAT, {"model": "gpt-9-imaginary", "messages": msgs()})
    err = assert_error(resp, 404, "model_not_found", "model")
    assert "gpt-9-imaginary" in err["message"]
    rec = assert_recorded(gateway, resp, 404, "model_not_found")
    assert rec["key_id"] == gateway.key_id


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wdn-thisisnotavalidkey000000000000000"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "wdn-no-bearer-prefix"},
])
def test_missing_or_invalid_key(gateway, headers):
    resp = gateway.post(CHAT, {"model": "ok", "messages": msgs()}, headers=headers, key=None)
    assert_error(resp, 401, "invalid_api_key")
    rec = assert_recorded(gateway, resp, 401, "invalid_api_key")
    assert rec["key_id"] is None


def test_invalid_key_checked_before_body(gateway):
    resp = gateway.post(CHAT, b"{broken", headers={"Authorization": "Bearer wdn-nope"}, key=None)
    assert_error(resp, 401, "invalid_api_key")


def test_models_requires_key(gateway):
    assert_error(gateway.get("/v1/models", key=None), 401, "invalid_api_key")
    resp = gateway.get("/v1/models")
    assert resp.status == 200
    assert resp.json["object"] == "list"
    assert all(m["object"] == "model" for m in resp.json["data"])


def test_unknown_path(gateway):
    resp = gateway.get("/v1/nope")
    assert resp.status == 404
    resp.error()
    assert resp.headers["x-request-id"].startswith("req_")


# --- upstream faults (non-streaming) -----------------------------------------------------

@pytest.mark.parametrize("model,status,code", [
    ("m-down", 502, "upstream_unavailable"),
    ("reset", 502, "upstream_unavailable"),
    ("malformed", 502, "upstream_bad_response"),
    ("text502", 502, "upstream_error"),
    ("slow", 504, "upstream_timeout"),
])
def test_upstream_faults(gateway, model, status, code):
    started = time.monotonic()
    resp = gateway.post(CHAT, {"model": model, "messages": msgs()})
    elapsed = time.monotonic() - started
    assert_error(resp, status, code)
    assert elapsed < 2.9, f"took {elapsed:.2f}s"  # read_timeout and connect_timeout are 1 s
    rec = assert_recorded(gateway, resp, status, code)
    assert rec["model"] == model


@pytest.mark.parametrize("model,status,body", [("error500", 500, ERROR500_BODY), ("error400", 400, ERROR400_BODY)])
@pytest.mark.parametrize("stream", [False, True])
def test_upstream_error_relayed(gateway, model, status, body, stream):
    resp = gateway.post(CHAT, {"model": model, "messages": msgs(), "stream": stream})
    assert resp.status == status
    assert resp.json == body
    assert resp.headers["x-request-id"].startswith("req_")
    rec = gateway.record(resp.headers["x-request-id"])
    assert rec["status"] == status
    assert rec["error_code"] is not None


@pytest.mark.parametrize("path", ["/v1/completions", "/v1/embeddings"])
def test_upstream_faults_other_endpoints(gateway, path):
    field = "prompt" if path == "/v1/completions" else "input"
    assert_error(gateway.post(path, {"model": "m-down", field: "x"}), 502, "upstream_unavailable")
    assert_error(gateway.post(path, {"model": "malformed", field: "x"}), 502, "upstream_bad_response")
    resp = gateway.post(path, {"model": "error500", field: "x"})
    assert (resp.status, resp.json) == (500, ERROR500_BODY)


def test_stream_request_to_unreachable_upstream_is_plain_502(gateway):
    resp = gateway.post(CHAT, {"model": "m-down", "messages": msgs(), "stream": True})
    assert_error(resp, 502, "upstream_unavailable")


# --- upstream faults after the stream started ----------------------------------------------

@pytest.mark.parametrize("model,code", [
    ("stream-nodone", "upstream_bad_response"),
    ("stream-malformed", "upstream_bad_response"),
    ("stream-reset", "upstream_unavailable"),
    ("stream-slow", "upstream_timeout"),
])
def test_broken_stream_ends_with_error_event(gateway, model, code):
    started = time.monotonic()
    resp = gateway.post(CHAT, {"model": model, "messages": msgs(), "stream": True}, timeout=10)
    elapsed = time.monotonic() - started
    assert resp.status == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = read_sse(resp.body)
    assert events[-1] == "[DONE]", events
    assert events.count("[DONE]") == 1, events
    error = json.loads(events[-2])
    assert set(error) == {"error"}, error
    assert error["error"]["code"] == code, error
    assert error["error"]["message"]
    chunks = [json.loads(e) for e in events[:-2]]
    assert chunks and chunks[0]["choices"][0]["delta"]["content"] == "Hel", events
    if model == "stream-slow":
        assert elapsed < STALL_SECONDS - 0.3, f"the stall was not cut at read_timeout: {elapsed:.2f}s"
    rec = gateway.record(resp.headers["x-request-id"])
    assert (rec["status"], rec["error_code"], rec["stream"]) == (200, code, 1)


# --- x-request-id and operational endpoints ------------------------------------------------

def test_request_id_on_every_response(gateway):
    responses = [
        gateway.get("/healthz", key=None),
        gateway.get("/readyz", key=None),
        gateway.get("/metrics", key=None),
        gateway.get("/v1/models"),
        gateway.get("/v1/models", key=None),
        gateway.post(CHAT, {"model": "ok", "messages": msgs()}),
        gateway.post(CHAT, b"{", headers={"Content-Type": "application/json"}),
        gateway.get("/does-not-exist", key=None),
        gateway.admin("GET", "/admin/v1/orgs", token=None),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(i and re.fullmatch(r"req_[A-Za-z0-9_-]+", i) for i in ids), ids
    assert len(set(ids)) == len(ids), ids


def test_healthz(gateway):
    resp = gateway.get("/healthz", key=None)
    assert resp.status == 200


def test_readyz_reports_each_upstream(gateway):
    resp = gateway.get("/readyz", key=None)
    body = resp.json
    assert set(body) >= {"status", "store", "upstreams"}
    assert body["store"] == "ok"
    assert body["upstreams"]["fake"] == "ok"
    assert body["upstreams"]["down"].startswith("error")
    assert resp.status == 503  # one upstream is down


def metric_value(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)", line.strip())
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(4))
    return total


def test_metrics(gateway):
    def scrape():
        resp = gateway.get("/metrics", key=None)
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/plain")
        return resp.body.decode()

    before = scrape()
    ok_before = metric_value(before, "warden_requests_total", endpoint=CHAT, status="200")
    nf_before = metric_value(before, "warden_requests_total", endpoint=CHAT, status="404")
    for _ in range(3):
        assert gateway.post(CHAT, {"model": "ok", "messages": msgs()}).status == 200
    assert gateway.post(CHAT, {"model": "nope", "messages": msgs()}).status == 404
    assert gateway.post(CHAT, {"model": "m-down", "messages": msgs()}).status == 502

    def settled():
        text = scrape()
        return text if metric_value(text, "warden_requests_total", endpoint=CHAT, status="200") >= ok_before + 3 else None

    after = wait_until(settled, 5, message="metrics to count the requests")
    assert metric_value(after, "warden_requests_total", endpoint=CHAT, status="200") == ok_before + 3
    assert metric_value(after, "warden_requests_total", endpoint=CHAT, status="404") == nf_before + 1
    assert "warden_request_duration_seconds_bucket" in after
    assert re.search(r'warden_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+', after), after
    assert metric_value(after, "warden_tokens_total") >= 30  # 3 × (7 + 3)
    assert metric_value(after, "warden_upstream_errors_total") >= 1
