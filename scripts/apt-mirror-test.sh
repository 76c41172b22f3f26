#!/usr/bin/env bash
# Checks scripts/apt-mirror.sh against sources files written here, in both of apt's forms, and
# against this machine's own configuration. The URIs are file: ones, so no host is named.
set -euo pipefail
cd "$(dirname "$0")"
. ./apt-mirror.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

expect() { # name, expected URI, apt etc dir
  local got
  got=$(debian_mirror "$3" 2>/dev/null) || got="(failed)"
  if [[ $got == "$2" ]]; then
    echo "ok    $1"
  else
    echo "FAIL  $1: expected $2, got $got" >&2
    failures=$((failures + 1))
  fi
}

# deb822, as Debian 12 images ship it, with the security stanza first and entries to pass over.
mkdir -p "$tmp/deb822/sources.list.d"
cat > "$tmp/deb822/sources.list.d/debian.sources" <<'EOF'
# security first: must be skipped by its suite, though its URI does not say so
Types: deb
URIs: file:/srv/a/debian
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: file:/srv/b/debian
Suites: bookworm
Components: main

Types: deb
URIs: file:/srv/c/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: file:/srv/d/debian-security
Suites: bookworm
Components: main

Types: deb
URIs: file:/srv/e/debian
Suites: bookworm
Components: contrib

types: deb deb-src
uris: file:/srv/mirror/debian/
  file:/srv/second/debian
suites: bookworm bookworm-updates
components: main contrib
signed-by: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
expect "deb822: the first main-archive stanza, past security, deb-src, disabled and contrib-only ones" \
  "file:/srv/mirror/debian" "$tmp/deb822"

# One-line sources.list with options, comments and entries to pass over.
mkdir -p "$tmp/oneline"
cat > "$tmp/oneline/sources.list" <<'EOF'
# deb file:/srv/commented/debian bookworm main
deb-src file:/srv/src/debian bookworm main
deb file:/srv/sec/debian-security bookworm-security main
deb [signed-by=/usr/share/keyrings/vendor.gpg] file:/srv/vendor/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] file:/srv/mirror/debian/ bookworm main # trailing comment
deb file:/srv/later/debian bookworm main
EOF
expect "one-line: the first main-archive entry, past comments, deb-src, security and another key's" \
  "file:/srv/mirror/debian" "$tmp/oneline"

# apt's order: sources.list before sources.list.d, and sources.list.d by name, both forms mixed.
mkdir -p "$tmp/order/sources.list.d"
echo "deb file:/srv/only-security/debian bookworm-security main" > "$tmp/order/sources.list"
printf 'Types: deb\nURIs: file:/srv/b-sources/debian\nSuites: bookworm\nComponents: main\n' \
  > "$tmp/order/sources.list.d/b.sources"
echo "deb file:/srv/a-list/debian bookworm main" > "$tmp/order/sources.list.d/a.list"
echo "deb file:/srv/ignored/debian bookworm main" > "$tmp/order/sources.list.d/0.list.disabled"
expect "order: sources.list, then sources.list.d by name, other endings ignored" \
  "file:/srv/a-list/debian" "$tmp/order"

# Nothing usable: one line naming the files read, and a failure.
mkdir -p "$tmp/none/sources.list.d"
echo "deb file:/srv/sec/debian-security bookworm-security main" > "$tmp/none/sources.list.d/security.list"
if msg=$(debian_mirror "$tmp/none" 2>&1 >/dev/null); then
  echo "FAIL  none: expected a failure" >&2
  failures=$((failures + 1))
elif [[ $(wc -l <<<"$msg") -eq 1 && $msg == *"$tmp/none/sources.list.d/security.list"* ]]; then
  echo "ok    none: fails with one line naming the files read"
else
  echo "FAIL  none: unexpected message: $msg" >&2
  failures=$((failures + 1))
fi

if uri=$(debian_mirror); then
  echo "ok    this machine: $uri"
else
  echo "FAIL  this machine's apt sources name no Debian mirror" >&2
  failures=$((failures + 1))
fi

((failures == 0)) || { echo "apt-mirror-test: $failures failed" >&2; exit 1; }
