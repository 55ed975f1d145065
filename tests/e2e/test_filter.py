"""`warden filter` end to end: the real binary killed with SIGKILL after a checkpoint, then resumed,
writes the same bytes as an uninterrupted run; --strict stops at a bad line with its number."""
from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from conftest import REPO, warden_bin

WORDS = ("the garden river music recipe school family friend city history science water people "
         "mountain travel happy code morning train book").split()
TOXIC = "You stupid worthless idiot, I will kill you and your whole family."


def make_corpus(path: Path, docs: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    with path.open("w") as f:
        for i in range(docs):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(300, 1500)))
            if i % 9 == 0:
                text = TOXIC + " " + text[:200]
            f.write(json.dumps({"id": i, "text": text}) + "\n")


def filter_cmd(corpus: Path, out: Path, tag: str, *extra: str) -> list[str]:
    return [str(warden_bin()), "filter", "--in", str(corpus), "--out", str(out / f"kept-{tag}.jsonl.gz"),
            "--removed", str(out / f"removed-{tag}.jsonl.gz"), "--report", str(out / f"report-{tag}"),
            "--checkpoint-mb", "1", "--threads", "2", "--quiet", *extra]


def test_sigkill_then_resume_matches_one_run(tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    make_corpus(corpus, 1500)   # ~8 MB: several checkpoints of 1 MB
    env = dict(os.environ, WARDEN_MODEL=str(REPO / "Models" / "warden-fast.bin"))
    subprocess.run(filter_cmd(corpus, tmp_path, "one"), check=True, env=env, capture_output=True, timeout=600)

    proc = subprocess.Popen(filter_cmd(corpus, tmp_path, "two"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = tmp_path / "report-two" / "filter.checkpoint.json"
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(0.05)   # let it write past the checkpoint, as a real kill would find it
    assert proc.poll() is None, "the run ended before it could be killed; make the corpus larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    cp = json.loads(checkpoint.read_text())
    assert 0 < cp["tally"]["input"]["documents"] < 1500

    done = subprocess.run(filter_cmd(corpus, tmp_path, "two", "--resume"), env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in ("kept", "removed"):
        assert (tmp_path / f"{name}-two.jsonl.gz").read_bytes() == (tmp_path / f"{name}-one.jsonl.gz").read_bytes()
    one = json.loads((tmp_path / "report-one" / "report.json").read_text())
    two = json.loads((tmp_path / "report-two" / "report.json").read_text())
    assert one["tally"] == two["tally"]
    assert not checkpoint.exists()
    kept = gzip.decompress((tmp_path / "kept-one.jsonl.gz").read_bytes()).decode().splitlines()
    assert len(kept) == one["tally"]["kept"]["documents"]
    assert one["tally"]["removed"]["documents"] > 0
    assert one["keptToxicity"]["mean"] < one["inputToxicity"]["mean"]


def test_strict_stops_at_the_bad_line(tmp_path: Path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "fine"}\n{"text": "fine too"}\n{"text": broken}\n')
    env = dict(os.environ, WARDEN_MODEL=str(REPO / "Models" / "warden-fast.bin"))
    r = subprocess.run(filter_cmd(corpus, tmp_path, "s", "--strict"), env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 65
    assert f"{corpus}:3: invalid_json" in r.stderr
    r = subprocess.run(filter_cmd(corpus, tmp_path, "l"), env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "skipped records: 1 (invalid_json 1)" in r.stdout
    report = json.loads((tmp_path / "report-l" / "report.json").read_text())
    assert report["tally"]["problems"][0]["line"] == 3
