#!/usr/bin/env bash
# etcd-backup against etcd's own tools and the usual shell script, on the same data in one run.
#
#   bench/run.sh [--size 256MiB|1GiB|4GiB] [--reps 5] [--data json|random] [--out docs/benchmarks.md]
#                [--java-opts "FLAGS" --label NAME] [--java JAVA|JDK_HOME --label NAME] [--no-build] [--keep]
#
# Builds the jar, starts a TLS etcd 3.5 and an S3Proxy server on loopback, fills etcd with
# Kubernetes-like data (bench/Loader.java) until its db reaches --size, then runs each contender in
# turn, alternating, --reps times, under /usr/bin/time -v (wall time, peak RSS):
#   backup   a etcdctl snapshot save (the reference)   b etcdctl + zstd + aws s3 cp
#            c etcd-backup snapshot to S3               d etcd-backup snapshot to a directory
#   restore  e etcdutl snapshot restore (the reference) f etcd-backup restore --from-file
#            g etcd-backup restore from S3              h aws s3 cp - | age -d | zstd -d, etcdutl snapshot restore
#                                                         --skip-hash-check (the same object as g)
#   offline  etcdutl snapshot status (the reference) and etcd-backup status
# then one more c and g with each thread's CPU sampled (bench/thread-cpu.py),
# and writes (or replaces) the "--size --data [--label]" section of --out (--java-opts: JVM flags for
# etcd-backup, default $JAVA_OPTS, else bin/etcd-backup's own; --java: the java binary, or a JDK home,
# to run etcd-backup with, exported as JAVA_HOME for it after the build, default bin/etcd-backup's
# choice; give such runs a --label; ETCD_BACKUP_* variables, which set etcd-backup's flags, are
# recorded in the report, and so are the JVM and the age payload cipher provider etcd-backup runs
# with). Everything it starts is stopped on exit. Runs as root (or with sudo) after scripts/test.sh's
# installs; installs awscli itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. bench/lib.sh

size=256MiB reps=5 data=json out=docs/benchmarks.md java_opts=${JAVA_OPTS:-} java='' label='' build=1 keep=0
usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while (($#)); do
  case $1 in
    --size) size=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --java) java=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
done
case $size in
  *GiB) bytes=$(( ${size%GiB} << 30 )) ;;
  *MiB) bytes=$(( ${size%MiB} << 20 )) ;;
  *) echo "run.sh: --size ($size) must be like 256MiB or 1GiB" >&2; exit 2 ;;
