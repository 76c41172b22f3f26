#!/usr/bin/env bash
# What a backup and a restore of a small db spend around their data, phase by phase.
#
#   bench/fixed-costs.sh [--size 10MiB] [--reps 9] [--jar LABEL=PATH]... [--no-build] [--keep]
#
# Starts a TLS etcd 3.5 and an S3Proxy server on loopback (as bench/run.sh does), loads --size of
# Kubernetes-like data (bench/Loader.java), then runs, --reps times and alternating between the
# jars given (default: the build's, labelled "current"; each jar's class-data archive is the .jsa
# beside it, as bin/etcd-backup finds it):
#   v  etcd-backup --version                      (JVM start, the command line, exit)
#   s  etcd-backup snapshot to S3Proxy, zstd + age, --keep-last 3, --metrics-file
#   r  etcd-backup restore latest from S3Proxy into a new data dir
# and prints, per jar, the median of each phase in ms: the engine's own phase timings (the metrics
# file's etcd_backup_phase_duration_seconds), split further at the runs' log lines and at the
# launch and exit times taken here. Nothing is written to docs/; raw results stay in bench/out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. bench/lib.sh

size=10MiB reps=9 build=1 keep=0 jars=()
usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while (($#)); do
  case $1 in
    --size) size=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --jar) jars+=("$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "fixed-costs.sh: unknown argument $1" >&2; usage ;;
  esac
done
case $size in
  *MiB) bytes=$(( ${size%MiB} << 20 )) ;;
  *GiB) bytes=$(( ${size%GiB} << 30 )) ;;
  *) echo "fixed-costs.sh: --size ($size) must be like 10MiB" >&2; exit 2 ;;
