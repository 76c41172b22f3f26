#!/usr/bin/env bash
# Installs the etcd versions the tests run against, idempotently:
#   etcd 3.4.23            Debian bookworm's etcd-server/etcd-client (apt, into /usr/bin)
#   etcd/etcdctl/etcdutl 3.5.30  Debian sid's .debs, extracted into .cache/etcd/3.5.30/ (no system change)
# The 3.5 packages are fetched with a temporary sources list and lists directory, so the
# machine's apt configuration is never touched; that list points at the Debian mirror the
# machine's apt sources already use (scripts/apt-mirror.sh), so a local mirror or proxy is
# honoured and no host is written here. If sid no longer serves 3.5.30-2, the 3.5 release of
# trixie is used instead and the script says which version the tests will use.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
want_35=${ETCD_35_DEB_VERSION:-3.5.30-2}
cache="$root/.cache/etcd"
dest35="$cache/3.5.30"

log() { printf 'install-etcd: %s\n' "$*" >&2; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- etcd 3.4.23 from the system's own suite ---------------------------------------------
if [[ ! -x /usr/bin/etcd || ! -x /usr/bin/etcdctl ]]; then
  log "installing etcd-server and etcd-client from apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server etcd-client >/dev/null
fi
# Debian's package enables and starts a system etcd on 2379; the tests use their own ports,
# but a stray daemon wastes memory, so stop it if systemd is in charge.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  as_root systemctl disable --now etcd >/dev/null 2>&1 || true
fi

# --- etcd 3.5 from sid (or trixie) .debs, extracted ---------------------------------------
if [[ -x "$dest35/usr/bin/etcd" && -x "$dest35/usr/bin/etcdctl" && -x "$dest35/usr/bin/etcdutl" ]]; then
  log "etcd 3.5 already extracted in $dest35"
else
  . "$root/scripts/apt-mirror.sh"
  mirror=$(debian_mirror) || exit 1 # its one-line error names the files it read
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
  apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
            -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
  fetch_from() { # suite, version-or-empty
    local suite=$1 version=$2
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$work/sources.list"
    apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1 || { log "apt update for $suite from $mirror failed"; return 1; }
    local v=$version
    if [[ -z $v ]]; then
      v=$(apt-cache "${apt_opts[@]}" madison etcd-server 2>/dev/null | awk '$3 ~ /^3\.5\./ {print $3; exit}')
      [[ -n $v ]] || { log "$suite serves no etcd 3.5"; return 1; }
    fi
    (cd "$work/debs" && apt-get "${apt_opts[@]}" download -qq "etcd-server=$v" "etcd-client=$v") >/dev/null 2>&1 \
      || { log "$suite does not serve etcd-server=$v"; return 1; }
    echo "$v"
  }
  got=$(fetch_from sid "$want_35") || got=$(fetch_from trixie "") \
    || { log "could not download etcd 3.5 from Debian sid or trixie at $mirror"; exit 1; }
  if [[ $got != "$want_35" ]]; then
    log "WARNING: sid no longer serves etcd $want_35; the tests will use etcd $got from trixie"
  fi
  rm -rf "$dest35.tmp" && mkdir -p "$dest35.tmp"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$dest35.tmp"; done
  # Debian ships etcdutl in etcd-client; make sure all three landed before publishing the dir.
  for b in etcd etcdctl etcdutl; do
    [[ -x "$dest35.tmp/usr/bin/$b" ]] || { log "extracted packages lack usr/bin/$b"; exit 1; }
  done
  echo "$got" > "$dest35.tmp/DEBIAN_VERSION"
  rm -rf "$dest35" && mv "$dest35.tmp" "$dest35"
fi

printf 'etcd 3.4: %s (%s)\n' /usr/bin/etcd "$(/usr/bin/etcd --version 2>/dev/null | head -1)"
printf 'etcdctl 3.4: %s\n' /usr/bin/etcdctl
for b in etcd etcdctl etcdutl; do
  printf '%s 3.5: %s\n' "$b" "$dest35/usr/bin/$b"
done
printf 'etcd 3.5 version: %s\n' "$("$dest35/usr/bin/etcd" --version 2>/dev/null | head -1)"
echo "export ETCD_34_BIN_DIR=/usr/bin ETCD_35_BIN_DIR=$dest35/usr/bin"
