"""Fixtures for Warden's end-to-end tests: the real `warden` binary as a subprocess, a fake upstream,
and helpers for raw HTTP and for reading usage records from the SQLite store.

The binary comes from env `WARDEN_BIN` (default `.build/debug/warden` in the repository).
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_upstream import FakeUpstream  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "test-admin-token-0123456789"

# The gateway's models on the fake upstream: name -> upstream_name (the fake's behaviour).
FAKE_BEHAVIOURS = [
    "ok", "stream", "stream-nousage", "slow", "error500", "error400", "text502", "malformed", "reset",
    "stream-nodone", "stream-reset", "stream-slow", "stream-malformed", "stream-long", "stream-medium", "echo", "say",
]
FAKE_MODELS = (
    [{"name": "ok", "upstream_name": "ok", "aliases": ["gpt-4o-mini"]}]
    + [{"name": b, "upstream_name": b} for b in FAKE_BEHAVIOURS if b != "ok"]
    + [{"name": "my-echo", "upstream_name": "echo"}]
)


def warden_bin() -> Path:
    path = Path(os.environ.get("WARDEN_BIN", REPO / ".build" / "debug" / "warden"))
    if not path.is_absolute():
        path = REPO / path
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"warden binary not found or not executable at {path}. Build it with `swift build --product warden` "
            f"and/or set WARDEN_BIN to its path (e.g. WARDEN_BIN=$(swift build --show-bin-path)/warden).",
            pytrace=False,
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.02, message: str = "condition"):
    """Polls `predicate` until it returns a truthy value (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def read_sse(resp_body: bytes) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    events = []
    for block in resp_body.decode().replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")]
        if data:
            events.append("\n".join(data))
    return events


def _yaml_scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))  # JSON strings are valid YAML flow scalars


def _yaml_flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_flow(v) for v in value) + "]"
    return _yaml_scalar(value)


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    def error(self) -> dict:
        data = self.json
        assert set(data) == {"error"}, f"not an OpenAI error body: {data}"
        err = data["error"]
        assert {"message", "type", "param", "code"} <= set(err), f"error lacks fields: {err}"
        assert isinstance(err["message"], str) and err["message"], err
        return err

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:300]!r}>"


