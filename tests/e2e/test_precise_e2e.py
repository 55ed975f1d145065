"""The precise tier end to end: the real `warden serve` with the shipped precise model and the real
all-MiniLM-L6-v2 encoder (`make encoder` puts it in var/encoder), called with the openai SDK."""
import json
import os
import re
import subprocess
from pathlib import Path

import openai
import pytest

from conftest import REPO, start_gateway, stop_and_check, warden_bin

ENCODER = Path(os.environ.get("WARDEN_ENCODER_DIR", REPO / "var" / "encoder"))
PRECISE_MODEL = REPO / "Models" / "warden-precise.bin"

pytestmark = pytest.mark.skipif(
    not (ENCODER / "model.safetensors").exists() and not os.environ.get("WARDEN_REQUIRE_ENCODER"),
    reason="no encoder in var/encoder (run `make encoder`; `make test` does)")

HARMFUL = "I will find you tonight and cut your throat, you worthless pig."
BENIGN = "Could you share a recipe for a lemon cake with a crunchy glaze?"


@pytest.fixture(scope="module")
def precise_gateway(fake_upstream, tmp_path_factory):
    yaml = ("moderation:\n  precise:\n"
            f"    model: {PRECISE_MODEL}\n    encoder: {ENCODER}\n    escalation: uncertain\n")
    gw = start_gateway(fake_upstream, tmp_path_factory.mktemp("precise"), extra_yaml=yaml)
    yield gw
    stop_and_check(gw)


def client_for(gw):
    return openai.OpenAI(base_url=gw.base + "/v1", api_key=gw.key, max_retries=0)


def test_sdk_moderations_with_the_precise_tier(precise_gateway):
    client = client_for(precise_gateway)
    result = client.moderations.create(model="warden-precise", input=[HARMFUL, BENIGN])
    assert result.model == "warden-precise-1"
    harmful, benign = result.results
    assert harmful.flagged and harmful.categories.violence
    assert not benign.flagged
    assert max(v for v in benign.category_scores.model_dump(by_alias=True).values() if v is not None) < 0.3
    # The fast tier alone, by name, answers under its own model name.
    fast = client.moderations.create(model="warden-fast", input=BENIGN)
    assert fast.model == "warden-fast-1" and not fast.results[0].flagged


def test_the_precise_tier_scores_differ_from_the_fast_tier(precise_gateway):
    client = client_for(precise_gateway)
    text = "people like you should not be allowed to live near decent families"
    p = client.moderations.create(model="warden-precise", input=text).results[0].category_scores.model_dump(by_alias=True)
    f = client.moderations.create(model="warden-fast", input=text).results[0].category_scores.model_dump(by_alias=True)
    assert p != f


