#!/usr/bin/env bash
# End-to-end test of the compose deployment: build the images (no registry), start NATS and
# the services with 3 extraction and 2 query replicas, ingest generated documents through the
# CLI, kill an extraction replica while work is in flight, then check that every document was
# extracted exactly once, that both query replicas answer identically, and that a duplicate
# submission is reported. Then the same with a 3-node NATS cluster and a node killed during
# ingest (E2E_CLUSTER=0 skips it; E2E_SINGLE=0 skips the single-node phase). Last, the same
# deployment switched to TLS and a bearer token by deploy/secure.env alone, with its metrics
# scraped (E2E_SECURE=0 skips it). Always tears down (down -v). Bounded: fails when the phases take more than E2E_TIMEOUT s after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCS="${E2E_DOCS:-300}"
TIMEOUT="${E2E_TIMEOUT:-600}"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-statecraft-e2e}"
export INGEST_PORT="" NATS_PORT="" ACK_WAIT_SECS="${ACK_WAIT_SECS:-5}"
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
compose() { "${COMPOSE[@]}" -f deploy/compose.yaml "$@"; }
CLI=target/x86_64-unknown-linux-gnu/release/statecraft
workdir="$(mktemp -d)"
started=$SECONDS

log() { printf '[e2e %4ds] %s\n' "$((SECONDS - started))" "$*"; }
failure=""
fail() { failure="$*"; log "FAIL: $*"; exit 1; }
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    log "logs of the failed run (statecraft services):"
    for service in ingest extraction query; do
      compose logs --no-color --tail=30 "$service" 2>&1 | tail -60 || true
    done
    log "last NATS lines:"
    compose logs --no-color --tail=5 2>&1 | grep -i nats | tail -15 || true
    log "FAILED: ${failure:-exit status $status}"
  fi
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$workdir"
  exit "$status"
}
trap cleanup EXIT
deadline() { [ $((SECONDS - started)) -lt "$TIMEOUT" ] || fail "time budget of ${TIMEOUT}s exhausted while $1"; }

log "building images"
bash deploy/build-images.sh
started=$SECONDS

