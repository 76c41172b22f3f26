#!/usr/bin/env bash
# The Debian mirror this machine's apt already uses, so that scripts fetching extra .debs (etcd 3.5
# from sid) go where the machine is configured to go (a local mirror, a proxy, a snapshot) and the
# repository names no host.
#
#   scripts/apt-mirror.sh [APT_ETC_DIR]    prints the mirror's URI (APT_ETC_DIR defaults to /etc/apt)
#   . scripts/apt-mirror.sh; debian_mirror [APT_ETC_DIR]
#
# Files are read in apt's order: sources.list, then sources.list.d/ in C-locale name order, one-line
# entries (`deb [opts] URI suite components...`) in sources.list and *.list, deb822 stanzas (Types:,
# URIs:, Suites:, Components:, Enabled:, Signed-By:) in *.sources (sources.list(5)). The first URI
# of a `deb` entry that serves component main and is not the security archive (no suite ending in
# -security, no debian-security in the URI) wins. An entry signed by a key other than Debian's
# archive keyring is skipped: the temporary sources list that uses the mirror trusts only that one.

debian_mirror() {
  local etc=${1:-/etc/apt}
  local LC_ALL=C # apt reads sources.list.d in C-locale name order; so does this glob
  local f uri
  local -a files=()
  [[ -f $etc/sources.list ]] && files+=("$etc/sources.list")
  for f in "$etc"/sources.list.d/*; do
    [[ -f $f && ($f == *.list || $f == *.sources) ]] && files+=("$f")
  done
  for f in "${files[@]}"; do
    uri=$(awk -v form="$([[ $f == *.sources ]] && echo deb822 || echo oneline)" "$_APT_MIRROR_AWK" "$f") || return 1
    if [[ -n $uri ]]; then
      printf '%s\n' "${uri%/}"
      return 0
    fi
  done
  printf 'apt-mirror: no Debian archive mirror (a deb entry with component main, not -security) in %s\n' \
    "${files[*]:-$etc/sources.list and $etc/sources.list.d/*.list, *.sources (none exist)}" >&2
  return 1
}

# Prints the first usable URI of one file, or nothing. form=deb822 for *.sources, oneline otherwise.
_APT_MIRROR_AWK='
function has_word(list, w,    n, a, i) {
  n = split(list, a, /[ \t]+/)
  for (i = 1; i <= n; i++) if (a[i] == w) return 1
  return 0
}
function usable(uri, suites, comps, signed,    n, a, i) {
  if (uri == "" || uri ~ /debian-security/ || uri ~ /^cdrom:/) return 0
  if (!has_word(comps, "main")) return 0
  if (signed != "" && signed !~ /debian-archive-keyring/) return 0
  n = split(suites, a, /[ \t]+/)
  for (i = 1; i <= n; i++) if (a[i] ~ /-security$/) return 0
  return 1
}
function stanza(    n, u, i) {
  if (has_word(f["types"], "deb") && tolower(f["enabled"]) !~ /^[ \t]*(no|false|0)[ \t]*$/) {
    n = split(f["uris"], u, /[ \t]+/)
    for (i = 1; i <= n; i++) if (usable(u[i], f["suites"], f["components"], f["signed-by"])) { print u[i]; done = 1; exit }
  }
  delete f
  field = ""
}
form == "deb822" && /^[ \t]*#/ { next }
form == "deb822" && /^[ \t]*$/ { stanza(); next }
form == "deb822" && /^[ \t]/ { if (field != "") f[field] = f[field] " " $0; next }
form == "deb822" {
  field = tolower(substr($0, 1, index($0, ":") - 1))
  f[field] = substr($0, index($0, ":") + 1)
  next
}
{
  sub(/#.*/, "")
  if ($1 != "deb") next
  signed = ""
  if (match($0, /\[[^]]*\]/)) {
    opts = substr($0, RSTART + 1, RLENGTH - 2)
    $0 = substr($0, 1, RSTART - 1) " " substr($0, RSTART + RLENGTH)
    if (match(opts, /signed-by=[^ \t]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
  }
  comps = ""
  for (i = 4; i <= NF; i++) comps = comps " " $i
  if (usable($2, $3, comps, signed)) { print $2; done = 1; exit }
}
END { if (!done && form == "deb822") stanza() }
'

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  debian_mirror "$@"
fi
