#!/usr/bin/env bash
# The README's second-opinion example, end to end: a fake upstream, a gateway on a throwaway SQLite
# store with the precise tier configured but `escalation: never`, one app whose policy turns
# `second_opinion` on between two identical requests. Prints each step and the usage records'
# input decisions. Needs a release build and the encoder (`make encoder`).
#   scripts/second_opinion_demo.sh ["prompt text"]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${WARDEN_BIN:-.build-release/release/warden}"
PROMPT="${1:-If my sister borrows my car again I will smack her.}"
PORT=${DEMO_PORT:-18093}
DIR=$(mktemp -d)
export WARDEN_ADMIN_TOKEN=demo-admin-token
cleanup() { kill "${gw:-}" "${up:-}" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

python3 tests/e2e/fake_upstream.py > "$DIR/upstream.url" &
up=$!
for _ in $(seq 1 50); do [[ -s "$DIR/upstream.url" ]] && break; sleep 0.1; done
cat > "$DIR/warden.yaml" <<EOF
server: {host: 127.0.0.1, port: $PORT}
store: {sqlite: $DIR/warden.sqlite}
security: {admin_token_env: WARDEN_ADMIN_TOKEN, key_refresh_seconds: 1}
moderation:
  precise: {escalation: never}
upstreams:
  - name: fake
    base_url: $(cat "$DIR/upstream.url")
    models: [{name: m-ok, upstream_name: ok}]
policy: {file: config/policy.example.yaml}
EOF
C=(--config "$DIR/warden.yaml")
"$BIN" migrate "${C[@]}" >/dev/null
ORG=$("$BIN" orgs create "${C[@]}" --name demo --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
APP=$("$BIN" apps create "${C[@]}" --org "$ORG" --name forum --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
KEY=$("$BIN" keys create "${C[@]}" --app "$APP" --name demo --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
"$BIN" serve "${C[@]}" > "$DIR/gateway.log" 2>&1 &
gw=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

BASE="http://127.0.0.1:$PORT"
BODY=$(python3 -c 'import json,sys; print(json.dumps({"model":"m-ok","messages":[{"role":"user","content":sys.argv[1]}]}))' "$PROMPT")
chat() { curl -s -o /dev/null -w "HTTP %{http_code}\n" "$BASE/v1/chat/completions" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d "$BODY"; }
echo "prompt: $PROMPT"
echo "1. without a second opinion:"; chat
echo "2. PUT the app's policy {\"second_opinion\": true}:"
curl -s -X PUT "$BASE/admin/v1/apps/$APP/policy" -H "Authorization: Bearer $WARDEN_ADMIN_TOKEN" -H 'content-type: application/json' \
  -d '{"reason":"support forum: ask the precise tier near the thresholds","policy":{"second_opinion":true}}' -o /dev/null -w "HTTP %{http_code}\n"
sleep 1.5   # key_refresh_seconds: the running gateway picks the new policy up
echo "3. the same request:"; chat
sleep 1.5   # recording.flush_interval_ms
echo "usage records, newest first (policy_action, the input decision):"
curl -s "$BASE/admin/v1/usage?limit=2" -H "Authorization: Bearer $WARDEN_ADMIN_TOKEN" > "$DIR/usage.json"
python3 - "$DIR/usage.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    d = json.loads(r["policy_decision"])["input"]
    print(f'{r["policy_action"]:5} {r["policy_version"]:8} input: {d["action"]}, violence {d["scores"]["violence"]}, '
          f'second opinion: {d.get("second_opinion", "-")}, triggered {d["triggered"]}')
PY
