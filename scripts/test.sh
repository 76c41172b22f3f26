#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian machine (run as root,
# or with sudo), then builds and runs every unit test and every test against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests call: age and zstd (backup format interop), jq and curl (scripts),
# GNU time (peak memory of the packaged jar), prometheus (promtool checks the exporter's output).
need=()
for pkg in age zstd jq curl ca-certificates time prometheus; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

scripts/apt-mirror-test.sh >/dev/null
scripts/install-etcd.sh

export ETCD_34_BIN_DIR=${ETCD_34_BIN_DIR:-/usr/bin}
export ETCD_35_BIN_DIR=${ETCD_35_BIN_DIR:-$PWD/.cache/etcd/3.5.30/usr/bin}
export CI=${CI:-true}

./mvnw -B -ntp verify "$@"
