"""The admin API of a running gateway: token checks, tenants, keys, audit log, usage."""
from __future__ import annotations

import openai
import pytest

from conftest import wait_until


def items(resp):
    body = resp.json
    return body["data"] if isinstance(body, dict) and "data" in body else body


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_admin_requires_token(gateway, token):
    resp = gateway.admin("GET", "/admin/v1/orgs", token=token)
    assert resp.status == 401, resp
    resp.error()
    assert resp.headers["x-request-id"].startswith("req_")
    assert gateway.admin("POST", "/admin/v1/orgs", {"name": "x"}, token=token).status == 401


def test_admin_disabled_without_token(fresh_gateway):
    gw = fresh_gateway(admin_token=None)
    resp = gw.admin("GET", "/admin/v1/orgs", token="anything")
    assert resp.status == 403
    assert resp.error()["code"] == "admin_disabled"


def test_admin_tenant_and_key_lifecycle(gateway):
    actor = {"X-Warden-Actor": "alice"}
    org = gateway.admin("POST", "/admin/v1/orgs", {"name": "admin-org"}, headers=actor)
    assert org.status in (200, 201), org
    org = org.json
    assert org["id"].startswith("org_") and org["name"] == "admin-org"

    app = gateway.admin("POST", "/admin/v1/apps", {"org_id": org["id"], "name": "admin-app"}, headers=actor)
    assert app.status in (200, 201), app
    app = app.json
    assert app["id"].startswith("app_") and app["org_id"] == org["id"]

    created = gateway.admin("POST", "/admin/v1/keys", {"app_id": app["id"], "name": "admin-key"}, headers=actor)
    assert created.status in (200, 201), created
    created = created.json
    key, key_id = created["key"], created["id"]
    assert key.startswith("wdn-") and key_id.startswith("key_")
    assert len(key) >= len("wdn-") + 22  # >= 128 bits of randomness in any sane encoding

    listed = gateway.admin("GET", f"/admin/v1/keys?app_id={app['id']}")
    assert listed.status == 200
    assert [k["id"] for k in items(listed)] == [key_id]
    assert key not in listed.body.decode()  # shown once, never listed

    client = openai.OpenAI(base_url=f"{gateway.base}/v1", api_key=key, max_retries=0)
    wait_until(lambda: _works(client), 3, interval=0.05, message="the admin-created key to work")
    raw = client.chat.completions.with_raw_response.create(model="ok", messages=[{"role": "user", "content": "hi"}])
    rec = gateway.record(raw.headers["x-request-id"])
    assert (rec["org_id"], rec["app_id"], rec["key_id"]) == (org["id"], app["id"], key_id)

    revoked = gateway.admin("POST", f"/admin/v1/keys/{key_id}/revoke", headers=actor)
    assert revoked.status == 200, revoked
    assert key not in revoked.body.decode()
    wait_until(lambda: not _works(client), 3, interval=0.05, message="the revoked key to be refused")
    with pytest.raises(openai.AuthenticationError):
        client.models.list()

    audit = gateway.admin("GET", "/admin/v1/audit?limit=50")
    assert audit.status == 200
    entries = [e for e in items(audit) if "alice" in (e.get("actor") or "")]
    targets = {e.get("target_id") for e in entries}
    assert {org["id"], app["id"], key_id} <= targets, entries
    assert len(entries) == 4, entries  # org, app, key created; key revoked
    revoke = [e for e in entries if e["target_id"] == key_id and "revoke" in e["action"]]
    assert len(revoke) == 1, entries
    assert revoke[0]["before"] and revoke[0]["after"] and revoke[0]["before"] != revoke[0]["after"]
    assert all(e.get("time") for e in entries)
    assert key not in audit.body.decode()

    assert len(items(gateway.admin("GET", "/admin/v1/audit?limit=2"))) == 2

    usage = gateway.admin("GET", "/admin/v1/usage?limit=5")
    assert usage.status == 200
    rows = items(usage)
    assert 1 <= len(rows) <= 5


def _works(client) -> bool:
    try:
        client.models.list()
        return True
    except openai.AuthenticationError:
        return False


def test_admin_rejects_bad_input(gateway):
    resp = gateway.admin("POST", "/admin/v1/apps", {"org_id": "org_doesnotexist", "name": "x"})
    assert 400 <= resp.status < 500, resp
    resp.error()
    resp = gateway.admin("POST", "/admin/v1/orgs", b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400, resp
    resp.error()
