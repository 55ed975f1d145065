#!/usr/bin/env bash
# Gateway overhead: wrk against a fast fake upstream (nginx returning a fixed completion),
# directly, through an nginx proxy_pass hop (the floor), and through Warden, at 1, 16 and 64
# connections, non-streaming and streaming. Prints requests/s, p50/p99 latency and CPU time per
# request of the hop (nginx or Warden), then Warden's figures as ratios of nginx's in this run.
# The machine is shared and noisy: compare the ratios, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${BENCH_DURATION:-5}
CONNS=${BENCH_CONNECTIONS:-"1 16 64"}
BIN=${WARDEN_BIN:-$(swift build -c release --scratch-path .build-release --show-bin-path)/warden}
WORK=$(mktemp -d /tmp/warden-bench.XXXXXX)
PY=${PYTHON:-python3}

for tool in wrk nginx; do
  command -v $tool >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null; break; }
done
[[ -x "$BIN" ]] || { echo "no warden binary at $BIN (make release)"; exit 1; }

. Benchmarks/gateway/lib.sh
UP=$(free_port); HOP=$(free_port); GW=$(free_port)

COMPLETION='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"fake","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
CHUNK='data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n'
# Issue 5's screening figure: 1 KB prompts and 1 KB completions (whole, or streamed in 16 chunks).
TEXT1K=$($PY -c 'print(("The quarterly report shows steady growth in every region, with costs under control and a healthy pipeline. " * 11)[:1024])')
COMPLETION1K="{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"fake\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"$TEXT1K\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":256,\"completion_tokens\":256,\"total_tokens\":512}}"
STREAM1K=$($PY - "$TEXT1K" <<'PY'
import json, sys
text = sys.argv[1]
out = ""
for i in range(0, len(text), 64):
    out += "data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text[i:i + 64]}}]}) + "\\n\\n"
out += 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":256,"completion_tokens":48}}\\n\\ndata: [DONE]\\n\\n'
print(out, end="")
PY
)
STREAM="${CHUNK}${CHUNK}${CHUNK}${CHUNK}${CHUNK}${CHUNK}${CHUNK}${CHUNK}data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":8}}\n\ndata: [DONE]\n\n"

cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
error_log $WORK/nginx-error.log warn;
pid $WORK/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/body;
  proxy_temp_path $WORK/proxy;
  upstream fake { server 127.0.0.1:$UP; keepalive 128; }
  server {
    listen 127.0.0.1:$UP;
    location /v1/models { default_type application/json; return 200 '{"object":"list","data":[]}'; }
    location /v1/chat/completions { default_type application/json; return 200 '$COMPLETION'; }
    location /s/v1/models { default_type application/json; return 200 '{"object":"list","data":[]}'; }
    location /s/v1/chat/completions { default_type text/event-stream; return 200 "$(printf '%s' "$STREAM" | sed 's/"/\\"/g')"; }
    location /k/v1/models { default_type application/json; return 200 '{"object":"list","data":[]}'; }
    location /k/v1/chat/completions { default_type application/json; return 200 '$COMPLETION1K'; }
    location /ks/v1/models { default_type application/json; return 200 '{"object":"list","data":[]}'; }
    location /ks/v1/chat/completions { default_type text/event-stream; return 200 "$(printf '%s' "$STREAM1K" | sed 's/"/\\"/g')"; }
  }
  server {
    listen 127.0.0.1:$HOP;
    location / { proxy_pass http://fake; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
NGINX
nginx -c "$WORK/nginx.conf"
cleanup() {
  for pid in ${GW_PID:-} ${GWL_PID:-} ${GWP_PID:-}; do kill -TERM "$pid" 2>/dev/null || true; done
  nginx -c "$WORK/nginx.conf" -s stop 2>/dev/null || true
}
trap cleanup EXIT

cat > "$WORK/warden.yaml" <<YAML
server: {host: 127.0.0.1, port: $GW}
store: {sqlite: $WORK/warden.sqlite}
recording: {text: none}
upstreams:
  - name: fake
    base_url: http://127.0.0.1:$UP/v1
    max_connections: 128
    models: [{name: fake}]
  - name: fake-stream
    base_url: http://127.0.0.1:$UP/s/v1
    max_connections: 128
    models: [{name: fake-stream}]
  - name: fake-1k
    base_url: http://127.0.0.1:$UP/k/v1
    max_connections: 128
    models: [{name: fake-1k}]
  - name: fake-1k-stream
    base_url: http://127.0.0.1:$UP/ks/v1
    max_connections: 128
    models: [{name: fake-1k-stream}]
YAML
# start_warden NAME PORT: migrates $WORK/NAME.yaml, creates an org, app and key, serves it in the
# background; sets KEY_OUT and PID_OUT.
start_warden() {
  local config="$WORK/$1.yaml"
  KEY_OUT=$(bench_key "$BIN" "$config")
  WARDEN_LOG_LEVEL=warning "$BIN" serve --config "$config" > "$WORK/$1.log" 2>&1 &
  PID_OUT=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.1; done
}
start_warden warden "$GW"; KEY=$KEY_OUT; GW_PID=$PID_OUT

# A second Warden, identical but with every kind of limit on (none reached), for the cost of the
# limit step (issue 6: throughput with limits ≥ 95 % of without).
GWL=$(free_port)
sed -e "s/port: $GW}/port: $GWL}/" -e "s#warden.sqlite#warden-limits.sqlite#" "$WORK/warden.yaml" > "$WORK/warden-limits.yaml"
cat >> "$WORK/warden-limits.yaml" <<YAML
limits:
  default_tier: big
  tiers:
    big: {requests_per_minute: 100000000, tokens_per_minute: 2000000000, concurrent_requests: 100000,
          daily_tokens: 1000000000000, monthly_tokens: 1000000000000, monthly_spend: 1000000000, max_tokens: 4096}
  prices:
    fake: {input_per_million: 0.15, output_per_million: 0.60}
    fake-stream: {input_per_million: 0.15, output_per_million: 0.60}
YAML
start_warden warden-limits "$GWL"; KEYL=$KEY_OUT; GWL_PID=$PID_OUT

# A third Warden with the content policy on (every prompt and completion screened by the built-in
# classifier under config/policy.example.yaml), for issue 5's screening overhead.
GWP=$(free_port)
sed -e "s/port: $GW}/port: $GWP}/" -e "s#warden.sqlite#warden-policy.sqlite#" "$WORK/warden.yaml" > "$WORK/warden-policy.yaml"
printf 'policy: {file: %s/config/policy.example.yaml}\n' "$PWD" >> "$WORK/warden-policy.yaml"
start_warden warden-policy "$GWP"; KEYP=$KEY_OUT; GWP_PID=$PID_OUT

# The hop's nginx worker: the one serving $HOP is the same single worker as the fake's, so
# nginx CPU per request is measured as (worker CPU of hop run - worker CPU of direct run).
NGINX_WORKER=$(pgrep -P "$(cat "$WORK/nginx.pid")" | head -1)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

for mode in plain stream; do
  wrk_post_lua "$KEY" '{"model":"fake'"$( [[ $mode == stream ]] && echo -stream )"'","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16'"$( [[ $mode == stream ]] && echo ',"stream":true' )"'}' > "$WORK/$mode.lua"
  sed "s/Bearer $KEY/Bearer $KEYL/" "$WORK/$mode.lua" > "$WORK/$mode-limits.lua"
  # 1 KB prompt to the 1 KB-completion models, without and with screening.
  sed -e "s/\"model\":\"fake[^\"]*\"/\"model\":\"fake-1k$( [[ $mode == stream ]] && echo -stream )\"/" \
      -e "s/\"content\":\"Say hello\"/\"content\":\"$TEXT1K\"/" "$WORK/$mode.lua" > "$WORK/$mode-1k.lua"
  sed "s/Bearer $KEY/Bearer $KEYP/" "$WORK/$mode-1k.lua" > "$WORK/$mode-1k-policy.lua"
done

declare -A RPS P50 P99 CPU
run() { # name port mode conns pid-to-measure
  local name=$1 port=$2 mode=$3 c=$4 pid=$5 before after out
  before=$(cpu_ticks "$pid")
  local path=/v1/chat/completions
  [[ $mode == stream && $name != warden* ]] && path=/s/v1/chat/completions
  local script="$WORK/$mode.lua"
  [[ $name == warden-limits* ]] && script="$WORK/$mode-limits.lua"
  [[ $name == warden-1k-* ]] && script="$WORK/$mode-1k.lua"
  [[ $name == warden-screened-* ]] && script="$WORK/$mode-1k-policy.lua"
  out=$(wrk -t $(( c < 2 ? 1 : 2 )) -c "$c" -d "${DURATION}s" -s "$script" "http://127.0.0.1:$port$path" | grep RESULT)
  after=$(cpu_ticks "$pid")
  read -r _ reqs dur p50 p99 errs <<<"$out"
  (( errs == 0 )) || echo "warning: $name $mode c=$c had $errs errors" >&2
  RPS[$name,$mode,$c]=$(awk -v r="$reqs" -v d="$dur" 'BEGIN{printf "%.0f", r/(d/1e6)}')
  P50[$name,$mode,$c]=$p50; P99[$name,$mode,$c]=$p99
  CPU[$name,$mode,$c]=$(awk -v t=$((after-before)) -v hz="$HZ" -v r="$reqs" 'BEGIN{printf "%.1f", t/hz/r*1e6}')
}

for mode in plain stream; do
  for c in $CONNS; do
    run direct "$UP" "$mode" "$c" "$NGINX_WORKER"
    run nginx "$HOP" "$mode" "$c" "$NGINX_WORKER"
    run warden "$GW" "$mode" "$c" "$GW_PID"
  done
done

# Limits on vs off, alternated three times at 16 connections (plain), so drift hits both alike.
for round in 1 2 3; do
  run "warden-nolimits-$round" "$GW" plain 16 "$GW_PID"
  run "warden-limits-$round" "$GWL" plain 16 "$GWL_PID"
done

# Screening on vs off: 1 KB prompt, 1 KB completion, whole and streamed, 16 connections, alternated.
for mode in plain stream; do
  for round in 1 2 3; do
    run "warden-1k-$round" "$GW" "$mode" 16 "$GW_PID"
    run "warden-screened-$round" "$GWP" "$mode" 16 "$GWP_PID"
  done
done

# /v1/moderations with one 1 KB input through the built-in classifier (issue 4: p99 ≤ 2 ms).
moderation_lua "$KEY" "$(moderation_text)" > "$WORK/moderation.lua"
MOD=$(wrk -t1 -c1 -d"${DURATION}s" -s "$WORK/moderation.lua" "http://127.0.0.1:$GW/v1/moderations" | grep RESULT)

printf "\n%-7s %-6s %5s %10s %9s %9s %12s\n" mode path conns "req/s" "p50 ms" "p99 ms" "CPU µs/req"
for mode in plain stream; do for c in $CONNS; do for name in direct nginx warden; do
  cpu=${CPU[$name,$mode,$c]}
  [[ $name == nginx ]] && cpu=$(awk -v a="$cpu" -v b="${CPU[direct,$mode,$c]}" 'BEGIN{printf "%.1f", a-b}')
  [[ $name == direct ]] && cpu="(upstream ${cpu})"
  printf "%-7s %-6s %5s %10s %9s %9s %12s\n" "$mode" "$name" "$c" "${RPS[$name,$mode,$c]}" "${P50[$name,$mode,$c]}" "${P99[$name,$mode,$c]}" "$cpu"
done; done; done

read -r _ mreqs mdur mp50 mp99 merrs <<<"$MOD"
printf "\n/v1/moderations, one 1 KB input, 1 connection: %s req/s, p50 %s ms, p99 %s ms (target p99 ≤ 2 ms), %s errors\n" \
  "$(awk -v r="$mreqs" -v d="$mdur" 'BEGIN{printf "%.0f", r/(d/1e6)}')" "$mp50" "$mp99" "$merrs"

echo
echo "Warden relative to the nginx hop, same run (targets: CPU ≤ 2x, added p50 ≤ 2x, throughput ≥ 0.5x, streaming added p50 ≤ 2x):"
for mode in plain stream; do
  c1=$(echo $CONNS | awk '{print $1}'); c16=$(echo $CONNS | awk '{print ($2 == "" ? $1 : $2)}')
  awk -v m="$mode" \
      -v wd="${P50[warden,$mode,$c1]}" -v nd="${P50[nginx,$mode,$c1]}" -v dd="${P50[direct,$mode,$c1]}" \
      -v wr="${RPS[warden,$mode,$c16]}" -v nr="${RPS[nginx,$mode,$c16]}" \
      -v wc="${CPU[warden,$mode,$c16]}" -v nc="${CPU[nginx,$mode,$c16]}" -v dc="${CPU[direct,$mode,$c16]}" -v c1="$c1" -v c16="$c16" 'BEGIN{
        na = nd - dd; wa = wd - dd; ncpu = nc - dc; if (na <= 0) na = 0.001; if (ncpu <= 0) ncpu = 0.1
        printf "  %-6s added p50 at %d conn: warden %.3f ms vs nginx %.3f ms = %.1fx | CPU/req at %d: %.0f vs %.0f µs = %.1fx | req/s at %d: %.2fx\n",
          m, c1, wa, na, wa/na, c16, wc, ncpu, wc/ncpu, c16, wr/nr }'
done

echo
awk -v a1="${RPS[warden-nolimits-1,plain,16]}" -v a2="${RPS[warden-nolimits-2,plain,16]}" -v a3="${RPS[warden-nolimits-3,plain,16]}" \
    -v b1="${RPS[warden-limits-1,plain,16]}" -v b2="${RPS[warden-limits-2,plain,16]}" -v b3="${RPS[warden-limits-3,plain,16]}" \
    -v c1="${CPU[warden-nolimits-1,plain,16]}" -v c2="${CPU[warden-nolimits-2,plain,16]}" -v c3="${CPU[warden-nolimits-3,plain,16]}" \
    -v d1="${CPU[warden-limits-1,plain,16]}" -v d2="${CPU[warden-limits-2,plain,16]}" -v d3="${CPU[warden-limits-3,plain,16]}" 'BEGIN{
  a = (a1 + a2 + a3) / 3; b = (b1 + b2 + b3) / 3; c = (c1 + c2 + c3) / 3; d = (d1 + d2 + d3) / 3
  printf "Limits on vs off (plain, 16 conns, 3 alternated rounds): %.0f vs %.0f req/s = %.3fx (target ≥ 0.95x); CPU/req %.0f vs %.0f µs (+%.0f µs)\n", b, a, b / a, d, c, d - c
}'