class Gateway:
    """One `warden serve` process with its own config, SQLite file, org, app and key."""

    instances: list["Gateway"] = []
    stopped_during_item: list["Gateway"] = []

    def __init__(self, workdir: Path, upstreams: list[dict], *, text: str = "full", max_body_bytes: int = 65536,
                 admin_token: str | None = ADMIN_TOKEN, flush_interval_ms: int = 50, key_refresh_seconds: float = 0.5,
                 db_path: Path | None = None, extra_yaml: str = ""):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.bin = warden_bin()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = Path(db_path) if db_path else self.workdir / "warden.sqlite"
        self.config_path = self.workdir / "warden.yaml"
        self.log_path = self.workdir / "warden.log"
        self.admin_token = admin_token
        self.proc: subprocess.Popen | None = None
        self.exit_code: int | None = None
        self.upstreams = upstreams
        self.settings = dict(text=text, max_body_bytes=max_body_bytes, flush_interval_ms=flush_interval_ms,
                             key_refresh_seconds=key_refresh_seconds)
        self.extra_yaml = extra_yaml  # more top-level sections (limits:, …), appended verbatim
        self.write_config()
        Gateway.instances.append(self)

    # --- setup ----------------------------------------------------------------------------
    def write_config(self) -> None:
        s = self.settings
        lines = [
            f"server: {{host: 127.0.0.1, port: {self.port}, max_body_bytes: {s['max_body_bytes']}}}",
            f"store: {{sqlite: {_yaml_scalar(str(self.db_path))}}}",
            f"recording: {{text: {s['text']}, retention_days: 30, flush_interval_ms: {s['flush_interval_ms']}}}",
            f"security: {{key_refresh_seconds: {s['key_refresh_seconds']}}}",
            "upstreams:",
        ]
        for up in self.upstreams:
            lines.append(f"  - name: {_yaml_scalar(up['name'])}")
            lines.append(f"    base_url: {_yaml_scalar(up['base_url'])}")
            for k in ("connect_timeout", "read_timeout", "max_connections"):
                if k in up:
                    lines.append(f"    {k}: {up[k]}")
            lines.append("    models:")
            for m in up["models"]:
                lines.append(f"      - {_yaml_flow(m)}")
        self.config_path.write_text("\n".join(lines) + "\n" + self.extra_yaml)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin), *args, "--config", str(self.config_path)]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def cli_json(self, *args: str):
        out = self.cli(*args, "--json").stdout
        try:
            return json.loads(out)
        except ValueError as e:
            raise AssertionError(f"warden {' '.join(args)} --json printed non-JSON: {out!r}") from e

    def provision(self) -> None:
        """Migrates the store and creates an org, an app and a key through the CLI."""
        self.cli("migrate")
        self.org = self.cli_json("orgs", "create", "--name", "e2e-org")
        self.app = self.cli_json("apps", "create", "--org", self.org["id"], "--name", "e2e-app")
        created = self.cli_json("keys", "create", "--app", self.app["id"], "--name", "e2e-key")
        self.key = created["key"]
        self.key_id = created["id"]

    def new_key(self, name: str = "extra") -> dict:
        return self.cli_json("keys", "create", "--app", self.app["id"], "--name", name)

    # --- process --------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> "Gateway":
        env = dict(os.environ)
        env.pop("WARDEN_ADMIN_TOKEN", None)
        if self.admin_token:
            env["WARDEN_ADMIN_TOKEN"] = self.admin_token
        log = open(self.log_path, "ab")
        self.exit_code = None
        self.proc = subprocess.Popen([str(self.bin), "serve", "--config", str(self.config_path)], cwd=REPO,
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"warden serve exited with {self.proc.returncode} during startup\n{self.log_tail()}")
            try:
                if self.get("/healthz", timeout=1).status == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"warden serve did not answer /healthz within {timeout}s\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Signals the gateway and waits for it to exit; returns its exit code."""
        if self.proc is None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"warden did not exit within {timeout}s of signal {sig}\n{self.log_tail()}")
        self.exit_code = self.proc.returncode
        self.proc = None
        Gateway.stopped_during_item.append(self)
        return self.exit_code

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return f"--- last {lines} lines of {self.log_path} ---\n" + "\n".join(text[-lines:])

    # --- HTTP -----------------------------------------------------------------------------
    def request(self, method: str, path: str, body=None, headers: dict | None = None, key: str | None = "default",
                timeout: float = 15.0) -> Response:
        hdrs = dict(headers or {})
        if key == "default":
            key = self.key
        if key is not None:
            hdrs.setdefault("Authorization", f"Bearer {key}")
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw) -> Response:
        return self.request("POST", path, body, **kw)

    def admin(self, method: str, path: str, body=None, token: str | None = "default", headers: dict | None = None) -> Response:
        hdrs = dict(headers or {})
        if token == "default":
            token = self.admin_token
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        return self.request(method, path, body, headers=hdrs, key=None)

    # --- store ----------------------------------------------------------------------------
    def records(self, where: str = "1=1", params: tuple = ()) -> list[dict]:
        if not self.db_path.exists():
            return []
        conn = sqlite3.connect(str(self.db_path), timeout=10)
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(f"SELECT * FROM usage_records WHERE {where} ORDER BY time, id", params).fetchall()
            return [dict(r) for r in rows]
        finally:
            conn.close()

    def record(self, request_id: str, timeout: float = 5.0) -> dict:
        """The usage record of one request (its id is the request's x-request-id), once flushed."""
        rows = wait_until(lambda: self.records("id = ?", (request_id,)), timeout,
                          message=f"usage record {request_id} in {self.db_path}")
        assert len(rows) == 1, rows
        return rows[0]

    def count_records(self) -> int:
        return len(self.records())


@pytest.fixture(scope="session")
def fake_upstream():
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


def fake_upstream_config(fake: FakeUpstream, **overrides) -> list[dict]:
    up = {"name": "fake", "base_url": fake.base_url, "connect_timeout": 1, "read_timeout": 1, "models": FAKE_MODELS}
    up.update(overrides)
    down = {"name": "down", "base_url": f"http://127.0.0.1:{free_port()}/v1", "connect_timeout": 1, "read_timeout": 1,
            "models": [{"name": "m-down"}]}
    return [up, down]


def start_gateway(fake: FakeUpstream, workdir: Path | None = None, **kw) -> Gateway:
    workdir = Path(workdir or tempfile.mkdtemp(prefix="warden-e2e-"))
    gw = Gateway(workdir, fake_upstream_config(fake), **kw)
    gw.provision()
    gw.start()
    return gw


def stop_and_check(gw: Gateway) -> None:
    code = gw.stop()
    assert code == 0, f"warden exited {code} after SIGTERM\n{gw.log_tail()}"


@pytest.fixture(scope="module")
def gateway(fake_upstream, tmp_path_factory):
    """A gateway shared by a module's tests: text `full`, max body 64 KiB, admin API enabled."""
    gw = start_gateway(fake_upstream, tmp_path_factory.mktemp("gw"))
    yield gw
    stop_and_check(gw)


@pytest.fixture
def fresh_gateway(fake_upstream, tmp_path):
    """A gateway of the test's own (for tests that stop, restart or count everything)."""
    gws = []

    def make(**kw) -> Gateway:
        gw = start_gateway(fake_upstream, tmp_path / f"gw{len(gws)}", **kw)
        gws.append(gw)
        return gw

    yield make
    for gw in gws:
        if gw.proc is not None:
            stop_and_check(gw)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    Gateway.stopped_during_item = []
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attaches the log tail of every gateway running or stopped during the test."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        shown = [gw for gw in Gateway.instances if gw.proc is not None]
        shown += [gw for gw in Gateway.stopped_during_item if gw not in shown]
        for gw in shown:
            report.sections.append((f"warden log ({gw.workdir})", gw.log_tail()))
