#!/usr/bin/env bash
# Creates the base image (default debian:bookworm-slim) locally when it cannot be pulled: a
# minimal Debian root built with mmdebstrap and imported into Docker under the same tag.
# Does nothing when the image already exists.
set -euo pipefail
BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
SUITE="${SUITE:-bookworm}"

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "base image $BASE_IMAGE present"
  exit 0
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
  echo "installing mmdebstrap" >&2
  apt-get update -qq && apt-get install -y -qq mmdebstrap >/dev/null
fi
echo "building base image $BASE_IMAGE with mmdebstrap (suite $SUITE)"
mmdebstrap --variant=minbase --mode=root --quiet \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  "$SUITE" - 2>/tmp/mmdebstrap.log | docker import -c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null \
  || { cat /tmp/mmdebstrap.log >&2; exit 1; }
echo "base image $BASE_IMAGE created"
