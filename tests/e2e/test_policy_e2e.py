"""The content policy through the real binary with the official openai SDK: blocked prompts raise
the SDK's BadRequestError with code content_policy_violation, blocked completions and cut streams
end with finish_reason "content_filter", and an app customization made with `warden policy set`
(validated against the bounds, with line numbers) changes the outcome."""
from __future__ import annotations

import time

import openai
import pytest

from conftest import wait_until

POLICY = "policy: {file: config/policy.example.yaml}\n"
INSULT = "You are a worthless idiot and everyone hates you."
# The stream test cuts on the insult's window inside benign text, where the fast tier's score is
# diluted (0.86 for INSULT there with the session-10 model, against a block_at of 0.85): a stronger
# insult (0.96 there) keeps the test about the cut, not about the model's margin. The Swift
# PolicyGatewayTests use the same one.
STREAM_INSULT = "You are a worthless, pathetic idiot and everyone hates you."


@pytest.fixture
def policed(fresh_gateway):
    return fresh_gateway(extra_yaml=POLICY)


def client(gw) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gw.base}/v1", api_key=gw.key, max_retries=0, timeout=20)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_blocked_prompt_raises_bad_request_with_content_policy_violation(policed):
    with pytest.raises(openai.BadRequestError) as caught:
        client(policed).chat.completions.create(model="say", messages=user(INSULT))
    assert caught.value.code == "content_policy_violation"
    assert caught.value.param == "messages"
    assert "harassment" in caught.value.message
    ok = client(policed).chat.completions.create(model="say", messages=user("How do I kill a Python process?"))
    assert ok.choices[0].finish_reason == "stop"


def test_customization_is_validated_with_lines_and_changes_the_outcome(policed, tmp_path):
    loose = tmp_path / "loose.yaml"
    loose.write_text("rules:\n  harassment:\n    input: {flag_at: 0.5}\n  hate/threatening:\n    output: {block_at: 0.95}\n")
    refused = policed.cli("policy", "set", "--app", policed.app["id"], "--file", str(loose), "--reason", "too loose", check=False)
    assert refused.returncode != 0
    assert "loose.yaml:5" in refused.stderr and "hate/threatening (output)" in refused.stderr, refused.stderr

    ok_file = tmp_path / "moderators.yaml"
    ok_file.write_text("rules:\n  harassment:\n    input: {flag_at: 0.5}   # moderators paste abuse to ask about it\n")
    policed.cli("policy", "set", "--app", policed.app["id"], "--file", str(ok_file), "--reason", "moderation tool quotes abuse")

    def answered():
        try:
            return client(policed).chat.completions.create(model="say", messages=user(INSULT))
        except openai.BadRequestError:
            return None
    completion = wait_until(answered, 5, interval=0.2, message="the customization to reach the gateway")
    # Input is only flagged now, but the model repeating the insult is still blocked on output.
    assert completion.choices[0].finish_reason == "content_filter"
    assert "withheld by the content policy" in completion.choices[0].message.content

    stream = client(policed).chat.completions.create(
        model="say", stream=True,
        messages=user("Once upon a time there was a quiet village by the sea. " + STREAM_INSULT + " " + "The nets were mended. " * 20))
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    relayed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "nets were mended. The nets" not in relayed

    published = policed.get("/policy?format=json", key=None).json
    assert published["version"] == 1