esac
[[ $data == json || $data == random ]] || { echo "run.sh: --data ($data) must be json or random" >&2; exit 2; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --reps ($reps) must be a positive number" >&2; exit 2; }
# The JVM etcd-backup runs with: bin/etcd-backup takes $JAVA_HOME/bin/java when it is there, else
# java from PATH. --java (a binary or a JDK home) sets JAVA_HOME for our contenders only, after the
# build, so that the jar and its class-data archive are still made by the build's JDK.
if [[ -n $java ]]; then
  [[ -n $label ]] || { echo "run.sh: --java needs a --label (else its section replaces the default JVM's)" >&2; exit 2; }
  java_arg=$java
  [[ -d $java ]] && java=$java/bin/java
  [[ -x $java && ! -d $java ]] || { echo "run.sh: --java: $java is not an executable java" >&2; exit 2; }
  java_home=$(dirname "$(dirname "$(readlink -f "$java")")")
  [[ $(readlink -f "$java_home/bin/java") == "$(readlink -f "$java")" ]] ||
    { echo "run.sh: --java: $java is not JDK_HOME/bin/java of a JDK (resolved: $(readlink -f "$java"))" >&2; exit 2; }
  java_bin=$java_home/bin/java
elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
  java_bin=$JAVA_HOME/bin/java
else
  java_bin=$(command -v java)
fi

started_at=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- tools -------------------------------------------------------------------------------------
need_packages awscli zstd age time jq openssl
aws=/usr/bin/aws # Debian's awscli, not whatever else is first on PATH
etcd_dir=${ETCD_35_BIN_DIR:-$root/.cache/etcd/3.5.30/usr/bin}
[[ -x $etcd_dir/etcdutl ]] || scripts/install-etcd.sh >/dev/null
etcd=$etcd_dir/etcd etcdctl=$etcd_dir/etcdctl etcdutl=$etcd_dir/etcdutl
ours=$root/bin/etcd-backup
# bin/etcd-backup applies its own JVM defaults only when JAVA_OPTS is unset (an empty value counts as set)
if [[ -n $java_opts ]]; then export JAVA_OPTS=$java_opts; else unset JAVA_OPTS; fi

if ((build)); then
  say "building etcd-backup"
  ./mvnw -B -q -ntp package -DskipTests
fi
fetch_s3proxy
[[ -z $java ]] || export JAVA_HOME=$java_home # from here on, for bin/etcd-backup (mvnw and the builds are done)
java_version=$("$java_bin" -version 2>&1 | sed -n 2p) # "OpenJDK Runtime Environment (build ...)"
# Whether this JVM maps the build's class-data archive: -Xshare:on fails where bin/etcd-backup's
# -Xshare:auto would ignore it (an archive fits only the JVM that made it).
jar=$root/cli/target/etcd-backup.jar jsa=$root/cli/target/etcd-backup.jsa
# bin/etcd-backup's default JVM flags, as it builds them (an assignment and its += lines)
ours_defaults=$(bash -c "$(grep '^default_opts' "$ours")"'; printf %s "$default_opts"')
# shellcheck disable=SC2086
if [[ -r $jsa ]] && "$java_bin" -XX:SharedArchiveFile="$jsa" -Xshare:on ${JAVA_OPTS-$ours_defaults} \
    -cp "$jar" -version > /dev/null 2>&1; then
  cds="mapped (\`cli/target/etcd-backup.jsa\`, made by the build's JVM)"
elif [[ -r $jsa ]]; then
  cds="**not mapped**: \`cli/target/etcd-backup.jsa\` was made by another JVM (the build's), which this one ignores"
else
  cds="none (no \`cli/target/etcd-backup.jsa\`)"
fi

# --- servers -----------------------------------------------------------------------------------
tag=$size-$data${label:+-$label}
work=$(mktemp -d "$root/bench/out/work-$tag.XXXXXX")
logs=$root/bench/out/logs-$tag && rm -rf "$logs" && mkdir -p "$logs"
pids=()
trap cleanup EXIT

say "TLS certificates"
pki=$work/pki && mkdir -p "$pki"
(
  cd "$pki"
  printf '[server]\nsubjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth, clientAuth\n[client]\nextendedKeyUsage = clientAuth\n' > ext.cnf
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -subj "/CN=bench CA" -days 2 -out ca.crt 2>/dev/null
  for who in server client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$who.key" 2>/dev/null
    openssl req -new -key "$who.key" -subj "/CN=bench-$who" -out "$who.csr" 2>/dev/null
    openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile ext.cnf -extensions "$who" -out "$who.crt" 2>/dev/null
  done
)

client_port=$(free_port) peer_port=$(free_port)
endpoint=https://127.0.0.1:$client_port
say "etcd $("$etcd" --version | awk '/etcd Version/{print $3}') on $endpoint"
"$etcd" --name bench --data-dir "$work/etcd" --quota-backend-bytes $(( bytes * 2 > 8 << 30 ? bytes * 2 : 8 << 30 )) \
  --listen-client-urls "$endpoint" --advertise-client-urls "$endpoint" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "bench=http://127.0.0.1:$peer_port" --snapshot-count 100000 \
  --client-cert-auth --trusted-ca-file "$pki/ca.crt" --cert-file "$pki/server.crt" --key-file "$pki/server.key" \
  > "$logs/etcd.log" 2>&1 &
pids+=($!)
tls=(--endpoints "$endpoint" --cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
wait_for etcd "$etcdctl" "${tls[@]}" endpoint health

start_s3proxy "$work"
export AWS_ACCESS_KEY_ID=$s3_id AWS_SECRET_ACCESS_KEY=$s3_secret AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$work/aws.config AWS_SHARED_CREDENTIALS_FILE=$work/aws.credentials
"$aws" configure set default.s3.addressing_style path
s3=("$aws" --endpoint-url "$s3_url")
wait_for S3Proxy "${s3[@]}" s3 ls
"${s3[@]}" s3 mb s3://bench >/dev/null
s3flags=(--s3-endpoint "$s3_url" --s3-path-style --s3-region us-east-1 --s3-access-key-id "$s3_id"
  --s3-secret-access-key "$s3_secret")

# --- which age payload cipher etcd-backup runs with -------------------------------------------
# PayloadCipher logs its choice (provider and why) in one debug line on first use. --debug would
# change the measured runs, so one unmeasured snapshot of the still-empty etcd (a few KiB, same JVM,
# same JAVA_OPTS, encrypted like c and d) prints it; g decrypts through the same per-JVM choice.
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")
say "age payload cipher: one --debug snapshot of the empty etcd"
"$ours" snapshot --to "$work/cipher-probe" --cluster-name probe --encrypt-to "$recipient" --spool-dir "$work" \
  -o json --debug "${tls[@]}" > "$logs/cipher-probe.out" 2> "$logs/cipher-probe.err" ||
  { echo "run.sh: the cipher probe failed; see $logs/cipher-probe.err" >&2; tail -5 "$logs/cipher-probe.err" >&2; exit 1; }
cipher=$(sed -n 's/.*age payload cipher: //p' "$logs/cipher-probe.err" | head -1)
[[ -n $cipher ]] || { echo "run.sh: no 'age payload cipher' line in $logs/cipher-probe.err" >&2; exit 1; }
rm -rf "$work/cipher-probe"
say "age payload cipher: $cipher"

# --- data --------------------------------------------------------------------------------------
say "loading $size of $data data with jetcd"
java -cp cli/target/etcd-backup.jar bench/Loader.java "$endpoint" "$pki/ca.crt" "$pki/client.crt" "$pki/client.key" \
  "$bytes" "$data" 42 > "$work/load.json" 2> "$logs/loader.log"
cat "$work/load.json" >&2
"$etcdctl" "${tls[@]}" snapshot save "$work/snap.db" > /dev/null 2>&1 # the restore and status input
"$etcdutl" snapshot status "$work/snap.db" -w json > "$work/snap-status.json" 2>/dev/null
key_count=$("$etcdctl" "${tls[@]}" get /registry --prefix --count-only -w fields | awk '/"Count"/{print $3}')

# --- measuring ---------------------------------------------------------------------------------
results=$work/results.jsonl
: > "$results"
seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'; }
measure() { # id rep command...
  local id=$1 rep=$2; shift 2
  local tv=$logs/$id-$rep.time
  if ! /usr/bin/time -v -o "$tv" "$@" > "$logs/$id-$rep.out" 2> "$logs/$id-$rep.err"; then
    echo "run.sh: contender $id failed in repetition $rep: $*; see $logs/$id-$rep.err" >&2
    tail -5 "$logs/$id-$rep.err" >&2
    exit 1
  fi
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tv" | seconds)
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tv")
  printf '{"id":"%s","rep":%d,"wall":%s,"rssKiB":%d}\n' "$id" "$rep" "$wall" "$rss" >> "$results"
  printf '   %s rep %d: %6.2f s %6d MiB\n' "$id" "$rep" "$wall" $((rss / 1024)) >&2
}
restore_flags() { echo --name r --initial-cluster r=http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 --data-dir "$1"; }

say "backup: a etcdctl, b etcdctl+zstd+aws, c etcd-backup to S3, d etcd-backup to a dir; $reps times, alternating"
for rep in $(seq "$reps"); do
  rm -f "$work/a.db"
  measure a "$rep" "$etcdctl" "${tls[@]}" snapshot save "$work/a.db"
  rm -f "$work/b.db" "$work/b.db.zst"; "${s3[@]}" s3 rm --quiet --recursive s3://bench/script/
  # shellcheck disable=SC2016 # the script's own $1..., expanded by its bash
  measure b "$rep" bash -c '"$1" "${@:5}" snapshot save "$2" && zstd -q --rm "$2" && "$3" --endpoint-url "$4" s3 cp --only-show-errors "$2.zst" s3://bench/script/snap.db.zst' \
    - "$etcdctl" "$work/b.db" "$aws" "$s3_url" "${tls[@]}"
  "${s3[@]}" s3 rm --quiet --recursive s3://bench/etcd-backup/
  measure c "$rep" "$ours" snapshot --to s3://bench/etcd-backup --cluster-name bench --encrypt-to "$recipient" \
    --verify-hashkv --spool-dir "$work" -o json "${s3flags[@]}" "${tls[@]}"
  rm -rf "$work/store"
  measure d "$rep" "$ours" snapshot --to "$work/store" --cluster-name bench --encrypt-to "$recipient" \
    --verify-hashkv --spool-dir "$work" -o json "${tls[@]}"
done
rm -f "$work/a.db" "$work/b.db.zst" && rm -rf "$work/store"
stored_size=$(jq .manifest.storedSize "$logs/c-1.out")
db_size=$(jq .manifest.dbSize "$logs/c-1.out")

# h, the script, reads the object g restores: the data object of the newest manifest (the only
# backup left in the series: c emptied it before each repetition). Its key is found in the bucket's
# listing by the manifest's object name and stored size, not built from the layout's prefix. A
# stored db has no SHA-256 trailer (docs/restore.md), so etcdutl needs --skip-hash-check, as a
# user's script would; otherwise e's flags.
newest=$("$ours" list --from s3://bench/etcd-backup --cluster-name bench -o json "${s3flags[@]}" 2> "$logs/list.err" | jq -c '.[0]') ||
  { echo "run.sh: etcd-backup list failed; see $logs/list.err" >&2; exit 1; }
h_key=$("${s3[@]}" s3 ls --recursive s3://bench/etcd-backup/ |
  awk -v o="$(jq -r .object <<< "$newest")" -v n="$(jq -r .storedSize <<< "$newest")" \
    '$3 == n && ($4 == o || substr($4, length($4) - length(o)) == "/" o) { print $4 }')
[[ -n $h_key && $h_key != *$'\n'* ]] ||
  { echo "run.sh: no single data object of backup $(jq -r .id <<< "$newest") in s3://bench/etcd-backup/ (found: ${h_key:-none})" >&2; exit 1; }
say "h reads s3://bench/$h_key"

say "restore: e etcdutl, f etcd-backup --from-file, g etcd-backup from S3, h aws+age+zstd+etcdutl; $reps times, alternating"
for rep in $(seq "$reps"); do
  rm -rf "$work/restored"
  # shellcheck disable=SC2046
  measure e "$rep" "$etcdutl" snapshot restore "$work/snap.db" $(restore_flags "$work/restored")
  rm -rf "$work/restored"
  # shellcheck disable=SC2046
  measure f "$rep" "$ours" restore --from-file "$work/snap.db" $(restore_flags "$work/restored")
  rm -rf "$work/restored"
  # shellcheck disable=SC2046
  measure g "$rep" "$ours" restore --from s3://bench/etcd-backup --cluster-name bench latest \
    --identity-file "$work/age.key" --spool-dir "$work" "${s3flags[@]}" $(restore_flags "$work/restored")
  rm -rf "$work/restored" "$work/h.db"
  # shellcheck disable=SC2016,SC2046 # the script's own $1...; restore_flags splits into words
  measure h "$rep" bash -c 'set -o pipefail
    "$1" --endpoint-url "$2" s3 cp --only-show-errors "$3" - | age -d -i "$4" | zstd -d -q > "$5" &&
    "$6" snapshot restore "$5" --skip-hash-check "${@:7}" && rm -f "$5"' \
    - "$aws" "$s3_url" "s3://bench/$h_key" "$work/age.key" "$work/h.db" "$etcdutl" $(restore_flags "$work/restored")
done
rm -rf "$work/restored" "$work/h.db"

say "offline status: s etcdutl snapshot status, t etcd-backup status; $reps times, alternating"
for rep in $(seq "$reps"); do
  measure s "$rep" "$etcdutl" snapshot status "$work/snap.db"
  measure t "$rep" "$ours" status "$work/snap.db"
done
cp "$results" "$root/bench/out/results-$tag.jsonl"

# One more c and g, not timed above: each thread's CPU (the kernel's accounting, so zstd's and
# BoringSSL's native code count) and what etcd and S3Proxy spend meanwhile, to say where the time goes.
say "where the CPU goes: one more c and g, each thread sampled (bench/thread-cpu.py)"
"${s3[@]}" s3 rm --quiet --recursive s3://bench/etcd-backup/
python3 bench/thread-cpu.py "$logs/cpu-c.json" --peer etcd="${pids[0]}" --peer S3Proxy="${pids[1]}" -- \
  "$ours" snapshot --to s3://bench/etcd-backup --cluster-name bench --encrypt-to "$recipient" \
  --verify-hashkv --spool-dir "$work" -o json "${s3flags[@]}" "${tls[@]}" > "$logs/cpu-c.out" 2> "$logs/cpu-c.err" ||
  { echo "run.sh: the sampled snapshot failed; see $logs/cpu-c.err" >&2; exit 1; }
rm -rf "$work/restored"
# shellcheck disable=SC2046
python3 bench/thread-cpu.py "$logs/cpu-g.json" --peer S3Proxy="${pids[1]}" -- \
  "$ours" restore --from s3://bench/etcd-backup --cluster-name bench latest \
  --identity-file "$work/age.key" --spool-dir "$work" "${s3flags[@]}" $(restore_flags "$work/restored") \
  > "$logs/cpu-g.out" 2> "$logs/cpu-g.err" || { echo "run.sh: the sampled restore failed; see $logs/cpu-g.err" >&2; exit 1; }
rm -rf "$work/restored"
cpu_table() { # json: the threads with at least 0.1 s, then the rest, the process and the peers
  jq -r '"| wall time | \(.wall) s |", "| **the JVM, all threads** | **\(.cpu) s** |",
    (.threads | to_entries | map(select(.value >= 0.1)) | .[] | "| thread `\(.key)` | \(.value) s |"),
    "| threads under 0.1 s each | \([.threads | to_entries[] | select(.value < 0.1) | .value] | add // 0 | . * 100 | round / 100) s |",
    (.peers | to_entries[] | "| \(.key) meanwhile | \(.value) s |")' "$1"
}

# --- report ------------------------------------------------------------------------------------
say "writing the $tag section of $out"
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
disk=$(findmnt -no SOURCE,FSTYPE -T "$work" | awk '{print $1" ("$2")"}')
# shellcheck disable=SC2016 # Markdown's backquotes
settings=$(env | { grep '^ETCD_BACKUP_' || true; } | { grep -v SECRET || true; } | sed 's/.*/`&`/' | paste -sd' ' | sed 's/^$/defaults/')
machine=$(cat <<EOF
| machine | |
|---|---|
| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores |
| RAM | $(awk '/^MemTotal/{printf "%.0f", $2 / 1048576}' /proc/meminfo) GiB |
| disk | $disk, $(lsblk -dno ROTA "$(findmnt -no SOURCE -T "$work")" 2>/dev/null | tr -d ' ' | sed 's/1/reported rotational (virtio)/;s/0/SSD/') |
| load | load average $load_before before the run (other processes on the machine add noise; alternation spreads it) |
| kernel | $(uname -sr), $(. /etc/os-release; echo "$PRETTY_NAME") |
| Java (etcd-backup) | $java_version (\`$java_bin\`${java:+, from --java}), $( [[ -n $java_opts ]] && echo "\`JAVA_OPTS=$java_opts\`" || echo "bin/etcd-backup's defaults (\`$ours_defaults\`)") |
| class-data archive | $cds |
| age payload cipher | $cipher (PayloadCipher's \`--debug\` line, from one unmeasured snapshot of the empty etcd before the load) |
| etcd-backup settings | $settings |
| etcd | etcd/etcdctl/etcdutl $("$etcd" --version | awk '/etcd Version/{print $3}') (TLS on loopback, one member) |
| others | zstd $(zstd --version | grep -o 'v[0-9.]*' | head -1), $("$aws" --version | cut -d' ' -f1) (Debian), age $(age --version), S3Proxy $S3PROXY_VERSION (filesystem backend, loopback, \`-Xmx512m\`) |
EOF
)
summary=$(jq -s --arg refs "a e s" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  group_by(.id) | map({key: .[0].id, value: {median: (map(.wall) | median), min: (map(.wall) | min),
    max: (map(.wall) | max), rss: (map(.rssKiB) | max), n: length}}) | from_entries' "$results")
phases=$(for id in c d; do cat "$logs/$id"-*.out; done | jq -s '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  [.[].manifest.timings] | {stream: (map(.streamMillis) | median), verify: (map(.verifyMillis) | median),
    upload: (map(.uploadMillis) | median), total: (map(.totalMillis) | median)}')
row() { # id label reference-id
  jq -r --arg id "$1" --arg ref "$3" '.[$id] as $r | [$r.median, $r.min, $r.max, $r.median / .[$ref].median, $r.rss / 1024] | @tsv' <<< "$summary" |
    awk -F'\t' -v name="$2" '{ printf "| %s | %.2f s | %.2f s | %.2f s | %.2f × | %.0f MiB |\n", name, $1, $2, $3, $4, $5 }'
}
ratio() { jq -r --arg a "$1" --arg b "$2" '(.[$a].median / .[$b].median) * 100 | round / 100' <<< "$summary"; }
verdict() { awk -v x="$1" -v lim="$2" 'BEGIN { print (x <= lim ? "met" : "**missed**") }'; }
rss_mib() { jq -r --arg id "$1" '.[$id].rss / 1024 | round' <<< "$summary"; }
our_peak=$(jq -r '[.c.rss, .d.rss, .f.rss, .g.rss, .t.rss] | max / 1024 | round' <<< "$summary")
table_head='| contender | median | min | max | ratio to reference (median) | peak RSS |
|---|---|---|---|---|---|'
section=$(cat <<EOF
<!-- bench:begin $tag -->
## $size, $data data${label:+ ($label)}

Run on $(date -u +%Y-%m-%d) with \`bench/run.sh --size $size --data $data --reps $reps${java_opts:+ --java-opts \"$java_opts\"}${java:+ --java $java_arg}${label:+ --label $label}\` ($(( ($(date +%s) - started_at) / 60 )) min in all).

$machine

Dataset: $key_count keys under \`/registry/...\` ($(jq -r '.puts' "$work/load.json") puts, one in eight rewriting an
earlier key; $(mib "$(jq -r .valueBytes "$work/load.json")") of $data values, 1-20 KiB each), loaded with
jetcd in $(jq -r .seconds "$work/load.json") s; snapshot db $(mib "$db_size") ($db_size bytes), revision
$(jq -r .revision "$work/snap-status.json"); stored by etcd-backup as $(mib "$stored_size") ($(jq -r '.manifest.transforms | "\(.compression) level \(.compressionLevel) + \(.encryption)"' "$logs/c-1.out"),
$(awk -v d="$db_size" -v s="$stored_size" 'BEGIN { printf "%.2f", d / s }')× smaller).
Wall time and peak RSS from \`/usr/bin/time -v\`, $reps repetitions, contenders alternating; every file is in
the page cache ($(awk '/^MemTotal/{printf "%.0f", $2 / 1048576}' /proc/meminfo) GiB RAM). For the scripts (b, h) the peak RSS is that of their largest process.$(
  [[ -z $java ]] || printf '\n%s' "With --java, etcd-backup (c, d, f, g, status) ran on \`$java_bin\` (as JAVA_HOME), the loader and S3Proxy on the machine's default java ($(java -version 2>&1 | sed -n 2p)). The build's class-data archive fits only the JVM that made it and any other ignores it, which costs each command about 1.3 s of class loading (change 11 in docs/benchmarks.md); whether this run's JVM mapped it is in the table above."
)

**Backup** (reference: a)

$table_head
$(row a "a. \`etcdctl snapshot save\` to local disk" a)
$(row b "b. script: \`etcdctl snapshot save\`, \`zstd\`, \`aws s3 cp\` to S3Proxy" a)
$(row c "c. \`etcd-backup snapshot\` to S3Proxy (zstd, age, all checks, HashKV)" a)
$(row d "d. \`etcd-backup snapshot\` to a local dir (same)" a)

etcd-backup's own phase timings (median of c and d, from the manifest): the stream (first request to
trailer) $(jq .stream <<< "$phases") ms, checks after the stream $(jq .verify <<< "$phases") ms, the upload (beside the
stream, from its start to the last part) $(jq .upload <<< "$phases") ms, total from the engine's start $(jq .total <<< "$phases") ms (the
rest of the wall time is the JVM's start, options, TLS and store set-up, and the exit).

**Restore** (reference: e)

$table_head
$(row e "e. \`etcdutl snapshot restore\`" e)
$(row f "f. \`etcd-backup restore --from-file\`" e)
$(row g "g. \`etcd-backup restore\` from S3Proxy (download, decrypt, decompress, checks)" e)
$(row h "h. script: \`aws s3 cp\` to stdout, piped through \`age -d\` and \`zstd -d\` to a file, \`etcdutl snapshot restore\`" e)

h reads \`s3://bench/$h_key\`, the object g restores (the newest backup, written by c), into a file,
restores it with e's flags plus \`--skip-hash-check\` (a stored db has no SHA-256 trailer, so etcdutl
refuses it without; e checks the trailer of its file, h cannot) and deletes the file.

**Offline status** (reference: etcdutl)

$table_head
$(row s "\`etcdutl snapshot status\`" s)
$(row t "\`etcd-backup status\`" s)

**Targets**

| target | measured | |
|---|---|---|
| c ≤ 1.3 × a | $(ratio c a) × | $(verdict "$(ratio c a)" 1.3) |
| c ≤ 0.7 × b | $(ratio c b) × | $(verdict "$(ratio c b)" 0.7) |
| f ≤ 1.0 × e (from 1 GiB; at 256 MiB within 0.3 s) | $(ratio f e) ×, $(jq -r '(.f.median - .e.median) * 100 | round / 100 | if . >= 0 then "+\(.)" else "\(.)" end' <<< "$summary") s | $(
  if ((bytes >= 1 << 30)); then verdict "$(ratio f e)" 1.0; else verdict "$(jq -r '.f.median - .e.median' <<< "$summary")" 0.3; fi) |
| g ≤ 1.5 × e | $(ratio g e) × | $(verdict "$(ratio g e)" 1.5) |
| g ≤ 0.7 × h | $(ratio g h) × | $(verdict "$(ratio g h)" 0.7) |
| our peak RSS ≤ 200 MiB | $our_peak MiB (c $(rss_mib c), d $(rss_mib d), f $(rss_mib f), g $(rss_mib g), status $(rss_mib t)) | $(verdict "$our_peak" 200) |

**Where the CPU goes** (one more c and g after the timed runs; CPU seconds per thread from
\`/proc\`, \`bench/thread-cpu.py\`; 2 cores give 2 s of CPU per second of wall time)

| c: \`etcd-backup snapshot\` to S3Proxy | |
|---|---|
$(cpu_table "$logs/cpu-c.json")

| g: \`etcd-backup restore\` from S3Proxy | |
|---|---|
$(cpu_table "$logs/cpu-g.json")
<!-- bench:end $tag -->
EOF
)
if [[ ! -f $out ]]; then
  # shellcheck disable=SC2016 # Markdown's backquotes
  printf '# Benchmarks\n\nMade by `bench/run.sh`; each size has its own section, replaced when that size runs again.\n\n' > "$out"
fi
replace_section "$out" "$tag" "$section"
printf '%s\n' "$section" | sed -n '/^\*\*Backup/,$p' >&2
say "done in $(( ($(date +%s) - started_at) / 60 )) min; logs in $logs"