for mode in plain stream; do
  awk -v m="$mode" \
      -v a1="${P50[warden-1k-1,$mode,16]}" -v a2="${P50[warden-1k-2,$mode,16]}" -v a3="${P50[warden-1k-3,$mode,16]}" \
      -v b1="${P50[warden-screened-1,$mode,16]}" -v b2="${P50[warden-screened-2,$mode,16]}" -v b3="${P50[warden-screened-3,$mode,16]}" \
      -v c1="${P99[warden-1k-1,$mode,16]}" -v c2="${P99[warden-1k-2,$mode,16]}" -v c3="${P99[warden-1k-3,$mode,16]}" \
      -v d1="${P99[warden-screened-1,$mode,16]}" -v d2="${P99[warden-screened-2,$mode,16]}" -v d3="${P99[warden-screened-3,$mode,16]}" \
      -v e1="${CPU[warden-1k-1,$mode,16]}" -v e2="${CPU[warden-1k-2,$mode,16]}" -v e3="${CPU[warden-1k-3,$mode,16]}" \
      -v f1="${CPU[warden-screened-1,$mode,16]}" -v f2="${CPU[warden-screened-2,$mode,16]}" -v f3="${CPU[warden-screened-3,$mode,16]}" \
      -v r1="${RPS[warden-1k-1,$mode,16]}" -v r2="${RPS[warden-1k-2,$mode,16]}" -v r3="${RPS[warden-1k-3,$mode,16]}" \
      -v s1="${RPS[warden-screened-1,$mode,16]}" -v s2="${RPS[warden-screened-2,$mode,16]}" -v s3="${RPS[warden-screened-3,$mode,16]}" 'BEGIN{
    printf "Screening on vs off (%s, 1 KB prompt + 1 KB completion, 16 conns, 3 alternated rounds): p50 %.3f vs %.3f ms (+%.3f), p99 %.3f vs %.3f ms (+%.3f; target ≤ +1 ms), CPU/req %.0f vs %.0f µs, req/s %.2fx\n",
      m, (b1+b2+b3)/3, (a1+a2+a3)/3, (b1+b2+b3)/3-(a1+a2+a3)/3, (d1+d2+d3)/3, (c1+c2+c3)/3, (d1+d2+d3)/3-(c1+c2+c3)/3,
      (f1+f2+f3)/3, (e1+e2+e3)/3, (s1+s2+s3)/(r1+r2+r3) }'
done