python3 - "$workdir/docs" "$DOCS" <<'PY'
import os, sys
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
sources = ["The European Union", "Japan", "The United Kingdom", "Canada", "Australia", "Switzerland"]
targets = ["Belarus", "Iran", "Syria", "Venezuela", "Myanmar", "North Korea", "Russia"]
days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
for n in range(count):
    s, t, d = sources[n % len(sources)], targets[(n // 3) % len(targets)], days[n % len(days)]
    text = (f"Measures number {n}\n\nFri Mar 12, 2021 10:00AM\n\n"
            f"{s} imposed sanctions on {t} on {d}, officials said in statement number {n}. "
            f"{s} also accused {t} of breaking an arms embargo. "
            f"{t} has denied it and condemned {s} for the move.\n")
    with open(os.path.join(out, f"doc-{n:04d}.txt"), "w") as f:
        f.write(text)
PY
addr() { compose port --index="$2" "$1" "$3" | tail -1; }
wait_healthy() {
  local id
  for id in $(compose ps -q); do
    until [ "$(docker inspect -f '{{.State.Health.Status}}' "$id")" = healthy ]; do
      deadline "waiting for container $id to become healthy"
      sleep 1
    done
  done
}

if [ "${E2E_SINGLE:-1}" = 1 ]; then
log "starting nats, ingest, 3 extraction and 2 query replicas (${COMPOSE[*]})"
compose up -d --scale extraction=3 --scale query=2 >/dev/null
wait_healthy
INGEST=$(addr ingest 1 50051)
NATS=$(addr nats 1 4222)
QUERY1=$(addr query 1 50053)
QUERY2=$(addr query 2 50053)
log "healthy: ingest $INGEST, query $QUERY1 and $QUERY2, nats $NATS"


log "ingesting $DOCS documents and killing an extraction replica while they are processed"
ingest_started=$SECONDS
"$CLI" ingest --addr "$INGEST" --json "$workdir/docs" > "$workdir/ingest.json" &
ingest_pid=$!
mapfile -t extraction_ids < <(compose ps -q extraction)
victim=${extraction_ids[0]}
sleep 0.3
docker kill "$victim" >/dev/null
log "killed extraction replica ${victim:0:12}"
wait "$ingest_pid" || fail "ingest failed: $(cat "$workdir/ingest.json")"
grep -q "\"accepted\":$DOCS" "$workdir/ingest.json" || fail "not every document accepted: $(cat "$workdir/ingest.json")"

until stats=$("$CLI" stats --addr "$QUERY1" 2>/dev/null) && python3 -c "import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s['documents']==$DOCS and s['pending_documents']==0 else 1)" "$stats"; do
  deadline "waiting for every document to be extracted (last stats: ${stats:-none})"
  sleep 1
done
elapsed=$((SECONDS - ingest_started))
log "all $DOCS documents extracted and queryable ${elapsed}s after ingest started: $stats"

audit=$("$CLI" audit --log "nats://$NATS") || fail "audit found missing or duplicate extractions: $audit"
log "log audit: $audit"
python3 -c "import json,sys; a=json.loads(sys.argv[1]); assert a['documents']==$DOCS and a['extracted_documents']==$DOCS and a['duplicate_extractions']==0 and a['missing_extractions']==0, a" "$audit" \
  || fail "expected exactly one EventsExtracted per document"

head=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['head'])" "$audit")
"$CLI" events --addr "$QUERY1" --all --json --limit 1000 --min-position "$head" > "$workdir/q1.jsonl" 2>/dev/null
"$CLI" events --addr "$QUERY2" --all --json --limit 1000 --min-position "$head" > "$workdir/q2.jsonl" 2>/dev/null
[ -s "$workdir/q1.jsonl" ] || fail "query replica 1 returned no events"
cmp -s "$workdir/q1.jsonl" "$workdir/q2.jsonl" || fail "query replicas disagree at position $head"
log "both query replicas return the same $(wc -l < "$workdir/q1.jsonl") events at position $head"

again=$("$CLI" ingest --addr "$INGEST" --json "$workdir/docs/doc-0000.txt")
echo "$again" | grep -q '"duplicates":1' || fail "a duplicate submission was not reported: $again"
log "duplicate submission reported: $again"

for index in 1 2 3; do
  if port=$(compose port --index="$index" extraction 50052 2>/dev/null | tail -1) && [ -n "$port" ] && status=$("$CLI" status --addr "$port" 2>/dev/null); then
    log "extraction replica $index ($port): $status"
  else
    log "extraction replica $index: killed"
  fi
done
log "single node: $DOCS documents ingested, extracted once each despite a killed replica, queryable ${elapsed}s after ingest started"
compose down -v --remove-orphans >/dev/null 2>&1
fi

if [ "${E2E_CLUSTER:-1}" = 1 ]; then
  log "cluster: 3 NATS nodes, replicated stream, 2 extraction replicas"
  export STATECRAFT_LOG_URL='nats://nats:4222,nats://nats-2:4222,nats://nats-3:4222?replicas=3'
  compose() { "${COMPOSE[@]}" -f deploy/compose.yaml -f deploy/compose.cluster.yaml "$@"; }
  compose up -d --scale extraction=2 >/dev/null
  wait_healthy
  INGEST=$(addr ingest 1 50051)
  NATS=$(addr nats 1 4222)
  QUERY1=$(addr query 1 50053)
  sed -i 's/^Measures number/Cluster measures number/' "$workdir"/docs/*.txt
  "$CLI" ingest --addr "$INGEST" --json "$workdir/docs" > "$workdir/cluster-ingest.json" &
  ingest_pid=$!
  sleep 0.3
  docker kill "$(compose ps -q nats-2)" >/dev/null
  log "killed NATS node nats-2 during ingest"
  wait "$ingest_pid" || true
  first=$(cat "$workdir/cluster-ingest.json")
  accepted=$(python3 -c "import json,sys; print(json.loads(sys.argv[1] or '{}').get('accepted', 0))" "$first")
  log "first pass with a node going down: $first"
  # Submit everything again once the cluster has recovered: every document acknowledged in the
  # first pass must come back as a duplicate (it survived), the rest are accepted now.
  until "$CLI" ingest --addr "$INGEST" --json "$workdir/docs" > "$workdir/cluster-retry.json" 2>/dev/null; do
    deadline "waiting for the cluster to accept the resubmission ($(cat "$workdir/cluster-retry.json"))"
    sleep 2
  done
  retry=$(cat "$workdir/cluster-retry.json")
  python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert r['duplicates'] >= $accepted and r['accepted'] + r['duplicates'] == $DOCS, r" "$retry" \
    || fail "an acknowledged document was lost: first pass accepted $accepted, resubmission $retry"
  log "resubmission: $retry"
  until audit=$("$CLI" audit --log "nats://$NATS" 2>/dev/null) && python3 -c "import json,sys; a=json.loads(sys.argv[1]); sys.exit(0 if a['documents']==$DOCS and a['missing_extractions']==0 else 1)" "$audit"; do
    deadline "waiting for the cluster to extract every document (last audit: ${audit:-none})"
    sleep 1
  done
  python3 -c "import json,sys; a=json.loads(sys.argv[1]); assert a['duplicate_extractions']==0, a" "$audit" || fail "duplicate extractions in the cluster: $audit"
  log "cluster: $accepted documents acknowledged while a node went down, none lost; all $DOCS extracted once: $audit"
  compose down -v --remove-orphans >/dev/null 2>&1
fi

if [ "${E2E_SECURE:-1}" = 1 ]; then
  log "secure: TLS and a bearer token switched on by deploy/secure.env"
  unset STATECRAFT_LOG_URL
  compose() { "${COMPOSE[@]}" --env-file deploy/secure.env -f deploy/compose.yaml "$@"; }
  export STATECRAFT_CERTS_DIR="$workdir/certs"
  "$CLI" dev-cert --out "$STATECRAFT_CERTS_DIR" >/dev/null
  chmod 0644 "$STATECRAFT_CERTS_DIR/key.pem"
  token=$(sed -n 's/^STATECRAFT_AUTH_TOKEN=//p' deploy/secure.env)
  compose up -d >/dev/null
  wait_healthy
  INGEST=$(addr ingest 1 50051)
  QUERY1=$(addr query 1 50053)
  METRICS=$(addr query 1 9090)
  secure=("$CLI" --tls-ca "$STATECRAFT_CERTS_DIR/cert.pem" --token "$token")
  "${secure[@]}" ingest --addr "$INGEST" --json "$workdir"/docs/doc-000*.txt > "$workdir/secure-ingest.json" \
    || fail "ingest over TLS with the token failed: $(cat "$workdir/secure-ingest.json")"
  until stats=$("${secure[@]}" stats --addr "$QUERY1" 2>/dev/null) && python3 -c "import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s['documents']==10 and s['pending_documents']==0 else 1)" "$stats"; do
    deadline "waiting for the secure deployment to extract 10 documents (last stats: ${stats:-none})"
    sleep 1
  done
  if out=$("$CLI" --tls-ca "$STATECRAFT_CERTS_DIR/cert.pem" stats --addr "$QUERY1" 2>&1); then
    fail "a call without the token was answered: $out"
  fi
  echo "$out" | grep -q "bearer token" || fail "a call without the token got an unclear error: $out"
  if out=$("$CLI" --token "$token" stats --addr "$QUERY1" 2>&1); then
    fail "a plaintext call to the TLS server was answered: $out"
  fi
  python3 - "http://$METRICS/metrics" > "$workdir/metrics.txt" <<'PY' || fail "the query metrics endpoint did not answer"
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
PY
  grep -q 'statecraft_rpc_requests_total{.*code="Unauthenticated"' "$workdir/metrics.txt" \
    || fail "the metrics do not count the rejected call: $(grep rpc_requests "$workdir/metrics.txt" | head)"
  grep -q '^statecraft_projection_position ' "$workdir/metrics.txt" || fail "no projection position in the metrics"
  log "secure: 10 documents over TLS with the token; no token and plaintext refused; metrics scraped ($(grep -c '^statecraft_' "$workdir/metrics.txt") samples): $stats"
  compose down -v --remove-orphans >/dev/null 2>&1
fi
log "PASS in $((SECONDS - started))s"
