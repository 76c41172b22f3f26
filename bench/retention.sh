#!/usr/bin/env bash
# etcd-backup's retention over a long series in S3Proxy: list it, read every manifest, plan.
#
#   bench/retention.sh [--backups 10000] [--others 300] [--reps 5] [--out docs/benchmarks.md]
#                      [--java-opts "FLAGS" --label NAME] [--no-build] [--keep]
#
# Builds the jar (unless --no-build), starts an S3Proxy server on loopback (filesystem backend, as
# bench/run.sh does), writes --backups hourly backups of series "prod" and --others of series
# "other" into s3://bench/retention through etcd-backup's store API (bench/SeriesLoader.java), then
# times --reps runs each, under hyperfine when it is installed (else one after the other) with
# /usr/bin/time for the peak RSS:
#   prune    etcd-backup prune --dry-run --keep-last 24 --keep-daily 30 --keep-weekly 8 -o json
#   list     etcd-backup list -o json
# splits a run's time at its log lines (JVM start and S3 client; listing, reads and plan; output),
# times the steps inside one JVM (bench/ScanProbe.java: listing alone, reads one at a time and at
# several parallelisms, scan, plan), runs one real prune of a copy of the series, and writes (or
# replaces) the "retention-N[-label]" section of --out. Everything it starts is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. bench/lib.sh

backups=10000 others=300 reps=5 out=docs/benchmarks.md java_opts=${JAVA_OPTS:-} label= build=1 keep=0
usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while (($#)); do
  case $1 in
    --backups) backups=$2; shift 2 ;;
    --others) others=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "retention.sh: unknown argument $1" >&2; usage ;;
  esac
done
for n in backups others reps; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "retention.sh: --$n (${!n}) must be a positive number" >&2; exit 2; }
done
started_at=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

need_packages time jq curl hyperfine
ours=$root/bin/etcd-backup
# bin/etcd-backup applies its own JVM defaults only when JAVA_OPTS is unset (an empty value counts as set)
if [[ -n $java_opts ]]; then export JAVA_OPTS=$java_opts; else unset JAVA_OPTS; fi
if ((build)); then
  say "building etcd-backup"
  ./mvnw -B -q -ntp package -DskipTests
fi

tag=retention-$backups${label:+-$label}
work=$(mktemp -d "$root/bench/out/work-$tag.XXXXXX")
logs=$root/bench/out/logs-$tag && rm -rf "$logs" && mkdir -p "$logs"
pids=()
trap cleanup EXIT

mkdir -p "$work/s3/bench" # the filesystem backend's bucket is a directory
start_s3proxy "$work"
# An unsigned request gets 403 from a server that is up.
wait_for S3Proxy curl -s -o /dev/null "$s3_url/"
# The CLI reads every flag from ETCD_BACKUP_<FLAG>, and so do the loader and the probe: the
# secret stays off the command lines.
export ETCD_BACKUP_S3_ENDPOINT=$s3_url ETCD_BACKUP_S3_REGION=us-east-1 ETCD_BACKUP_S3_PATH_STYLE=true
export ETCD_BACKUP_S3_ACCESS_KEY_ID=$s3_id ETCD_BACKUP_S3_SECRET_ACCESS_KEY=$s3_secret
store=s3://bench/retention
quiet=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

# --- data --------------------------------------------------------------------------------------
say "writing $backups backups of prod and $others of other into $store"
java "${quiet[@]}" -cp cli/target/etcd-backup.jar bench/SeriesLoader.java "$store" prod "$backups" 9001 16 42 \
  > "$work/load-prod.json" 2> "$logs/loader-prod.log"
java "${quiet[@]}" -cp cli/target/etcd-backup.jar bench/SeriesLoader.java "$store" other "$others" 5000 16 7 \
  > "$work/load-other.json" 2> "$logs/loader-other.log"
cat "$work/load-prod.json" "$work/load-other.json" >&2
objects() { find "$work/s3/bench/retention/v1/$1" -type f | wc -l; }

