#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian machine (run as root,
# or with sudo), then builds and runs every unit test and every test against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests call: age and zstd (backup format interop), jq and curl (scripts),
# GNU time (peak memory of the packaged jar), prometheus (promtool for the alert rules, and the
# server) and prometheus-pushgateway: the tests run those binaries themselves, on loopback.
services=(prometheus prometheus-pushgateway)
need=()
for pkg in age zstd jq curl ca-certificates time "${services[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}" >&2
  as_root apt-get update -qq
  # The prometheus packages start their service on install (postinst: invoke-rc.d, which runs the
  # init script where a runlevel is known, and deb-systemd-invoke under systemd), leaving daemons
  # on :9090 and :9091. Both ask /usr/sbin/policy-rc.d first, and exit 101 means "not allowed".
  # Container images usually have one (Docker's); where there is none, ours stands for the install.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [[ ! -e $policy ]]; then
    own_policy=true
    trap 'as_root rm -f "$policy"' EXIT
    printf '#!/bin/sh\n# scripts/test.sh: no service starts while it installs packages\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if $own_policy; then
    as_root rm -f "$policy"
    trap - EXIT
  fi
  # Under systemd the postinst also enables the units for the next boot: not for services we only
  # installed for their binaries.
  if [[ -d /run/systemd/system ]]; then
    for svc in "${services[@]}"; do
      [[ " ${need[*]} " == *" $svc "* ]] && as_root systemctl disable --quiet "$svc" || true
    done
  fi
fi

scripts/apt-mirror-test.sh >/dev/null
scripts/install-etcd.sh

export ETCD_34_BIN_DIR=${ETCD_34_BIN_DIR:-/usr/bin}
export ETCD_35_BIN_DIR=${ETCD_35_BIN_DIR:-$PWD/.cache/etcd/3.5.30/usr/bin}
export CI=${CI:-true}

./mvnw -B -ntp verify "$@"
