"""Across processes: usage records survive SIGTERM and restarts, keys changed by the CLI take effect
in the running gateway, a client that leaves mid-stream cancels the upstream, retention modes."""
from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import openai

from conftest import read_sse, stop_and_check, wait_until
from fake_upstream import LONG_CHUNKS, MEDIUM_CHUNKS, OK_CHAT_TEXT

CHAT = "/v1/chat/completions"
N_REQUESTS = 200


def chat_body(text="hi", **extra):
    return {"model": "ok", "messages": [{"role": "user", "content": text}], **extra}


def test_sigterm_flushes_every_usage_record_and_restart_keeps_them(fresh_gateway):
    # A long flush interval: the records can only reach SQLite through the flush on shutdown.
    gw = fresh_gateway(flush_interval_ms=60_000)

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
        try:
            conn.request("POST", CHAT, body=json.dumps(chat_body(f"req {i}", user=f"u{i % 7}")),
                         headers={"Authorization": f"Bearer {gw.key}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            return resp.status, resp.getheader("x-request-id")
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(N_REQUESTS)))
    stop_and_check(gw)  # SIGTERM right after the last response

    assert [s for s, _ in results] == [200] * N_REQUESTS
    ids = {rid for _, rid in results}
    assert len(ids) == N_REQUESTS
    rows = gw.records()
    assert len(rows) == N_REQUESTS, f"{len(rows)} usage records for {N_REQUESTS} requests"
    assert {r["id"] for r in rows} == ids
    assert all(r["status"] == 200 and r["prompt_tokens"] == 7 and r["completion_tokens"] == 3 for r in rows)
    assert sorted({r["end_user"] for r in rows}) == [f"u{i}" for i in range(7)]

    # Restart on the same store: the key still works and the records are still there.
    gw.start()
    client = openai.OpenAI(base_url=f"{gw.base}/v1", api_key=gw.key, max_retries=0, timeout=20)
    assert client.chat.completions.create(**chat_body("after restart")).choices[0].message.content == OK_CHAT_TEXT
    stop_and_check(gw)
    assert gw.count_records() == N_REQUESTS + 1


def test_sigint_also_flushes_and_exits_zero(fresh_gateway):
    gw = fresh_gateway(flush_interval_ms=60_000)
    ids = [gw.post(CHAT, chat_body(f"int {i}")).headers["x-request-id"] for i in range(5)]
    code = gw.stop(signal.SIGINT)
    assert code == 0, gw.log_tail()
    assert sorted(r["id"] for r in gw.records()) == sorted(ids)