# --- measuring ---------------------------------------------------------------------------------
# One run: start and end in epoch ms, stdout, stderr (the log lines) and the peak RSS, per run.
cat > "$work/timed.sh" <<'EOF'
#!/usr/bin/env bash
out=$1; shift
date +%s%3N >> "$out.t0"
/usr/bin/time -f '%M %U %S' -a -o "$out.rss" "$@" > "$out.json" 2> "$out.err.tmp"; rc=$?
date +%s%3N >> "$out.t1"
cat "$out.err.tmp" >> "$out.err"; echo "--" >> "$out.err"
exit $rc
EOF
chmod +x "$work/timed.sh"
policy=(--keep-last 24 --keep-daily 30 --keep-weekly 8)
prune_cmd=("$ours" prune --from "$store" --cluster-name prod "${policy[@]}" --dry-run -o json)
list_cmd=("$ours" list --from "$store" --cluster-name prod -o json)
results=$work/results.jsonl
: > "$results"
s3proxy_ticks() { awk '{ print $14 + $15 }' "/proc/${pids[0]}/stat"; }
measure() { # id command...
  local id=$1; shift
  rm -f "$logs/$id".*
  local ticks; ticks=$(s3proxy_ticks)
  if command -v hyperfine > /dev/null; then
    hyperfine --runs "$reps" --export-json "$logs/$id.hyperfine.json" --style basic \
      "$(printf '%q ' "$work/timed.sh" "$logs/$id" "$@")" >&2
  else
    for _ in $(seq "$reps"); do "$work/timed.sh" "$logs/$id" "$@"; done
  fi
  # S3Proxy's CPU over the runs, shared out evenly (it serves nothing else meanwhile)
  local s3cpu; s3cpu=$(awk -v a="$ticks" -v b="$(s3proxy_ticks)" -v hz="$(getconf CLK_TCK)" -v n="$reps" \
    'BEGIN { printf "%.2f", (b - a) / hz / n }')
  paste "$logs/$id.t0" "$logs/$id.t1" "$logs/$id.rss" | awk -v id="$id" -v s3="$s3cpu" '{ printf \
    "{\"id\":\"%s\",\"rep\":%d,\"wall\":%.3f,\"rssKiB\":%d,\"cpu\":%.2f,\"s3proxyCpu\":%s}\n",
    id, NR, ($2 - $1) / 1000, $3, $4 + $5, s3 }' >> "$results"
}
say "prune --dry-run of $backups backups, $reps times"
measure prune "${prune_cmd[@]}"
say "list of $backups backups, $reps times"
measure list "${list_cmd[@]}"
jq -e --argjson n "$backups" '.plan | length == $n' "$logs/prune.json" > /dev/null ||
  { echo "retention.sh: the dry run did not plan $backups backups; see $logs/prune.err" >&2; exit 1; }
jq -e --argjson n "$backups" 'length == $n' "$logs/list.json" > /dev/null ||
  { echo "retention.sh: list did not list $backups backups" >&2; exit 1; }

# Where a run's time goes, from its own log lines: JVM start to the store's opening (class
# loading, picocli, the S3 client), the opening to the plan (listing, manifest reads, plan), and
# the plan to the exit (output, shutdown); list has no line after the opening.
ms() { date -d "$1" +%s%3N; }
split() { # id, marker of the line that ends the middle step (or empty)
  local id=$1 mark=$2 i=0 t0 t1 opened planned
  paste -d' ' "$logs/$id.t0" "$logs/$id.t1" | while read -r t0 t1; do
    i=$((i + 1))
    local run; run=$(awk -v n="$i" '/^--$/ { k++; next } k == n - 1' "$logs/$id.err")
    opened=$(ms "$(grep -m1 ' opened endpoint=' <<< "$run" | cut -d' ' -f1)")
    planned=$t1
    [[ -n $mark ]] && planned=$(ms "$(grep -m1 "$mark" <<< "$run" | cut -d' ' -f1)")
    printf '{"id":"%s","start":%d,"work":%d,"end":%d}\n' "$id" $((opened - t0)) $((planned - opened)) $((t1 - planned))
  done
}
{ split prune 'retention planned'; split list ''; } > "$work/split.jsonl"

say "steps inside one JVM (bench/ScanProbe.java)"
java -Xmx128m -XX:+UseSerialGC "${quiet[@]}" -cp cli/target/etcd-backup.jar bench/ScanProbe.java "$store" prod 500 \
  8,16,32,64 20,100 > "$work/probe.txt" 2> "$logs/probe.log"
cat "$work/probe.txt" >&2

say "one real prune of a copy of the series"
cp -a "$work/s3/bench/retention" "$work/s3/bench/copy"
other_before=$(objects other)
"$work/timed.sh" "$logs/real" "$ours" prune --from s3://bench/copy --cluster-name prod "${policy[@]}" -o json
real_wall=$(paste "$logs/real.t0" "$logs/real.t1" | awk '{ printf "%.2f", ($2 - $1) / 1000 }')
read -r real_rss real_user real_sys < "$logs/real.rss"
real_rss=$((real_rss / 1024)) real_cpu=$(awk -v u="$real_user" -v s="$real_sys" 'BEGIN { printf "%.1f", u + s }')
real_deleted=$(jq .deleted "$logs/real.json")
real_left=$(find "$work/s3/bench/copy/v1/prod" -type f | wc -l)
copy_other=$(find "$work/s3/bench/copy/v1/other" -type f | wc -l)
[[ $(objects other) == "$other_before" ]] || { echo "retention.sh: prune touched another series" >&2; exit 1; }
cp "$results" "$root/bench/out/results-$tag.jsonl"

# --- report ------------------------------------------------------------------------------------
say "writing the $tag section of $out"
disk=$(findmnt -no SOURCE,FSTYPE -T "$work" | awk '{print $1" ("$2")"}')
summary=$(jq -s '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  group_by(.id) | map({key: .[0].id, value: {median: (map(.wall) | median), min: (map(.wall) | min),
    max: (map(.wall) | max), rss: (map(.rssKiB) | max / 1024 | round), cpu: (map(.cpu) | median),
    s3: (map(.s3proxyCpu) | median)}}) | from_entries' "$results")
