# Shared by run.sh and moderations.sh (source it after `cd` to the repository root, with $PY set).
# The /v1/moderations benchmark of issue 4 (p99 ≤ 2 ms): one 1 KB input, posted by wrk.

# The 1 KB input.
moderation_text() {
  $PY -c 'print(("Please summarise the quarterly report and list the three main risks for the team. " * 13)[:1024])'
}

# moderation_lua KEY TEXT: a wrk script posting {"input": TEXT} with the key; at the end it prints
# "RESULT requests duration_us p50_ms p99_ms errors".
moderation_lua() {
  cat <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $1"
wrk.body = '{"input":"$2"}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %d\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
LUA
}
