# Shared by run.sh, moderations.sh and stream.sh (source it after `cd` to the repository root, with
# $PY set).

# free_port: a loopback port free now.
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_key BIN CONFIG: migrates CONFIG's store, creates an org, an app and a key, prints the key.
bench_key() {
  local bin=$1 config=$2 org app
  "$bin" migrate --config "$config" >/dev/null || { echo "$bin migrate rejected $config" >&2; return 1; }
  org=$("$bin" orgs create --config "$config" --name bench --json | $PY -c 'import json,sys;print(json.load(sys.stdin)["id"])')
  app=$("$bin" apps create --config "$config" --org "$org" --name bench --json | $PY -c 'import json,sys;print(json.load(sys.stdin)["id"])')
  "$bin" keys create --config "$config" --app "$app" --json | $PY -c 'import json,sys;print(json.load(sys.stdin)["key"])'
}

# config_head PORT SQLITE [ESCALATION]: the first lines of a benchmark gateway's config (loopback
# port, SQLite store, no texts recorded; with ESCALATION, the precise tier with ./var/encoder).
config_head() {
  printf 'server: {host: 127.0.0.1, port: %s}\nstore: {sqlite: %s}\nrecording: {text: none}\n' "$1" "$2"
  [[ -z ${3:-} ]] || printf 'moderation: {precise: {escalation: %s, encoder: %s}}\n' "$3" "$PWD/var/encoder"
}

# wrk_post_lua KEY BODY: a wrk script posting the JSON BODY (no single quotes) with the key; at the
# end it prints "RESULT requests duration_us p50_ms p99_ms errors".
wrk_post_lua() {
  cat <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $1"
wrk.body = '$2'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %d\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
LUA
}

# The /v1/moderations benchmark of issue 4 (p99 ≤ 2 ms): one 1 KB input, posted by wrk.
moderation_text() {
  $PY -c 'print(("Please summarise the quarterly report and list the three main risks for the team. " * 13)[:1024])'
}

# moderation_lua KEY TEXT: wrk_post_lua with {"input": TEXT}.
moderation_lua() { wrk_post_lua "$1" "{\"input\":\"$2\"}"; }