splits=$(jq -s '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  group_by(.id) | map({key: .[0].id, value: {start: (map(.start) | median), work: (map(.work) | median),
    end: (map(.end) | median)}}) | from_entries' "$work/split.jsonl")
row() { # id label
  jq -r --arg id "$1" '.[$id] | [.median, .min, .max, .rss, .cpu, .s3] | @tsv' <<< "$summary" |
    awk -F'\t' -v name="$2" '{ printf "| %s | %.2f s | %.2f s | %.2f s | %d MiB | %.1f s | %.1f s |\n", name, $1, $2, $3, $4, $5, $6 }'
}
secs() { jq -r --arg id "$1" --arg k "$2" '.[$id][$k] / 1000 | . * 100 | round / 100' <<< "$splits"; }
median=$(jq -r '.prune.median' <<< "$summary" | awk '{ printf "%.2f", $1 }')
goal=$(awk -v m="$median" 'BEGIN { print (m < 5 ? "met" : "missed") }')
load() { jq -r "$1" "$work/load-prod.json"; }
section=$(cat <<EOF
<!-- bench:begin $tag -->
## Retention: list and plan $backups backups${label:+ ($label)}

Run on $(date -u +%Y-%m-%d) with \`bench/retention.sh --backups $backups --others $others --reps $reps${java_opts:+ --java-opts \"$java_opts\"}${label:+ --label $label}\` ($(( ($(date +%s) - started_at) / 60 )) min in all).

| machine | |
|---|---|
| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores |
| RAM | $(awk '/^MemTotal/{printf "%.0f", $2 / 1048576}' /proc/meminfo) GiB |
| disk | $disk |
| load | load average $load_before before the run, $(cut -d' ' -f1-3 /proc/loadavg) after (other processes on the machine add noise) |
| kernel | $(uname -sr), $(. /etc/os-release; echo "$PRETTY_NAME") |
| Java | $(java -version 2>&1 | head -2 | tail -1), $( [[ -n $java_opts ]] && echo "\`JAVA_OPTS=$java_opts\`" || echo "bin/etcd-backup's defaults (\`$(bash -c "$(grep '^default_opts' "$ours")"'; printf %s "$default_opts"')\`$( [[ -r cli/target/etcd-backup.jsa ]] && echo ", class-data archive"))") |
| store | S3Proxy $S3PROXY_VERSION, filesystem backend, loopback, \`-Xmx512m\`, signed requests (\`aws-v2-or-v4\`) |
| runner | $(command -v hyperfine > /dev/null && hyperfine --version || echo "a loop") ($reps runs each), \`/usr/bin/time\` for the peak RSS |

Series: $backups hourly backups of \`prod\` ($(load .oldest) to $(load .newest), revisions $(load .firstRevision)
to $(load .lastRevision)), each a $(load .manifestBytes)-byte manifest and a data object of 200-800 bytes
($(( backups * 2 )) objects), written in $(load .seconds) s by \`bench/SeriesLoader.java\` (16 writers); beside
them $others backups of \`other\` in the same store. Policy: \`${policy[*]}\` (and the
floor's defaults: --min-keep 3, --prune-grace 1h): it keeps $(jq .kept "$logs/prune.json") and would delete $(jq .deleted "$logs/prune.json").

| command | median | min | max | peak RSS | CPU (user + sys), median | S3Proxy's CPU per run |
|---|---|---|---|---|---|---|
$(row prune "\`prune --dry-run -o json\` (list, read $backups manifests, plan)")
$(row list "\`list -o json\` (list, read $backups manifests, print)")

**Goal: \`prune --dry-run\` of $backups backups under 5 s: $goal** (median $median s).

Where a run's time goes (medians, from each run's log lines): JVM start to the S3 client
(class loading, picocli, the client) $(secs prune start) s; listing, $backups manifest reads and the plan
$(secs prune work) s; output and exit $(secs prune end) s. For list: $(secs list start) s, then $(secs list work) s to the
exit. The JVM's own start is 0.5-1 s of the first step; the rest is the work.

Steps inside one JVM (\`bench/ScanProbe.java\`, after the timed runs; the listing is the first request of a
cold JVM, everything after it runs warm), then the same series in the probe's latency model of a remote S3
(served from memory after 20 ms per GET and 100 ms per page of 1,000 keys: the order of magnitude of S3 in
the same region, assumed, not measured here):

\`\`\`
$(cat "$work/probe.txt")
\`\`\`

One real prune (not a dry run) of a copy of the series: $real_wall s, $real_rss MiB, $real_cpu s of CPU; it deleted $real_deleted
backups and left $real_left objects of \`prod\`; the $copy_other objects of \`other\` beside them are untouched.
<!-- bench:end $tag -->
EOF
)
if [[ ! -f $out ]]; then
  printf '# Benchmarks\n\nMade by `bench/run.sh` and `bench/retention.sh`; each has sections of its own, replaced when it runs again.\n\n' > "$out"
fi
replace_section "$out" "$tag" "$section"
printf '%s\n' "$section" | sed -n '/^| command/,$p' >&2
say "done in $(( ($(date +%s) - started_at) / 60 )) min; logs in $logs"
