#!/usr/bin/env python3
"""A fake OpenAI-compatible upstream for Benchmarks/gateway/stream.sh (standard library only).

POST /v1/chat/completions with "stream": true answers a calm lemon cake recipe as OpenAI SSE:
20 `chat.completion.chunk` events of a few words each (one write per event, Nagle off, so the
gateway receives them as separate reads), a final chunk with finish_reason "stop", then
`data: [DONE]` (a threat instead when the prompt contains "[hostile]", to check that the gateway
cuts it). HTTP/1.1 with chunked transfer and keep-alive. Without "stream" it answers the
same text as one chat.completion. GET /v1/models answers an empty list.

    python3 fake_stream_upstream.py PORT          # serves on 127.0.0.1:PORT until killed
    python3 fake_stream_upstream.py --text        # prints the streamed text
    python3 fake_stream_upstream.py --escalations http://127.0.0.1:GW KEY PROMPT
        # how many of the texts a gateway screens for one request (the prompt, the stream's
        # windows) its precise tier escalates to the encoder; the text was chosen so none does
"""
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECES = [
    "To make a simple lemon cake, ", "first warm the oven to 180 degrees ", "and line a round tin with baking paper. ",
    "In a large bowl, beat soft butter ", "with caster sugar until the mixture ", "is pale, light and fluffy. ",
    "Add three eggs one at a time, ", "then stir in the grated zest ", "of two lemons and a splash of milk. ",
    "Gently fold in the flour ", "and a teaspoon of baking powder ", "until the batter is smooth. ",
    "Spread it evenly in the tin ", "and bake for about forty minutes, ", "until the top is golden and springy. ",
    "While it bakes, stir lemon juice ", "into icing sugar for a glaze, ", "then pour it over the warm cake. ",
    "Let it cool before slicing, ", "and enjoy it with a cup of tea.",
]
# Streamed instead when the prompt contains "[hostile]": a threat (docs/precise.md's example), to
# check that the gateway screens the stream and cuts it.
HOSTILE = ["I will find you tonight ", "and cut your throat, ", "you worthless pig. ", "I will find you tonight ",
           "and cut your throat, ", "you worthless pig."]


def chunk(delta, finish=None):
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def events(pieces):
    out = [b"data: " + json.dumps(chunk({"role": "assistant", "content": pieces[0]})).encode() + b"\n\n"]
    out += [b"data: " + json.dumps(chunk({"content": p})).encode() + b"\n\n" for p in pieces[1:]]
    return out + [b"data: " + json.dumps(chunk({}, "stop")).encode() + b"\n\n", b"data: [DONE]\n\n"]


# The streams' events, encoded once.
EVENTS = events(PIECES)
HOSTILE_EVENTS = events(HOSTILE)
COMPLETION = json.dumps({
    "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": "fake",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(PIECES)}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 120, "total_tokens": 132}}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b'{"object":"list","data":[]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            stream = bool(json.loads(raw or b"{}").get("stream"))
        except ValueError:
            stream = False
        hostile = b"[hostile]" in raw
        if not self.path.endswith("/chat/completions"):
            self.send_error(404)
            return
        if not stream:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(COMPLETION)))
            self.end_headers()
            self.wfile.write(COMPLETION)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for event in HOSTILE_EVENTS if hostile else EVENTS:  # one HTTP chunk, one write per event
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def scored_texts(pieces, every=200, window=1000, overlap=16):
    """The texts the gateway's stream gate scores for this stream under config/policy.example.yaml's
    streaming settings: StreamScreenCadence's cuts (budget, sentence end at the end of a delta,
    stream end) and PolicyStreamGate's fresh text and sliding window (Sources/Gateway/Policy)."""
    text, last, scored_up, window_up, out = "", 0, 0, 0, []

    def judge(end, stream_end):
        nonlocal scored_up, window_up
        w = text[max(0, end - window):end]
        fresh = end - scored_up + overlap
        scored_up = end
        if fresh >= len(w) or stream_end or end - window_up >= max(every, window // 2):
            out.append(w)
            window_up = end
        if fresh < len(w):
            out.append(w[-fresh:])

    for piece in pieces:
        ended = False
        for ch in piece:
            text += ch
            ended = ended or ch in ".!?\n…。！？"
            if len(text) - last >= every:
                judge(len(text), False)
                last, ended = len(text), False
        if ended and len(text) > last:
            judge(len(text), False)
            last = len(text)
    if len(text) > last:
        judge(len(text), True)
    return out


def escalations(base_url, key, prompt):
    """Which of the texts screened for one benchmark request (the prompt, the stream's scored texts)
    the configured tiers send to the encoder: those whose /v1/moderations scores differ between
    the fast tier alone ("warden-fast") and the tiers with escalation."""
    def scores(text, model):
        req = urllib.request.Request(base_url + "/v1/moderations", data=json.dumps({"input": text, "model": model}).encode(),
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)["results"][0]["category_scores"]
    texts = [prompt] + scored_texts(PIECES)
    return texts, [t for t in texts if scores(t, "warden-fast") != scores(t, "omni-moderation-latest")]


if __name__ == "__main__":
    if sys.argv[1:] == ["--text"]:
        print("".join(PIECES))
    elif sys.argv[1:2] == ["--escalations"]:
        texts, escalated = escalations(*sys.argv[2:5])
        for t in escalated:
            print("  needs the encoder:", repr(t))
        print(f"{len(escalated)} of {len(texts)} screened texts (prompt + stream windows) need the encoder")
    else:
        ThreadingHTTPServer.daemon_threads = True
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