def test_sigterm_drains_in_flight_stream(fresh_gateway, fake_upstream):
    """A stream in flight when SIGTERM arrives still completes, and its usage record is written."""
    gw = fresh_gateway()
    before = len(fake_upstream.received("stream-medium"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(gw.post, CHAT, {"model": "stream-medium", "messages": [{"role": "user", "content": "x"}],
                                             "stream": True}, timeout=30)
        wait_until(lambda: len(fake_upstream.received("stream-medium")) > before, 5, message="the upstream call")
        code = gw.stop()
        resp = future.result(timeout=30)
    assert code == 0, gw.log_tail()
    assert resp.status == 200
    events = read_sse(resp.body)
    assert events[-1] == "[DONE]"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in map(json.loads, events[:-1]) if c["choices"])
    assert text == "".join(f"m{i} " for i in range(MEDIUM_CHUNKS))
    rows = gw.records()
    assert len(rows) == 1
    assert (rows[0]["status"], rows[0]["error_code"]) == (200, None)


def test_key_revoke_and_create_reach_running_gateway(fresh_gateway):
    gw = fresh_gateway(key_refresh_seconds=0.5)

    def status_with(key):
        return gw.post(CHAT, chat_body(), key=key).status

    assert status_with(gw.key) == 200

    created = gw.new_key("second")
    assert created["key"].startswith("wdn-") and created["id"].startswith("key_")
    assert created["prefix"] == created["key"][: len(created["prefix"])]
    t0 = time.monotonic()
    wait_until(lambda: status_with(created["key"]) == 200, 2.5, interval=0.05, message="the new key to work")
    print(f"new key usable after {time.monotonic() - t0:.2f}s")

    orgs = gw.cli_json("orgs", "list")
    assert [o["id"] for o in orgs] == [gw.org["id"]]
    apps = gw.cli_json("apps", "list")
    assert [(a["id"], a["org_id"]) for a in apps] == [(gw.app["id"], gw.org["id"])]

    listed = gw.cli_json("keys", "list")
    listed = listed.get("data", listed) if isinstance(listed, dict) else listed
    assert {k["id"] for k in listed} >= {gw.key_id, created["id"]}
    assert created["key"] not in json.dumps(listed)  # the secret is shown once only

    gw.cli_json("keys", "revoke", created["id"])
    t0 = time.monotonic()
    wait_until(lambda: status_with(created["key"]) == 401, 2.5, interval=0.05, message="the revoked key to be refused")
    print(f"revoked key refused after {time.monotonic() - t0:.2f}s")
    resp = gw.post(CHAT, chat_body(), key=created["key"])
    assert resp.status == 401 and resp.error()["code"] == "invalid_api_key"
    # Other keys are unaffected.
    assert status_with(gw.key) == 200


def test_client_disconnect_mid_stream_cancels_upstream(fresh_gateway, fake_upstream):
    gw = fresh_gateway()
    body = json.dumps({"model": "stream-long", "messages": [{"role": "user", "content": "long"}], "stream": True}).encode()
    sock = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Authorization: Bearer " + gw.key.encode() + b"\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    received = b""
    while not (b"\r\n\r\n" in received and b"data:" in received.split(b"\r\n\r\n", 1)[1]):
        chunk = sock.recv(4096)
        assert chunk, f"gateway closed the connection early: {received!r}"
        received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 200"), head
    request_id = re.search(r"(?im)^x-request-id:\s*(\S+)", head).group(1)
    upstream = fake_upstream.wait_long_stream()
    sock.close()
    closed_at = time.monotonic()

    assert upstream.client_gone.wait(5), "the gateway kept reading the upstream after its client left"
    assert upstream.gone_at - closed_at < 3.0
    assert upstream.chunks_sent < LONG_CHUNKS

    stop_and_check(gw)
    rec = gw.records("id = ?", (request_id,))
    assert len(rec) == 1, gw.records()
    rec = rec[0]
    assert rec["error_code"] == "client_disconnected", rec
    assert rec["stream"] == 1
    assert rec["status"] == 200


def test_recording_text_hash(fresh_gateway):
    gw = fresh_gateway(text="hash")
    prompt = "a secret prompt 12345"
    resp = gw.post(CHAT, chat_body(prompt))
    assert resp.status == 200
    rec = gw.record(resp.headers["x-request-id"])
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", rec["prompt_text"]), rec["prompt_text"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", rec["completion_text"]), rec["completion_text"]
    # Same text, same hash; other text, other hash.
    again = gw.record(gw.post(CHAT, chat_body(prompt)).headers["x-request-id"])
    other = gw.record(gw.post(CHAT, chat_body(prompt + "!")).headers["x-request-id"])
    assert again["prompt_text"] == rec["prompt_text"]
    assert other["prompt_text"] != rec["prompt_text"]
    stop_and_check(gw)
    raw = gw.db_path.read_bytes() + (gw.db_path.with_name(gw.db_path.name + "-wal").read_bytes()
                                     if gw.db_path.with_name(gw.db_path.name + "-wal").exists() else b"")
    assert prompt.encode() not in raw
    assert OK_CHAT_TEXT.encode() not in raw


def test_recording_text_none(fresh_gateway):
    gw = fresh_gateway(text="none")
    resp = gw.post(CHAT, chat_body("nothing kept"))
    assert resp.status == 200
    rec = gw.record(resp.headers["x-request-id"])
    assert rec["prompt_text"] is None and rec["completion_text"] is None
    assert (rec["prompt_tokens"], rec["completion_tokens"]) == (7, 3)
