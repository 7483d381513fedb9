#!/usr/bin/env bash
# Fuzzes the running API from docs/openapi.yaml with schemathesis (PyPI), a
# bounded number of cases per operation: no 5xx, no crash, replies as documented.
# Usage: Benchmarks/serve/fuzz.sh [OUT_DIR] [MAX_EXAMPLES=200]
set -euo pipefail
OUT=${1:-Benchmarks/serve/results}
N=${2:-200}
VENV=${VENV:-/tmp/gramian-schemathesis}
PORT=${PORT:-8094}
WORK=$(mktemp -d /tmp/gramian-fuzz.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -x "$VENV/bin/schemathesis" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q schemathesis; }
G=.build/release/gramian
[ -x $G ] || swift build -c release --product gramian >&2
$G fit ials --train datasets/ml-latest-small/ratings.csv --min-rating 4 --binary --output "$WORK/m.gramian" 2>/dev/null
$G serve --model "$WORK/m.gramian" --port $PORT --state "$WORK/state" --log-level error 2> "$WORK/serve.err" & pid=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.2; done
"$VENV/bin/schemathesis" --version
set +e
"$VENV/bin/schemathesis" run docs/openapi.yaml --url "http://127.0.0.1:$PORT" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$N" --exclude-path /admin/reload 2>&1 | tee "$OUT/fuzz.txt"
rc=${PIPESTATUS[0]}
set -e
kill -0 $pid || { echo "the server died during the fuzz run" | tee -a "$OUT/fuzz.txt"; exit 1; }
echo "schemathesis exit $rc; server alive" | tee -a "$OUT/fuzz.txt"
exit $rc
