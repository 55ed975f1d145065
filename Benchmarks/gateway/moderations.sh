#!/usr/bin/env bash
# /v1/moderations alone (issue 4: p99 ≤ 2 ms for one 1 KB input, 1 connection), for one or more
# warden binaries, in alternated rounds so a noisy machine hits each binary alike:
#   Benchmarks/gateway/moderations.sh [BIN...]        (default: the release build's warden)
#   BENCH_ROUNDS=3 BENCH_DURATION=5 PERF=1 ...        (PERF=1: perf record the first binary's first round)
#   BENCH_PRECISE=uncertain ...                       (configure the precise tier with this escalation; needs `make encoder`)
# Prints per round and binary: req/s, p50, p99 (ms); then the mean of the rounds per binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
PY=${PYTHON:-python3}
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$(swift build -c release --scratch-path .build-release --show-bin-path)/warden")
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
WORK=$(mktemp -d /tmp/warden-modbench.XXXXXX)
. Benchmarks/gateway/lib.sh
TEXT=$(moderation_text)

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

PORTS=(); KEYS=()
for i in "${!BINS[@]}"; do
  bin=${BINS[$i]}; port=$(free_port); config="$WORK/w$i.yaml"
  { config_head "$port" "$WORK/w$i.sqlite" "${BENCH_PRECISE:-}"; cat <<YAML; } > "$config"
upstreams:
  - name: none
    base_url: http://127.0.0.1:9/v1
    models: [{name: none}]
YAML
  key=$(bench_key "$bin" "$config")
  WARDEN_LOG_LEVEL=warning "$bin" serve --config "$config" > "$WORK/w$i.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  PORTS+=("$port"); KEYS+=("$key")
  moderation_lua "$key" "$TEXT" > "$WORK/mod$i.lua"
  # warm-up
  wrk -t1 -c1 -d1s -s "$WORK/mod$i.lua" "http://127.0.0.1:$port/v1/moderations" >/dev/null
done

declare -A SUM_RPS SUM_P50 SUM_P99
printf "%-5s %-40s %9s %8s %8s %6s\n" round binary "req/s" "p50 ms" "p99 ms" errors
for r in $(seq 1 "$ROUNDS"); do
  for i in "${!BINS[@]}"; do
    perf_pid=""
    if [[ ${PERF:-0} == 1 && $r == 1 && $i == 0 ]]; then
      perf record -F 4000 -g -p "${PIDS[$i]}" -o "$WORK/perf.data" >/dev/null 2>&1 & perf_pid=$!
    fi
    read -r _ reqs dur p50 p99 errs <<<"$(wrk -t1 -c1 -d"${DURATION}s" -s "$WORK/mod$i.lua" "http://127.0.0.1:${PORTS[$i]}/v1/moderations" | grep RESULT)"
    [[ -n $perf_pid ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; echo "perf data: $WORK/perf.data"; }
    rps=$(awk -v r="$reqs" -v d="$dur" 'BEGIN{printf "%.0f", r/(d/1e6)}')
    label=${BINS[$i]}; (( ${#label} > 40 )) && label=…${label: -39}
    printf "%-5s %-40s %9s %8s %8s %6s\n" "$r" "$label" "$rps" "$p50" "$p99" "$errs"
    SUM_RPS[$i]=$(awk -v a="${SUM_RPS[$i]:-0}" -v b="$rps" 'BEGIN{print a+b}')
    SUM_P50[$i]=$(awk -v a="${SUM_P50[$i]:-0}" -v b="$p50" 'BEGIN{print a+b}')
    SUM_P99[$i]=$(awk -v a="${SUM_P99[$i]:-0}" -v b="$p99" 'BEGIN{print a+b}')
  done
done
for i in "${!BINS[@]}"; do
  awk -v n="$ROUNDS" -v a="${SUM_RPS[$i]}" -v b="${SUM_P50[$i]}" -v c="${SUM_P99[$i]}" -v bin="${BINS[$i]}" \
    'BEGIN{printf "mean of %d rounds  %s: %.0f req/s, p50 %.3f ms, p99 %.3f ms (target p99 ≤ 2 ms)\n", n, bin, a/n, b/n, c/n}'
done