def test_a_missing_encoder_stops_startup_with_a_clear_error(fake_upstream, tmp_path):
    yaml = "moderation:\n  precise:\n    encoder: /nonexistent/encoder\n"
    from conftest import Gateway, fake_upstream_config
    gw = Gateway(tmp_path, fake_upstream_config(fake_upstream), extra_yaml=yaml)
    gw.provision()
    proc = subprocess.run([str(warden_bin()), "serve", "--config", str(gw.config_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "/nonexistent/encoder" in (proc.stdout + proc.stderr)


def test_classify_cli_tiers():
    out = subprocess.run([str(warden_bin()), "classify", "--tier", "precise", "--encoder", str(ENCODER), HARMFUL, BENIGN],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["flagged"] for r in rows] == [True, False]
    bad = subprocess.run([str(warden_bin()), "classify", "--tier", "best", "x"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode != 0 and "--tier must be fast, precise or auto" in bad.stderr
    # A missing encoder is a clear error naming the directory, never fast-tier scores in disguise.
    missing = subprocess.run([str(warden_bin()), "classify", "--tier", "precise", "--encoder", "/nonexistent/enc", "x"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 66 and "/nonexistent/enc" in missing.stderr and missing.stdout == ""


# The shipped precise tier's probe figures (session 13; `warden classify --probe all`): probe →
# (positives reaching the category, positives flagged, look-alikes flagged at most). A retrained
# model that loses any of them fails here; moving a floor is a decision written in the model card.
# Session 13 moved harassment's look-alikes from 1 to 2 ("The villain in the novel is a disgusting,
# cowardly man." 0.335 against a threshold of 0.329) and threats' from 2 to 1. Session 15 (the
# everyday posts and story summaries) moved threats' back to 2: "Cut the onions into thin slices and
# fry them gently." scores `sexual` 0.289 against 0.221 (0.154 before; it was session 12's worst
# look-alike too), beside "The heat is killing me, let's go swimming." (self-harm, flagged before).
# Session 17 (bagged thresholds; the any-head shift λ 0.6 for violence, harassment, self-harm and
# hate/threatening) moved self-harm's look-alikes from 1 to 2: "I would die for a slice of that
# chocolate cake." scores `violence` 0.414 against its threshold of 0.383 (0.442 before).
PRECISE_PROBE_FLOORS = {
    "threats": (12, 12, 2),
    "self-harm": (8, 8, 2),
    "harassment": (8, 8, 2),
    "hate": (8, 8, 0),
    "sexual": (8, 8, 1),
}


def probe_summaries(stdout):
    """{probe: (in category, positives, flagged, look-alikes flagged, look-alikes)} from the summary lines."""
    pattern = re.compile(r"^(\S+): \S+ ≥ threshold (\d+)/(\d+), flagged (\d+)/\d+, mean \S+ [0-9.]+; look-alikes: flagged (\d+)/(\d+)$")
    out = {}
    for line in stdout.splitlines():
        m = pattern.match(line)
        if m:
            out[m.group(1)] = tuple(int(g) for g in m.groups()[1:])
    return out


def test_the_precise_tier_passes_the_category_probes():
    out = subprocess.run([str(warden_bin()), "classify", "--tier", "precise", "--encoder", str(ENCODER), "--probe", "all"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = probe_summaries(out.stdout)
    assert set(got) == set(PRECISE_PROBE_FLOORS), out.stdout[-2000:]
    for name, (in_category, flagged, look_alikes) in PRECISE_PROBE_FLOORS.items():
        hits, positives, flagged_hits, look_alike_hits, look_alike_count = got[name]
        assert positives >= 8 and look_alike_count >= 8
        assert hits >= in_category and flagged_hits >= flagged and look_alike_hits <= look_alikes, (name, got[name])
    # Each probe prints its table: every text with its score and the categories it was flagged for.
    assert "| look-alike | Beat the eggs and sugar until the mixture is pale. |" in out.stdout


def test_probe_selection_and_unknown_names():
    out = subprocess.run([str(warden_bin()), "classify", "--probe", "threats, hate"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert list(probe_summaries(out.stdout)) == ["threats", "hate"]
    bad = subprocess.run([str(warden_bin()), "classify", "--probe", "threats,nope"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "no probe named 'nope'" in bad.stderr and bad.stdout == ""
    threats = subprocess.run([str(warden_bin()), "classify", "--threat-probe"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert threats.returncode == 0 and list(probe_summaries(threats.stdout)) == ["threats"], threats.stderr
    both = subprocess.run([str(warden_bin()), "classify", "--threat-probe", "--probe", "all"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert both.returncode != 0 and "--threat-probe is --probe threats" in both.stderr and both.stdout == ""
    empty = subprocess.run([str(warden_bin()), "classify", "--probe", ","], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert empty.returncode != 0 and "--probe: name the probes" in empty.stderr and empty.stdout == ""


def write_embedding_cache(path, dimension, count=0):
    """An embedding cache file (`EmbeddingTable`: magic, UInt32 dimension, UInt32 count, records)."""
    import struct
    path.write_bytes(b"WEMB0001" + struct.pack("<II", dimension, count))


def model_header(path):
    """The JSON header of a model file (`ModelFile`: magic, version, …, UInt32 header length at 12)."""
    raw = path.read_bytes()
    return json.loads(raw[16:16 + int.from_bytes(raw[12:16], "little")])


def test_train_adds_each_tiers_project_rows_and_the_flags_leave_them_out(tmp_path):
    """The fast tier trains on the sexual requests but never on the harmful requests (they cost its
    bias audit) or the everyday posts (they cost it a plain threat); the precise tier on all of
    them; `--no-…-augmentation` leaves each out. The precise runs
    stop at the missing encoder, after the rows are loaded."""
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps({
        "text": f"you are a horrible person, number {i}" if i % 2 == 0 else f"the weather is lovely today, number {i}",
        "labels": {"harassment": int(i % 2 == 0)}, "source": "tiny",
        "split": "dev" if i % 6 == 5 else "train"}) + "\n" for i in range(30)))

    def added(*args):
        run = subprocess.run([str(warden_bin()), "train", "--data", str(data), *args],
                             cwd=REPO, capture_output=True, text=True, timeout=300)
        return run, {line.rsplit("(source ", 1)[1].rstrip(")") for line in run.stderr.splitlines()
                     if line.startswith("added ") and "(source " in line}

    fast, sources = added("--out", str(tmp_path / "fast.bin"))
    assert fast.returncode == 0, fast.stderr[-2000:]
    assert "warden_sexual" in sources and not {"warden_requests", "warden_everyday"} & sources, sources
    # `--any-blend-by-head` reaches the written model: its header carries the λ and the file is
    # format version 3, which a Warden that knows only versions 1 and 2 refuses; without it, version 1.
    blended, _ = added("--out", str(tmp_path / "blend.bin"), "--any-blend-by-head", "violence=0.5")
    assert blended.returncode == 0, blended.stderr[-2000:]
    header = model_header(tmp_path / "blend.bin")
    assert (tmp_path / "blend.bin").read_bytes()[8] == 3 and header["anyBlendByHead"] == {"violence": 0.5}, header.get("anyBlendByHead")
    assert (tmp_path / "fast.bin").read_bytes()[8] == 1
    # `--average-epochs` (averaged SGD of the n-gram weights) is recorded in the header and changes them.
    averaged, _ = added("--out", str(tmp_path / "avg.bin"), "--average-epochs", "2")
    assert averaged.returncode == 0, averaged.stderr[-2000:]
    assert "n-gram weights averaged over the last 2 epochs" in averaged.stderr
    assert model_header(tmp_path / "avg.bin")["training"]["averageEpochs"] == "2"
    assert (tmp_path / "avg.bin").read_bytes() != (tmp_path / "fast.bin").read_bytes()
    assert "averageEpochs" not in model_header(tmp_path / "fast.bin")["training"]
    _, sources = added("--out", str(tmp_path / "fast2.bin"), "--no-sexual-augmentation")
    assert "warden_sexual" not in sources and "warden_threats" in sources, sources
    precise, sources = added("--precise", "--encoder", "/nonexistent/enc", "--out", str(tmp_path / "p.bin"))
    assert precise.returncode != 0 and "/nonexistent/enc" in precise.stderr
    assert {"warden_sexual", "warden_requests", "warden_everyday"} <= sources, sources
    _, sources = added("--precise", "--encoder", "/nonexistent/enc", "--no-request-augmentation")
    assert "warden_requests" not in sources and {"warden_sexual", "warden_everyday"} <= sources, sources
    _, sources = added("--precise", "--encoder", "/nonexistent/enc", "--no-everyday-augmentation")
    assert "warden_everyday" not in sources and "warden_requests" in sources, sources


def test_train_refuses_an_embedding_cache_of_another_dimension_and_leaves_it_alone(tmp_path):
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps({
        "text": f"you are a horrible person, number {i}" if i % 2 == 0 else f"the weather is lovely today, number {i}",
        "labels": {"harassment": int(i % 2 == 0), "violence": 0}, "source": "tiny",
        "split": "dev" if i % 6 == 5 else "train"}) + "\n" for i in range(30)))
    cache = tmp_path / "layer6.bin"
    write_embedding_cache(cache, 384)   # one layer's embeddings; the default design pools layers 3 and 6
    before = cache.read_bytes()
    out = subprocess.run([str(warden_bin()), "train", "--precise", "--encoder", str(ENCODER), "--data", str(data),
                          "--embedding-cache", str(cache), "--out", str(tmp_path / "m.bin")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert f"embedding cache {cache} holds 384-dimensional embeddings; the encoder gives 768" in out.stderr
    assert "--embedding-cache" in out.stderr.split("768", 1)[1]
    assert cache.read_bytes() == before and not (tmp_path / "m.bin").exists()
    # A truncated cache is refused with its path, never read as empty.
    broken = tmp_path / "broken.bin"
    write_embedding_cache(broken, 768, count=5)
    bad = subprocess.run([str(warden_bin()), "train", "--precise", "--encoder", str(ENCODER), "--data", str(data),
                          "--embedding-cache", str(broken), "--out", str(tmp_path / "m.bin")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and str(broken) in bad.stderr, bad.stderr[-1000:]
    assert not (tmp_path / "m.bin").exists()


def test_train_takes_seeds_per_layer_group_and_threshold_rules_and_refuses_bad_values(tmp_path):
    """`--mlp-seeds 2` trains two MLPs per layer group (four in all), `--threshold-f1-tolerance`
    picks the lowest threshold near the best F1, and the precise tier's thresholds are bagged over
    200 bootstrap draws of dev unless `--threshold-bootstrap 0`, and `--any-blend-by-head` sets the
    any-head shift per category: all show in the design line before
    anything is trained (the run then stops at the missing encoder); out-of-range values are refused."""
    data = tmp_path / "tiny.jsonl"
    data.write_text(json.dumps({"text": "hello", "labels": {"harassment": 0}, "source": "tiny", "split": "train"}) + "\n")

    def train(*args):
        return subprocess.run([str(warden_bin()), "train", "--data", str(data), "--out", str(tmp_path / "m.bin"), *args],
                              cwd=REPO, capture_output=True, text=True, timeout=300)

    default = train("--precise", "--encoder", "/nonexistent/enc")
    design = next(line for line in default.stderr.splitlines() if line.startswith("design: "))
    assert "MLP ensemble over encoder layers 3+6, 6," in design and "seeds" not in design and "thresholds within" not in design
    assert "thresholds bagged over 200 bootstrap draws of dev" in design
    assert "any blend 0.8 (harassment 0.6, hate/threatening 0.6, self-harm 0.6, violence 0.6)" in design
    unbagged = train("--precise", "--encoder", "/nonexistent/enc", "--threshold-bootstrap", "0")
    assert "bootstrap" not in next(line for line in unbagged.stderr.splitlines() if line.startswith("design: "))
    seeded = train("--precise", "--encoder", "/nonexistent/enc", "--mlp-seeds", "2", "--threshold-f1-tolerance", "0.01")
    design = next(line for line in seeded.stderr.splitlines() if line.startswith("design: "))
    assert "MLP ensemble over encoder layers 3+6, 6 × 2 seeds" in design and "thresholds within F1 0.01 of the best" in design
    reblended = train("--precise", "--encoder", "/nonexistent/enc", "--any-blend-by-head", "violence=0.5")
    assert "any blend 0.8 (violence 0.5)," in next(line for line in reblended.stderr.splitlines() if line.startswith("design: "))
    swa = train("--precise", "--encoder", "/nonexistent/enc", "--mlp-average-epochs", "6", "--average-epochs", "2")
    design = next(line for line in swa.stderr.splitlines() if line.startswith("design: "))
    assert "MLP weights averaged over the last 6 epochs" in design and "n-gram weights averaged over the last 2 epochs" in design
    one = train("--precise", "--encoder", "/nonexistent/enc", "--any-blend-by-head", "none")
    assert "any blend 0.8, " in next(line for line in one.stderr.splitlines() if line.startswith("design: "))
    for flag, value, message in [("--mlp-seeds", "0", "--mlp-seeds: at least 1"),
                                 ("--any-blend-by-head", "violense=0.6", "--any-blend-by-head: category=λ pairs"),
                                 ("--any-blend-by-head", "violence=1.5", "--any-blend-by-head: category=λ pairs"),
                                 ("--threshold-f1-tolerance", "1.5", "--threshold-f1-tolerance: from 0 up to 1"),
                                 ("--threshold-bootstrap", "20000", "--threshold-bootstrap: from 0 up to 10000"),
                                 ("--mlp-average-epochs", "13", "--mlp-average-epochs: from 0 up to the MLP's 12 epochs"),
                                 ("--average-epochs", "4", "--average-epochs: from 0 up to --epochs (3)")]:
        bad = train("--precise", "--encoder", "/nonexistent/enc", flag, value)
        assert bad.returncode != 0 and message in bad.stderr and bad.stdout == "", bad.stderr[-500:]
    fast = train("--mlp-seeds", "2")
    assert fast.returncode != 0 and "--mlp-seeds: only with --precise" in fast.stderr, fast.stderr[-500:]
    fast = train("--mlp-average-epochs", "6")
    assert fast.returncode != 0 and "--mlp-average-epochs: only with --precise" in fast.stderr, fast.stderr[-500:]
    assert not (tmp_path / "m.bin").exists()
