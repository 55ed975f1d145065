#!/usr/bin/env bash
# Streamed chat completions with output screening, through the gateway, for one or more warden
# binaries, in alternated rounds so a noisy machine hits each binary alike:
#   Benchmarks/gateway/stream.sh [BIN...]               (default: the release build's warden)
#   BENCH_ROUNDS=3 BENCH_DURATION=5 BENCH_CONNECTIONS="1 8" ...
#   BENCH_PRECISE=uncertain ...   (the default: the precise tier with this escalation, encoder in
#                                  var/encoder, `make encoder`; BENCH_PRECISE= for the fast tier alone)
# e.g. the session-6 change (a stream's chunks screened inline first when a precise tier is
# configured, instead of every chunk hopping to NIO's blocking pool):
#   Benchmarks/gateway/stream.sh /work/scratch/warden-s5 .build-release/release/warden
#
# Each gateway screens under config/policy.example.yaml (prompts and completions, streams re-scored
# at sentence ends). The upstream is Benchmarks/gateway/fake_stream_upstream.py: a calm lemon cake
# recipe in 20 SSE chunks (one write each), a "stop" chunk, [DONE]. Before measuring, each gateway
# must relay that stream whole (200, text/event-stream, ending in [DONE]) and cut a hostile one
# (finish_reason "content_filter"), else the script stops; it also prints how many of the texts
# screened per request the precise tier sends to the encoder (none, for this text). wrk posts
# {"model", "stream": true, "messages"} with one connection and with 8.
# Prints per round, connection setting and binary: req/s, p50, p99 (ms), the gateway's CPU per
# request (µs), errors; then the means per binary and each binary's ratio to the first one. The
# machine is shared and noisy: compare the ratios within one run, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=(${BENCH_CONNECTIONS:-1 8})
PRECISE=${BENCH_PRECISE-uncertain}
PY=${PYTHON:-python3}
PROMPT="Give me a lemon cake recipe."
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$(swift build -c release --scratch-path .build-release --show-bin-path)/warden")
for bin in "${BINS[@]}"; do [[ -x $bin ]] || { echo "no warden binary at $bin" >&2; exit 1; }; done
[[ -z $PRECISE || -f var/encoder/model.safetensors ]] || { echo "no encoder in var/encoder (make encoder)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
WORK=$(mktemp -d /tmp/warden-streambench.XXXXXX)
. Benchmarks/gateway/lib.sh
fail() { echo "FAILED: $*" >&2; exit 1; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

UP=$(free_port)
$PY Benchmarks/gateway/fake_stream_upstream.py "$UP" > "$WORK/upstream.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$UP/v1/models" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$UP/v1/models" >/dev/null || fail "the fake upstream did not start ($WORK/upstream.log)"

# check_stream PORT KEY: one benign streamed request must be relayed whole; one hostile must be cut.
check_stream() {
  local url="http://127.0.0.1:$1/v1/chat/completions" key=$2 out
  out=$(curl -sN -o "$WORK/check.sse" -w '%{http_code} %{content_type}' "$url" -H "Authorization: Bearer $key" \
          -H 'Content-Type: application/json' \
          -d "{\"model\":\"fake\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$PROMPT\"}]}") || true
  [[ $out == "200 text/event-stream"* ]] || fail "streamed request answered '$out': $(head -c 400 "$WORK/check.sse")"
  $PY - "$WORK/check.sse" "$($PY Benchmarks/gateway/fake_stream_upstream.py --text)" <<'PY' || fail "the stream was not relayed whole (see $WORK/check.sse)"
import json, sys
events = [l[6:] for l in open(sys.argv[1]).read().split("\n") if l.startswith("data: ")]
assert events and events[-1] == "[DONE]", "no [DONE] at the end"
chunks = [json.loads(e) for e in events[:-1]]
text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
finish = [c["choices"][0].get("finish_reason") for c in chunks if c.get("choices") and c["choices"][0].get("finish_reason")]
assert text == sys.argv[2], f"text differs: {text[:200]!r}"
assert finish == ["stop"], f"finish reasons {finish}"
PY
  curl -sN -o "$WORK/hostile.sse" "$url" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"model":"fake","stream":true,"messages":[{"role":"user","content":"Write a scene [hostile]"}]}' || true
  grep -q '"finish_reason":"content_filter"' "$WORK/hostile.sse" && tail -c 20 "$WORK/hostile.sse" | grep -q 'data: \[DONE\]' \
    || fail "a hostile stream was not cut: output screening is off? ($WORK/hostile.sse)"
}

PORTS=(); KEYS=(); LUAS=()
for i in "${!BINS[@]}"; do
  bin=${BINS[$i]}; port=$(free_port); config="$WORK/w$i.yaml"
  { config_head "$port" "$WORK/w$i.sqlite" "$PRECISE"; cat <<YAML; } > "$config"
policy: {file: $PWD/config/policy.example.yaml}
upstreams:
  - name: fake
    base_url: http://127.0.0.1:$UP/v1
    max_connections: 64
    models: [{name: fake}]
YAML
  key=$(bench_key "$bin" "$config") || fail "could not create a key with $bin"
  WARDEN_LOG_LEVEL=warning "$bin" serve --config "$config" > "$WORK/w$i.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || fail "$bin did not start: $(tail -5 "$WORK/w$i.log")"
  check_stream "$port" "$key"
  echo "binary $i: $bin: stream relayed whole, hostile stream cut; $($PY Benchmarks/gateway/fake_stream_upstream.py --escalations "http://127.0.0.1:$port" "$key" "$PROMPT")"
  wrk_post_lua "$key" '{"model":"fake","stream":true,"messages":[{"role":"user","content":"'"$PROMPT"'"}]}' > "$WORK/stream$i.lua"
  PORTS+=("$port"); KEYS+=("$key")
  # warm-up
  wrk -t1 -c8 -d1s -s "$WORK/stream$i.lua" "http://127.0.0.1:$port/v1/chat/completions" >/dev/null
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
declare -A SUM_RPS SUM_P50 SUM_P99 SUM_CPU
printf "\n%-5s %5s %-40s %9s %8s %8s %11s %6s\n" round conns binary "req/s" "p50 ms" "p99 ms" "CPU µs/req" errors
for r in $(seq 1 "$ROUNDS"); do
  order=("${!BINS[@]}")
  (( r % 2 == 0 )) && order=($(printf '%s\n' "${!BINS[@]}" | tac))   # even rounds in reverse order
  for c in "${CONNS[@]}"; do
    for i in "${order[@]}"; do
      gw=${PIDS[$((i + 1))]}
      before=$(cpu_ticks "$gw")
      out=$(wrk -t1 -c"$c" -d"${DURATION}s" -s "$WORK/stream$i.lua" "http://127.0.0.1:${PORTS[$i]}/v1/chat/completions" | grep RESULT) \
        || fail "wrk against ${BINS[$i]} gave no result"
      after=$(cpu_ticks "$gw")
      read -r _ reqs dur p50 p99 errs <<<"$out"
      (( reqs > 0 )) || fail "no request completed against ${BINS[$i]}"
      rps=$(awk -v r="$reqs" -v d="$dur" 'BEGIN{printf "%.0f", r/(d/1e6)}')
      cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v r="$reqs" 'BEGIN{printf "%.0f", t/hz/r*1e6}')
      label=${BINS[$i]}; (( ${#label} > 40 )) && label=…${label: -39}
      printf "%-5s %5s %-40s %9s %8s %8s %11s %6s\n" "$r" "$c" "$label" "$rps" "$p50" "$p99" "$cpu" "$errs"
      SUM_RPS[$i,$c]=$(awk -v a="${SUM_RPS[$i,$c]:-0}" -v b="$rps" 'BEGIN{print a+b}')
      SUM_P50[$i,$c]=$(awk -v a="${SUM_P50[$i,$c]:-0}" -v b="$p50" 'BEGIN{print a+b}')
      SUM_P99[$i,$c]=$(awk -v a="${SUM_P99[$i,$c]:-0}" -v b="$p99" 'BEGIN{print a+b}')
      SUM_CPU[$i,$c]=$(awk -v a="${SUM_CPU[$i,$c]:-0}" -v b="$cpu" 'BEGIN{print a+b}')
    done
  done
done

echo
for c in "${CONNS[@]}"; do
  for i in "${!BINS[@]}"; do
    awk -v n="$ROUNDS" -v c="$c" -v bin="${BINS[$i]}" -v a="${SUM_RPS[$i,$c]}" -v b="${SUM_P50[$i,$c]}" -v d="${SUM_P99[$i,$c]}" -v e="${SUM_CPU[$i,$c]}" \
        -v a0="${SUM_RPS[0,$c]}" -v b0="${SUM_P50[0,$c]}" -v d0="${SUM_P99[0,$c]}" -v e0="${SUM_CPU[0,$c]}" -v first="$i" 'BEGIN{
      printf "mean of %d rounds, %d conn  %s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, CPU %.0f µs/req", n, c, bin, a/n, b/n, d/n, e/n
      if (first > 0) printf "  | vs binary 0: req/s %.2fx, p50 %.2fx, p99 %.2fx, CPU %.2fx", a/a0, b/b0, d/d0, e/e0
      printf "\n" }'
  done
done

# Every streamed request was screened: the usage records (written every second) carry an output decision.
sleep 2
for i in "${!BINS[@]}"; do
  $PY - "$WORK/w$i.sqlite" "$i" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n, screened, left, not200 = db.execute("""select count(*), sum(policy_decision like '%"output":%'),
    sum(error_code = 'client_disconnected'), sum(status != 200)
    from usage_records where endpoint = '/v1/chat/completions' and stream""").fetchone()
print(f"binary {sys.argv[2]}: {n} streamed requests recorded, {screened} with an output screening decision, "
      f"{left} left by wrk mid-stream at the end of a run, {not200} not 200")
PY
done
