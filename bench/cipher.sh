#!/usr/bin/env bash
# age's payload cipher (ChaCha20-Poly1305 in 64 KiB chunks) through each candidate provider, on the
# same data, once on each JDK, each in a JVM of its own (bench/CipherProbe.java):
#
#   bench/cipher.sh [--mb 300] [--rounds 4] [--jdk PATH]... [--out docs/benchmarks.md] [--no-build]
#
# Default JDKs: the java on PATH (17 here) and /usr/lib/jvm/temurin-25-jdk-amd64. libsodium comes
# through lazysodium-java 5.1.4, fetched for the bench only (its 5.2.0 needs Java 21). Writes (or
# replaces) the "cipher" section of --out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib.sh
. bench/lib.sh

mb=300 rounds=4 out=docs/benchmarks.md build=1 jdks=()
usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while (($#)); do
  case $1 in
    --mb) mb=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --jdk) jdks+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "cipher.sh: unknown argument $1" >&2; usage ;;
  esac
done
((${#jdks[@]})) || jdks=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/temurin-25-jdk-amd64)
started_at=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

sodium=5.1.4
if ((build)); then
  say "building backup-core"
  ./mvnw -B -q -ntp package -DskipTests -Dcds.skip=true -pl backup-core -am
fi
./mvnw -B -q -ntp dependency:get -Dartifact=com.goterl:lazysodium-java:$sodium >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./mvnw -B -q -ntp dependency:build-classpath -pl backup-core -Dmdep.includeScope=runtime -Dmdep.outputFile="$work/core.cp" >/dev/null
m2=${M2_REPO:-$HOME/.m2/repository}
cp=$root/backup-core/target/classes:$(cat "$work/core.cp")
cp+=:$m2/com/goterl/lazysodium-java/$sodium/lazysodium-java-$sodium.jar
cp+=:$m2/com/goterl/resource-loader/2.0.2/resource-loader-2.0.2.jar:$m2/net/java/dev/jna/jna/5.12.1/jna-5.12.1.jar

: > "$work/results.tsv"
for jdk in "${jdks[@]}"; do
  version=$("$jdk/bin/java" -version 2>&1 | sed -n 2p)
  say "$version: $mb MB, $rounds rounds"
  "$jdk/bin/java" -Xmx3g -Dprobe.lazysodium=$sodium -cp "$cp" bench/CipherProbe.java "$mb" "$rounds" \
    | awk -v jdk="$("$jdk/bin/java" -version 2>&1 | head -1 | cut -d'"' -f2)" -F'\t' '{ print jdk "\t" $0 }' \
    | tee -a "$work/results.tsv" >&2
done

section=$(cat <<EOF
<!-- bench:begin cipher -->
## age's payload cipher: ChaCha20-Poly1305 per provider

Run on $(date -u +%Y-%m-%d) with \`bench/cipher.sh --mb $mb --rounds $rounds\` ($(( ($(date +%s) - started_at) / 60 )) min in all):
$mb MB of Kubernetes-like JSON in memory, encrypted then decrypted on one thread, each JDK in a JVM of
its own; the rounds go round the candidates and the best of $((rounds - 1)) (after a warm-up) is shown, in
MB/s of plaintext. CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, AVX2$(grep -q avx512f /proc/cpuinfo && echo ", AVX-512" || echo ", no AVX-512");
load average $load_before before the run (other work on the machine adds noise).
\`chunks\`: the bare cipher over 64 KiB chunks, no age framing; \`age\`: a whole age file through Jagged's
channels; \`etcd-backup\`: \`AgeEncryption\`/\`AgeDecryption\` with the provider they choose on that JDK.

| JDK | what | provider | encrypt MB/s | decrypt MB/s |
|---|---|---|---|---|
$(awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$work/results.tsv")
<!-- bench:end cipher -->
EOF
)
replace_section "$out" cipher "$section"
printf '%s\n' "$section" >&2
