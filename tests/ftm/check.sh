#!/usr/bin/env bash
# The FollowTheMoney export, end to end: start `statecraft serve` on ephemeral loopback ports
# over a temporary log, ingest the sample articles and a small feed we wrote, export with
# `--format ftm` and validate every entity with the followthemoney package
# (tests/ftm/validate.py). Exits non-zero on any failure. Needs python3 with followthemoney
# (.ci/run installs the pinned version) and builds the CLI when target/debug lacks it.
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 -c 'import followthemoney' 2>/dev/null || {
  echo "ftm check: python3 cannot import followthemoney (pip install followthemoney)" >&2
  exit 1
}
cargo build -q --locked -p statecraft-cli
bin=target/debug/statecraft
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

STATECRAFT_INGEST__LISTEN=127.0.0.1:0 STATECRAFT_EXTRACTION__LISTEN=127.0.0.1:0 \
STATECRAFT_QUERY__LISTEN=127.0.0.1:0 "$bin" serve --data-dir "$work/log" 2>"$work/serve.log" &
server_pid=$!
line=""
for _ in $(seq 100); do
  line=$(grep -m1 'statecraft serving:' "$work/serve.log" || true)
  [ -n "$line" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$line" ]; then
  echo "ftm check: statecraft serve did not start" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
ingest=$(sed -E 's/.*ingest ([^ ]+).*/\1/' <<<"$line")
query=$(sed -E 's/.*query ([^ ]+).*/\1/' <<<"$line")

"$bin" ingest --addr "$ingest" --json crates/cli/samples/ tests/ftm/feed.jsonl >"$work/ingest.json"
position=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last_position"])' "$work/ingest.json")
# Wait (bounded) until every document is extracted.
for _ in $(seq 100); do
  pending=$("$bin" stats --addr "$query" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_documents"])')
  [ "$pending" = "0" ] && break
  sleep 0.1
done
"$bin" export --addr "$query" --format ftm --min-position "$position" >"$work/export.jsonl"
[ -n "${FTM_EXPORT_COPY:-}" ] && cp "$work/export.jsonl" "$FTM_EXPORT_COPY"
python3 tests/ftm/validate.py "$work/export.jsonl" \
  --expect-schema Sanction --expect-schema Event --expect-schema PublicBody --expect-schema Company
