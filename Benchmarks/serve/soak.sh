#!/usr/bin/env bash
# Soak test of `gramian serve`: MINUTES (10) of mixed traffic from wrk (80%
# recommend, 15% score of 100 pairs, 5% events), with the model file replaced
# (by rename, alternating two fits) and reloaded every minute. Prints one JSON
# object: requests, non-2xx, socket errors, reloads, RSS after the first
# minute and at the end (flat memory: within 10%).
# Usage: Benchmarks/serve/soak.sh [OUT_DIR]   (after Benchmarks/serve/run.sh made the model)
set -euo pipefail
OUT=${1:-Benchmarks/serve/results}
WORK=${WORK:-/tmp/gramian-serve-bench}
DATA=${DATA:-../shared/datasets/amazon-book}
MINUTES=${MINUTES:-10}
PORT=${PORT:-8092}
G=.build/release/gramian
[ -f "$WORK/ab64.gramian" ] || { echo "run Benchmarks/serve/run.sh first" >&2; exit 2; }
if [ ! -f "$WORK/ab64-b.gramian" ]; then
  $G fit ials --train "$DATA/train.txt" --format lists --dim 64 --solver cg --epochs 10 --seed 2 --output "$WORK/ab64-b.gramian" >&2
fi
cp "$WORK/ab64.gramian" "$WORK/soak.gramian"
rm -rf "$WORK/soak-state"

# The wrk script: a seeded mix of request bodies.
python3 - "$WORK/factors" > "$WORK/soak.lua" <<'PY'
import json, random, sys, os
f = sys.argv[1]
users = [l.strip() for l in open(os.path.join(f, "user_ids.txt")) if l.strip()]
items = [l.strip() for l in open(os.path.join(f, "item_ids.txt")) if l.strip()]
rng = random.Random(1)
reqs = []
for _ in range(20000):
    x = rng.random()
    if x < 0.80:
        reqs.append(("/v1/recommend", {"user": rng.choice(users), "k": 10}))
    elif x < 0.95:
        reqs.append(("/v1/score", {"pairs": [[rng.choice(users), rng.choice(items)] for _ in range(100)]}))
    else:
        reqs.append(("/v1/users/%s/events" % rng.choice(users), {"items": [rng.choice(items) for _ in range(3)]}))
q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
print("reqs = {")
for p, b in reqs:
    print("{%s, %s}," % (q(p), q(json.dumps(b, separators=(",", ":")))))
print("}")
print('''
local i = 0
local bad = 0
request = function()
  i = i % #reqs + 1
  return wrk.format("POST", reqs[i][1], {["Content-Type"] = "application/json"}, reqs[i][2])
end
response = function(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("SOAKJSON {\\"requests\\": %d, \\"non_2xx\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"timeout\\": %d, \\"p50_ms\\": %.3f, \\"p99_ms\\": %.3f}\\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
''')
PY

nice -n 10 $G serve --model "$WORK/soak.gramian" --port $PORT --state "$WORK/soak-state" --log-level warning \
  2> "$OUT/soak-server.err" & pid=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
nice -n 10 wrk -t1 -c32 --timeout 5s -d"$((MINUTES * 60))s" -s "$WORK/soak.lua" "http://127.0.0.1:$PORT" > "$WORK/soak.wrk" 2>&1 & wrk=$!
reloads=0 failed=0 rss1=0
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  [ "$m" -eq 1 ] && rss1=$(rss)
  [ "$m" -eq "$MINUTES" ] && break
  if [ $((m % 2)) -eq 1 ]; then src="$WORK/ab64-b.gramian"; else src="$WORK/ab64.gramian"; fi
  cp "$src" "$WORK/soak.gramian.tmp" && mv "$WORK/soak.gramian.tmp" "$WORK/soak.gramian"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/admin/reload")
  reloads=$((reloads + 1)); [ "$code" = 200 ] || failed=$((failed + 1))
done
wait $wrk || true
rss2=$(rss)
events=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^gramian_events_total / {print $2}')
kill -TERM $pid; wait $pid || true
line=$(grep '^SOAKJSON ' "$WORK/soak.wrk" | sed 's/^SOAKJSON //')
python3 - "$line" "$reloads" "$failed" "$rss1" "$rss2" "$MINUTES" "${events:-0}" <<'PY'
import json, sys
w = json.loads(sys.argv[1])
reloads, failed, rss1, rss2, minutes, events = map(float, sys.argv[2:])
w.update(minutes=int(minutes), reloads=int(reloads), failed_reloads=int(failed), events_posted=int(events),
         rss_after_first_minute_mb=round(rss1 / 1024, 1), rss_end_mb=round(rss2 / 1024, 1),
         rss_growth_percent=round(100 * (rss2 - rss1) / rss1, 1), requests_per_second=round(w["requests"] / (minutes * 60), 1))
print(json.dumps(w))
PY
