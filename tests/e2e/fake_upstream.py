"""A fake OpenAI-compatible model server for Warden's end-to-end tests.

It listens on 127.0.0.1 (a free port), speaks HTTP/1.1 with keep-alive, and picks its behaviour
from the `model` it receives (the gateway sends the route's `upstream_name`):

  ok              fixed completion, usage 7/3 (chat, completions, embeddings)
  stream          3 content chunks ("Hello", ", ", "world"), a usage chunk (5/3) if asked, [DONE]
  stream-nousage  like `stream` but never sends usage, even when asked
  slow            sleeps SLOW_SECONDS, then answers like `ok`
  error500        500 with an OpenAI-shaped error body
  error400        400 with an OpenAI-shaped error body
  text502         502 with an HTML body
  malformed       200 with truncated JSON
  reset           sends part of the headers, then resets the connection (RST)
  stream-nodone   2 chunks, then ends the body cleanly without `data: [DONE]`
  stream-reset    2 chunks, then resets the connection
  stream-slow     1 chunk, then silence for STALL_SECONDS, then the rest
  stream-malformed 1 chunk, then `data: {not json`
  stream-medium   MEDIUM_CHUNKS chunks MEDIUM_DELAY apart (about a second in all), then [DONE]
  stream-long     LONG_CHUNKS chunks LONG_DELAY apart; notes whether the client went away early
  echo            the JSON body it received, as the content (chat) or text (completions)
  say             the last user message as the completion (streamed in 8-character chunks)
  scripted        (chat) refuses ("I'm sorry, but I can't help with that.") when the system message
                  contains "refuse", otherwise complies ("Sure. Here is ...") — for regression-gate tests
  slow-echo       (chat) waits SLOW_ECHO_SECONDS, then answers "echo: <last user message>" (deterministic)
  flaky           (chat) answers 429 with `retry-after: 0.2` to the first attempt of each distinct body,
                  then like `slow-echo` without the wait

Every request is kept in `requests` (method, path, headers, parsed body) for assertions.
"""
from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 3.0
STALL_SECONDS = 3.0
LONG_CHUNKS = 400
LONG_DELAY = 0.05
MEDIUM_CHUNKS = 10
MEDIUM_DELAY = 0.1
SLOW_ECHO_SECONDS = 0.25
REFUSAL_TEXT = "I'm sorry, but I can't help with that."

OK_CHAT_TEXT = "Hello from the fake upstream."
OK_COMPLETION_TEXT = "fake completion text"
STREAM_PARTS = ["Hello", ", ", "world"]
EMBEDDING = [0.25, -0.5, 0.125]


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict
    body: object


@dataclass
class LongStream:
    """One `stream-long` response: what happened to it, for cancellation tests."""
    started: threading.Event = field(default_factory=threading.Event)
    client_gone: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    chunks_sent: int = 0
    gone_at: float | None = None


class FakeUpstream:
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.flaky_seen: set[bytes] = set()
        self.long_streams: list[LongStream] = []
        self.lock = threading.Lock()
        self.long_stream_started = threading.Condition(self.lock)
        handler = _make_handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "FakeUpstream":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- helpers for tests -------------------------------------------------------------
    def received(self, model: str | None = None) -> list[ReceivedRequest]:
        with self.lock:
            items = list(self.requests)
        if model is None:
            return items
        return [r for r in items if isinstance(r.body, dict) and r.body.get("model") == model]

    def wait_long_stream(self, timeout: float = 10.0) -> LongStream:
        """The most recent `stream-long` response once it has started."""
        deadline = time.monotonic() + timeout
        with self.long_stream_started:
            while not self.long_streams:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the fake upstream never received a stream-long request")
                self.long_stream_started.wait(left)
            return self.long_streams[-1]

    def _record(self, req: ReceivedRequest) -> None:
        with self.lock:
            self.requests.append(req)


