"""Rate limits, budgets and tiers through the real binary: the openai SDK's retry logic against
Warden's 429s, and budgets that survive a SIGTERM and restart."""
from __future__ import annotations

import json
import time

import openai
import pytest

from conftest import Gateway, stop_and_check, wait_until

LIMITS = """
limits:
  default_tier: sandbox
  tiers:
    sandbox: {{{tier}}}
    production: {{requests_per_minute: 1000}}
  prices:
    ok: {{input_per_million: 1.0, output_per_million: 2.0}}
"""


def limits_yaml(tier: str) -> str:
    return LIMITS.format(tier=tier)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_sdk_waits_for_retry_after_and_succeeds(fresh_gateway):
    gw = fresh_gateway(extra_yaml=limits_yaml("requests_per_minute: 30"))
    # 30 at once, then one every 2 s: each request here takes some ms, so the first 429 comes
    # a little after the 30th. Without retries the SDK raises RateLimitError.
    no_retry = openai.OpenAI(base_url=f"{gw.base}/v1", api_key=gw.key, max_retries=0)
    sent = 0
    with pytest.raises(openai.RateLimitError) as caught:
        while sent < 200:
            sent += 1
            no_retry.chat.completions.create(model="ok", messages=user("hi"))
    assert 30 <= sent - 1 < 45, sent
    refused = caught.value.response
    assert caught.value.code == "rate_limit_exceeded"
    assert refused.headers["retry-after"] in ("1", "2")
    assert 1 <= int(refused.headers["retry-after-ms"]) <= 2000
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert refused.headers["x-ratelimit-limit-requests"] == "30"

    # With retries (the SDK's default of 2), it honours retry-after-ms and gets through. How long
    # it must wait depends on how long the machine took since the refusal, so the test checks the
    # wait against what each 429 asked for, seen by an httpx hook on the SDK's own client.
    seen = []  # (monotonic time, status, retry-after-ms) of each response the SDK received
    hooks = {"response": [lambda r: seen.append((time.monotonic(), r.status_code, r.headers.get("retry-after-ms")))]}
    client = openai.OpenAI(base_url=f"{gw.base}/v1", api_key=gw.key, max_retries=2,
                           http_client=openai.DefaultHttpxClient(event_hooks=hooks))
    for _attempt in range(3):
        for _ in range(20):  # what refilled meanwhile is spent, so the SDK's first try meets a 429
            sent += 1
            try:
                no_retry.chat.completions.create(model="ok", messages=user("hi"))
            except openai.RateLimitError:
                break
        seen.clear()
        started = time.monotonic()
        raw = client.chat.completions.with_raw_response.create(model="ok", messages=user("hi"))
        waited = time.monotonic() - started
        if seen[0][1] == 429:
            break
        # A loaded machine took longer than a refill (2 s) between the refusal and the SDK's first
        # try, so that try went through: spend the bucket again and retry the check.
        sent += len(seen)
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-ratelimit-limit-requests"] == "30"
    assert [status for _, status, _ in seen][0] == 429 and seen[-1][1] == 200, seen
    for (at, status, retry_ms), (next_at, _, _) in zip(seen, seen[1:]):
        assert status == 429 and 1 <= int(retry_ms) <= 2000, seen
        assert next_at - at >= int(retry_ms) / 1000 - 0.005, (seen, "retried before retry-after-ms")
    def retried():
        rows = gw.records()
        return rows[sent:] if len(rows) >= sent + len(seen) else None
    statuses = [r["status"] for r in wait_until(retried, 5, message="the retried call's records")]
    assert statuses == [status for _, status, _ in seen], (statuses, seen)
    assert waited < 10, waited


def test_exhausted_budget_is_insufficient_quota_and_the_sdk_does_not_retry(fresh_gateway):
    gw = fresh_gateway(extra_yaml=limits_yaml("monthly_tokens: 25, max_tokens: 5"))
    client = openai.OpenAI(base_url=f"{gw.base}/v1", api_key=gw.key, max_retries=2)
    for _ in range(2):  # 10 tokens each (the fake upstream's usage); 12 reserved each
        client.chat.completions.create(model="ok", messages=user("hi"))
    wait_until(lambda: gw.count_records() == 2, 5, message="records flushed")
    before = gw.count_records()
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="ok", messages=user("hi"))
    assert caught.value.code == "insufficient_quota"
    assert caught.value.response.headers["x-should-retry"] == "false"
    time.sleep(0.3)
    assert gw.count_records() == before + 1, "the SDK retried an exhausted budget"


def test_budgets_survive_sigterm_and_restart(fresh_gateway):
    gw = fresh_gateway(extra_yaml=limits_yaml("monthly_tokens: 25, max_tokens: 5"))
    for _ in range(2):
        assert gw.post("/v1/chat/completions", {"model": "ok", "messages": user("hi")}).status == 200
    stop_and_check(gw)
    gw.start()
    refused = gw.post("/v1/chat/completions", {"model": "ok", "messages": user("hi")})
    assert refused.status == 429, refused
    assert refused.error()["code"] == "insufficient_quota"
    assert "20 of 25 tokens used" in refused.error()["message"]

    # The CLI reads the same counters from the store, and the operator raises the budget.
    shown = gw.cli_json("limits", "show", "--org", gw.org["id"])
    assert shown["org"]["used"]["month_tokens"] == 20
    assert shown["org"]["remaining"]["monthly_tokens"] == 5
    assert shown["org"]["used"]["month_spend_micros"] == 26  # 2 × (7 × 1.00 + 3 × 2.00) per million, rounded up
    gw.cli("limits", "override", "--org", gw.org["id"], "--monthly-tokens", "1000", "--expires-in", "3600", "--reason", "e2e raise")
    gw.cli("limits", "override", "--app", gw.app["id"], "--monthly-tokens", "1000", "--reason", "e2e raise")
    ok = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ok = gw.post("/v1/chat/completions", {"model": "ok", "messages": user("hi")})
        if ok.status == 200:
            break
        time.sleep(0.2)
    assert ok is not None and ok.status == 200, ok


def test_budget_alerts_are_events_in_the_admin_api(fresh_gateway):
    gw = fresh_gateway(extra_yaml=limits_yaml("daily_tokens: 40, max_tokens: 5"))
    for _ in range(3):
        assert gw.post("/v1/chat/completions", {"model": "ok", "messages": user("hi")}).status == 200
    def alerts():
        r = gw.admin("GET", "/admin/v1/events?kind=budget.alert")
        return [json.loads(e["payload"]) for e in r.json] if r.status == 200 else []
    from conftest import wait_until
    found = wait_until(lambda: [a for a in alerts() if a["level"] == "org"], 5, message="org budget alerts")
    assert sorted(a["fraction"] for a in found) == [0.5]  # 30 of 40 tokens: 50 % crossed, 80 % not yet


def test_invalid_tier_config_is_a_startup_error_naming_the_key(tmp_path, fake_upstream):
    from conftest import fake_upstream_config
    gw = Gateway(tmp_path, fake_upstream_config(fake_upstream), extra_yaml=limits_yaml("requests_per_minute: -5"))
    proc = gw.cli("migrate", check=False)
    assert proc.returncode != 0
    assert "limits.tiers.sandbox.requests_per_minute must be a positive number (got -5)" in proc.stderr + proc.stdout