esac
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "fixed-costs.sh: --reps ($reps) must be a positive number" >&2; exit 2; }
((${#jars[@]})) || jars=("current=$root/cli/target/etcd-backup.jar")
for j in "${jars[@]}"; do
  [[ $j == *=* ]] || { echo "fixed-costs.sh: --jar ($j) must be LABEL=PATH" >&2; exit 2; }
done

need_packages age openssl jq
etcd_dir=${ETCD_35_BIN_DIR:-$root/.cache/etcd/3.5.30/usr/bin}
[[ -x $etcd_dir/etcd ]] || scripts/install-etcd.sh >/dev/null
if ((build)); then
  say "building etcd-backup"
  ./mvnw -B -q -ntp package -DskipTests
fi
unset JAVA_OPTS # bin/etcd-backup's own JVM flags

mkdir -p bench/out
work=$(mktemp -d "$root/bench/out/work-fixed-costs.XXXXXX")
logs=$root/bench/out/logs-fixed-costs && rm -rf "$logs" && mkdir -p "$logs"
pids=()
trap cleanup EXIT

pki=$work/pki
make_pki "$pki"
start_tls_etcd "$etcd_dir" "$work/etcd" "$pki"

start_s3proxy "$work"
mkdir -p "$work/s3/bench" # the filesystem backend's bucket
wait_for S3Proxy curl -s -o /dev/null "$s3_url"
s3flags=(--s3-endpoint "$s3_url" --s3-path-style --s3-region us-east-1 --s3-access-key-id "$s3_id"
  --s3-secret-access-key "$s3_secret")

say "loading $size of JSON-like data"
java -cp "${jars[0]#*=}" bench/Loader.java "$endpoint" "$pki/ca.crt" "$pki/client.crt" "$pki/client.key" \
  "$bytes" json 42 > "$work/load.json" 2> "$logs/loader.log"
cat "$work/load.json" >&2
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")

now_ms() { date +%s%3N; }
# One run: launch and end in epoch ms, then its stdout and stderr.
timed() { # name command...
  local name=$1; shift
  local t0; t0=$(now_ms)
  if ! "$@" > "$logs/$name.out" 2> "$logs/$name.err"; then
    echo "fixed-costs.sh: $name failed: $*; see $logs/$name.err" >&2; tail -5 "$logs/$name.err" >&2; exit 1
  fi
  printf '%s %s\n' "$t0" "$(now_ms)" > "$logs/$name.t"
}

say "$reps repetitions of v, s, r for ${jars[*]%%=*}, alternating"
for rep in $(seq "$reps"); do
  for j in "${jars[@]}"; do
    label=${j%%=*} jar=${j#*=}
    export ETCD_BACKUP_JAR=$jar
    timed "$label-v-$rep" bin/etcd-backup --version
    rm -f "$work/m.prom"
    timed "$label-s-$rep" bin/etcd-backup snapshot --to s3://bench/fixed --cluster-name bench --encrypt-to "$recipient" \
      --keep-last 3 --spool-dir "$work" --metrics-file "$work/m.prom" -o json "${s3flags[@]}" "${tls[@]}"
    cp "$work/m.prom" "$logs/$label-s-$rep.prom"
    rm -rf "$work/restored"
    timed "$label-r-$rep" bin/etcd-backup restore --from s3://bench/fixed --cluster-name bench latest \
      --identity-file "$work/age.key" --spool-dir "$work" "${s3flags[@]}" --name r \
      --initial-cluster r=http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 --data-dir "$work/restored"
  done
  printf '   rep %d done, load %s\n' "$rep" "$(cut -d' ' -f1 /proc/loadavg)" >&2
done
unset ETCD_BACKUP_JAR

# --- phases ------------------------------------------------------------------------------------
ms() { date -d "$1" +%s%3N; } # a log line's time
at() { # name pattern: the time of the first log line of run name matching pattern
  local line; line=$(grep -m1 -- "$2" "$logs/$1.err") || { echo "fixed-costs.sh: no '$2' in $logs/$1.err" >&2; exit 1; }
  ms "${line%% *}"
}
phase() { # name phase: ms of the engine's phase, from the metrics file
  awk -v p="$1" '$1 ~ "^etcd_backup_phase_duration_seconds_sum" && $1 ~ "phase=\"" p "\"" { printf "%.0f", $2 * 1000 }' "$2"
}
results=$logs/phases.jsonl
: > "$results"
for j in "${jars[@]}"; do
  label=${j%%=*}
  for rep in $(seq "$reps"); do
    read -r v0 v1 < "$logs/$label-v-$rep.t"
    s=$label-s-$rep
    read -r s0 s1 < "$logs/$s.t"
    prom=$logs/$s.prom
    start=$(awk '$1 ~ "^etcd_backup_last_attempt_timestamp_seconds" { printf "%.0f", $2 * 1000 }' "$prom")
    select=$(phase select "$prom") stream=$(phase stream "$prom") check=$(phase check "$prom")
    commit=$(phase commit "$prom") clean=$(phase cleanup "$prom") prune=$(phase prune "$prom")
    started=$(at "$s" "backup started") streamed=$(at "$s" "snapshot streamed")
    committed=$(at "$s" "backup committed") pruned=$(at "$s" "retention done")
    r=$label-r-$rep
    read -r r0 r1 < "$logs/$r.t"
    # No line between the store's opening and the member written: since the fetch's stages and the
    # writer's checking pass overlap (issue 14), download, checks and writing are one span.
    opened=$(at "$r" "store=.* opened") written=$(at "$r" "restored member") done=$(at "$r" "restore complete")
    jq -cn --arg jar "$label" \
      --argjson v $((v1 - v0)) --argjson pre $((start - s0)) --argjson health $((started - start)) \
      --argjson store $((select - (started - start))) --argjson stream "$stream" --argjson check "$check" \
      --argjson tail $((committed - streamed - check - commit)) --argjson commit "$commit" \
      --argjson clean "$clean" --argjson prune "$prune" --argjson exit $((s1 - pruned)) --argjson total $((s1 - s0)) \
      --argjson ropen $((opened - r0)) --argjson rfetch $((written - opened)) \
      --argjson rexit $((r1 - done)) --argjson rtotal $((r1 - r0)) \
      '{jar: $jar, v: $v, pre: $pre, health: $health, store: $store, stream: $stream, check: $check, tail: $tail,
        commit: $commit, clean: $clean, prune: $prune, exit: $exit, total: $total,
        ropen: $ropen, rfetch: $rfetch, rexit: $rexit, rtotal: $rtotal}' >> "$results"
  done
done
cp "$results" "$root/bench/out/fixed-costs.jsonl"

rows='v "JVM start, command line, exit (`--version`)"
pre "snapshot: launch to the engine'"'"'s start (JVM, classes, options, etcd TLS set-up, S3 client)"
health "snapshot: health check and member choice"
store "snapshot: store check"
stream "snapshot: stream (connection, '"$size"' db)"
check "snapshot: checks after the last byte"
tail "snapshot: end of stream to commit (revision, encode and upload tails)"
commit "snapshot: commit (data object, manifest)"
clean "snapshot: clean-up of leftovers (listings)"
prune "snapshot: retention (listing, manifests, plan)"
exit "snapshot: after the retention (closing, output, exit)"
total "**snapshot: wall time**"
ropen "restore: launch to the store'"'"'s opening (JVM, classes, S3 client)"
rfetch "restore: selection, download, decryption, checks, data dir written"
rexit "restore: after the restore (output, exit)"
rtotal "**restore: wall time**"'
labels=$(printf '%s\n' "${jars[@]%%=*}" | jq -R . | jq -sc .)
printf '| phase |%s\n|---|%s\n' "$(printf ' %s (ms) |' "${jars[@]%%=*}")" "$(printf -- '---|%.0s' "${jars[@]}")"
while read -r key name; do
  jq -rs --arg k "$key" --argjson labels "$labels" --arg name "${name//\"/}" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 | floor end;
    . as $all | "| \($name) |" + ($labels | map(. as $l | " \($all | map(select(.jar == $l) | .[$k]) | median) |") | join(""))' "$results"
done <<< "$rows"
say "raw results in bench/out/fixed-costs.jsonl, logs in $logs"