def _chat_response(model: str, content: str, prompt_tokens: int = 7, completion_tokens: int = 3) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _completion_response(model: str, text: str) -> dict:
    return {
        "id": "cmpl-fake",
        "object": "text_completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }


def _chunk(model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake-stream",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _usage_chunk(model: str, prompt_tokens: int = 5, completion_tokens: int = 3) -> dict:
    return {
        "id": "chatcmpl-fake-stream",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _error_body(message: str, type_: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


ERROR500_BODY = _error_body("The fake upstream failed on purpose.", "server_error", "fake_failure")
ERROR400_BODY = _error_body("The fake upstream rejects this on purpose.", "invalid_request_error", "fake_rejected")


def _make_handler(fake: FakeUpstream):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeUpstream/1.0"

        def log_message(self, format, *args):  # noqa: A002 - quiet
            pass

        # --- plumbing ---------------------------------------------------------------
        def _read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    data += self.rfile.read(size)
                    self.rfile.readline()
                return data
            return self.rfile.read(length) if length else b""

        def _send_json(self, status: int, obj, content_type: str = "application/json") -> None:
            raw = obj if isinstance(obj, (bytes, bytearray)) else json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def _write_chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _event(self, obj) -> None:
            payload = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
            self._write_chunk(b"data: " + payload + b"\n\n")

        def _end_stream(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _reset(self) -> None:
            """Abort the connection with a TCP RST (SO_LINGER 0, then close)."""
            try:
                self.wfile.flush()
            except OSError:
                pass
            sock = self.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Close the descriptor itself: rfile/wfile hold references that would defer socket.close().
            os.close(sock.detach())
            self.close_connection = True

        def _peer_closed(self) -> bool:
            """True once the client has closed its side (EOF or error on a non-blocking peek)."""
            sock = self.connection
            try:
                sock.setblocking(False)
                try:
                    data = sock.recv(1, socket.MSG_PEEK)
                finally:
                    sock.setblocking(True)
                return data == b""
            except BlockingIOError:
                return False
            except OSError:
                return True

        # --- routes -----------------------------------------------------------------
        def do_GET(self):
            fake._record(ReceivedRequest("GET", self.path, dict(self.headers), None))
            if self.path.rstrip("/") == "/v1/models":
                self._send_json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
                    for m in ("ok", "stream", "echo")]})
            else:
                self._send_json(404, _error_body(f"no route {self.path}", "invalid_request_error", "unknown_url"))

        def do_POST(self):
            raw = self._read_body()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            fake._record(ReceivedRequest("POST", self.path, dict(self.headers), body))
            if not isinstance(body, dict):
                self._send_json(400, _error_body("fake upstream: body is not JSON", "invalid_request_error", "invalid_json"))
                return
            path = self.path.rstrip("/")
            model = body.get("model")
            try:
                if path == "/v1/chat/completions":
                    self._chat(model, body, raw)
                elif path == "/v1/completions":
                    self._completions(model, body, raw)
                elif path == "/v1/embeddings":
                    self._embeddings(model, body)
                else:
                    self._send_json(404, _error_body(f"no route {self.path}", "invalid_request_error", "unknown_url"))
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ValueError, OSError):
                self.close_connection = True

        def _common_faults(self, model: str) -> bool:
            if model == "slow":
                time.sleep(SLOW_SECONDS)
                return False
            if model == "error500":
                self._send_json(500, ERROR500_BODY)
            elif model == "error400":
                self._send_json(400, ERROR400_BODY)
            elif model == "text502":
                self._send_json(502, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            elif model == "malformed":
                self._send_json(200, b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess')
            elif model == "reset":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Le")
                self._reset()
            else:
                return False
            return True

        def _chat(self, model, body, raw: bytes):
            if self._common_faults(model):
                return
            if model in ("scripted", "slow-echo", "flaky"):
                self._scripted_chat(model, body, raw)
                return
            if model in ("ok", "slow"):
                self._send_json(200, _chat_response(model, OK_CHAT_TEXT))
            elif model == "echo":
                if body.get("stream"):
                    self._start_stream()
                    self._event(_chunk(model, {"role": "assistant", "content": raw.decode()}))
                    if (body.get("stream_options") or {}).get("include_usage"):
                        self._event(_usage_chunk(model))
                    self._event(b"[DONE]")
                    self._end_stream()
                else:
                    self._send_json(200, _chat_response(model, raw.decode()))
            elif model in ("stream", "stream-nousage"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                if not body.get("stream"):
                    self._send_json(200, _chat_response(model, "".join(STREAM_PARTS), 5, 3))
                    return
                self._start_stream()
                self._event(_chunk(model, {"role": "assistant", "content": ""}))
                for part in STREAM_PARTS:
                    self._event(_chunk(model, {"content": part}))
                self._event(_chunk(model, {}, "stop"))
                if include_usage and model == "stream":
                    self._event(_usage_chunk(model))
                self._event(b"[DONE]")
                self._end_stream()
            elif model == "stream-nodone":
                self._start_stream()
                self._event(_chunk(model, {"role": "assistant", "content": "Hel"}))
                self._event(_chunk(model, {"content": "lo"}))
                self._end_stream()
            elif model == "stream-reset":
                self._start_stream()
                self._event(_chunk(model, {"role": "assistant", "content": "Hel"}))
                self._event(_chunk(model, {"content": "lo"}))
                time.sleep(0.05)
                self._reset()
            elif model == "stream-malformed":
                self._start_stream()
                self._event(_chunk(model, {"role": "assistant", "content": "Hel"}))
                self._event(b'{"id": "chatcmpl-broken", "choices": [{"delta": {"content": "lo"')
                self._event(b"[DONE]")
                self._end_stream()
            elif model == "stream-slow":
                self._start_stream()
                self._event(_chunk(model, {"role": "assistant", "content": "Hel"}))
                time.sleep(STALL_SECONDS)
                self._event(_chunk(model, {"content": "lo"}, "stop"))
                self._event(b"[DONE]")
                self._end_stream()
            elif model == "stream-long":
                self._stream_long(model)
            elif model == "say":
                # The last user message, word for word (whole, or in 8-character chunks when streamed).
                said = next((m.get("content", "") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
                if not body.get("stream"):
                    self._send_json(200, _chat_response(model, said))
                    return
                self._start_stream()
                self._event(_chunk(model, {"role": "assistant", "content": ""}))
                for i in range(0, len(said), 8):
                    self._event(_chunk(model, {"content": said[i:i + 8]}))
                    time.sleep(0.005)
                self._event(_chunk(model, {}, "stop"))
                self._event(b"[DONE]")
                self._end_stream()
            elif model == "stream-medium":
                self._start_stream()
                for i in range(MEDIUM_CHUNKS):
                    self._event(_chunk(model, {"content": f"m{i} "}))
                    time.sleep(MEDIUM_DELAY)
                self._event(_chunk(model, {}, "stop"))
                self._event(b"[DONE]")
                self._end_stream()
            else:
                self._send_json(404, _error_body(f"The model '{model}' does not exist", "invalid_request_error", "model_not_found"))

        def _scripted_chat(self, model, body, raw: bytes):
            messages = body.get("messages") or []
            last_user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
            if model == "scripted":
                system = " ".join(m.get("content", "") for m in messages if m.get("role") == "system").lower()
                text = REFUSAL_TEXT if "refuse" in system else f"Sure. Here is what you asked for: {last_user[:60]}"
                self._send_json(200, _chat_response(model, text))
                return
            if model == "flaky":
                with fake.lock:
                    first = raw not in fake.flaky_seen
                    fake.flaky_seen.add(raw)
                if first:
                    raw_err = json.dumps(_error_body("Rate limit reached; retry shortly.", "rate_limit_error", "rate_limit_exceeded")).encode()
                    self.send_response(429)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Retry-After", "0.2")
                    self.send_header("Content-Length", str(len(raw_err)))
                    self.end_headers()
                    self.wfile.write(raw_err)
                    return
            else:
                time.sleep(SLOW_ECHO_SECONDS)
            self._send_json(200, _chat_response(model, f"echo: {last_user}"))

        def _stream_long(self, model):
            state = LongStream()
            with fake.long_stream_started:
                fake.long_streams.append(state)
                fake.long_stream_started.notify_all()
            self._start_stream()
            state.started.set()
            try:
                for i in range(LONG_CHUNKS):
                    if self._peer_closed():
                        raise ConnectionResetError("peer closed")
                    self._event(_chunk(model, {"content": f"w{i} "}))
                    state.chunks_sent += 1
                    time.sleep(LONG_DELAY)
                self._event(b"[DONE]")
                self._end_stream()
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
                state.gone_at = time.monotonic()
                state.client_gone.set()
                self.close_connection = True
            finally:
                state.finished.set()

        def _completions(self, model, body, raw: bytes):
            if self._common_faults(model):
                return
            if model == "stream" and body.get("stream"):
                self._start_stream()
                for part in STREAM_PARTS:
                    self._event({"id": "cmpl-fake-stream", "object": "text_completion", "created": 1700000000,
                                 "model": model, "choices": [{"index": 0, "text": part, "logprobs": None,
                                                              "finish_reason": None}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    self._event({"id": "cmpl-fake-stream", "object": "text_completion", "created": 1700000000,
                                 "model": model, "choices": [],
                                 "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
                self._event(b"[DONE]")
                self._end_stream()
            elif model in ("ok", "slow"):
                self._send_json(200, _completion_response(model, OK_COMPLETION_TEXT))
            elif model == "echo":
                self._send_json(200, _completion_response(model, raw.decode()))
            else:
                self._send_json(404, _error_body(f"The model '{model}' does not exist", "invalid_request_error", "model_not_found"))

        def _embeddings(self, model, body):
            if self._common_faults(model):
                return
            if model not in ("ok", "echo"):
                self._send_json(404, _error_body(f"The model '{model}' does not exist", "invalid_request_error", "model_not_found"))
                return
            inputs = body.get("input")
            items = inputs if isinstance(inputs, list) else [inputs]
            self._send_json(200, {
                "object": "list",
                "model": model,
                "data": [{"object": "embedding", "index": i, "embedding": EMBEDDING} for i in range(len(items))],
                "usage": {"prompt_tokens": 4 * len(items), "total_tokens": 4 * len(items)},
            })

    return Handler


if __name__ == "__main__":  # manual use: python fake_upstream.py
    f = FakeUpstream().start()
    print(f.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        f.stop()
