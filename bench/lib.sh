# shellcheck shell=bash disable=SC2154 # root, logs, work and keep are the caller's (below)
# Helpers of bench/run.sh and bench/retention.sh; sourced, not run. The caller sets `root` (the
# repository), `logs` (where servers log), `work` and `keep`, and declares `pids=()`: every server
# started here is added to it for `cleanup` to stop.

# The EXIT trap: stops the servers in `pids`, then removes `work` unless `keep` is 1.
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if ((keep)); then echo "${0##*/}: kept $work" >&2; else rm -rf "$work"; fi
}

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages given that are not installed yet.
need_packages() {
  local need=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  if ((${#need[@]})); then
    say "installing ${need[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "${0##*/}: $what did not come up; see $logs" >&2; exit 1
}

# Writes a CA and a server and a client certificate (EC P-256, the server's for 127.0.0.1 and
# localhost) into DIR: ca.crt, server.crt/.key, client.crt/.key.
make_pki() { # DIR
  mkdir -p "$1"
  (
    cd "$1"
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
}

# Starts one etcd member with mutual TLS (make_pki's files in PKI) on free loopback ports and waits
# for it; sets endpoint and tls (etcdctl's and etcd-backup's connection flags). Extra etcd flags follow.
start_tls_etcd() { # ETCD_BIN_DIR DATA_DIR PKI [flags...]
  local bin=$1 data=$2 pki=$3; shift 3
  local client_port peer_port
  client_port=$(free_port) peer_port=$(free_port)
  endpoint=https://127.0.0.1:$client_port
  say "etcd $("$bin/etcd" --version | awk '/etcd Version/{print $3}') on $endpoint"
  "$bin/etcd" --name bench --data-dir "$data" \
    --listen-client-urls "$endpoint" --advertise-client-urls "$endpoint" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "bench=http://127.0.0.1:$peer_port" \
    --client-cert-auth --trusted-ca-file "$pki/ca.crt" --cert-file "$pki/server.crt" --key-file "$pki/server.key" \
    "$@" > "$logs/etcd.log" 2>&1 &
  pids+=($!)
  tls=(--endpoints "$endpoint" --cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
  wait_for etcd "$bin/etcdctl" "${tls[@]}" endpoint health
}

S3PROXY_VERSION=4.1.0
# Sets s3proxy_jar, fetching S3Proxy's jar-with-dependencies from Maven Central the first time.
fetch_s3proxy() {
  mkdir -p "$root/bench/out/lib"
  s3proxy_jar=$root/bench/out/lib/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar
  if [[ ! -f $s3proxy_jar ]]; then
    say "fetching S3Proxy (Maven Central, org.gaul:s3proxy:$S3PROXY_VERSION:jar-with-dependencies)"
    "$root/mvnw" -B -q -ntp -N -f "$root/pom.xml" dependency:copy \
      -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" -DoutputDirectory="$root/bench/out/lib"
  fi
}

# Starts S3Proxy on a free loopback port with the filesystem backend in DIR (created), signed
# requests only (aws-v2-or-v4) under a fresh secret; sets s3_url, s3_id and s3_secret. The caller
# waits for it to answer.
start_s3proxy() { # DIR
  local dir=$1
  fetch_s3proxy
  s3_url=http://127.0.0.1:$(free_port)
  s3_id=bench s3_secret=bench-secret-$RANDOM$RANDOM
  mkdir -p "$dir/s3"
  cat > "$dir/s3proxy.properties" <<EOF
s3proxy.endpoint=$s3_url
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$s3_id
s3proxy.credential=$s3_secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$dir/s3
EOF
  say "S3Proxy on $s3_url (filesystem backend)"
  java -Xmx512m -jar "$s3proxy_jar" --properties "$dir/s3proxy.properties" > "$logs/s3proxy.log" 2>&1 &
  pids+=($!)
}

# Writes SECTION (text between "<!-- bench:begin TAG -->" and "<!-- bench:end TAG -->") into FILE:
# in place of the old section of that tag, else at the end.
replace_section() { # FILE TAG SECTION
  local file=$1 tag=$2 section=$3
  if grep -q "^<!-- bench:begin $tag -->" "$file"; then
    awk -v tag="$tag" -v new=<(printf '%s\n' "$section") '
      $0 == "<!-- bench:begin " tag " -->" { while ((getline line < new) > 0) print line; skip = 1; next }
      $0 == "<!-- bench:end " tag " -->" { skip = 0; next }
      !skip' "$file" > "$file.tmp" && mv "$file.tmp" "$file"
  else
    printf '\n%s\n' "$section" >> "$file"
  fi
}
