#!/usr/bin/env bash
# The whole job on one machine, no cloud account needed: build etcd-backup, start a throwaway
# etcd with TLS on loopback, write sample data, back it up (zstd + age) into ./backups, list and
# verify it, restore it into a new data dir, start etcd on that, and show that keys and revision
# match. Everything it starts is stopped at the end; ./backups is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

need=()
for cmd_pkg in openssl:openssl jq:jq curl:curl age-keygen:age java:openjdk-17-jdk-headless; do
  command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || need+=("${cmd_pkg#*:}")
done
if ((${#need[@]})); then
  say "installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

say "building etcd-backup"
./mvnw -B -q -ntp package -DskipTests
export PATH="$root/bin:$PATH"

etcd_dir=${ETCD_35_BIN_DIR:-$root/.cache/etcd/3.5.30/usr/bin}
if [[ ! -x $etcd_dir/etcd ]]; then
  say "installing etcd"
  scripts/install-etcd.sh >/dev/null
fi
etcd=$etcd_dir/etcd
etcdctl=$etcd_dir/etcdctl

work=$(mktemp -d "${TMPDIR:-/tmp}/etcd-backup-quickstart.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

say "making a throwaway CA and certificates in $work/pki"
pki=$work/pki && mkdir -p "$pki" && cd "$pki"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=quickstart CA" -days 1 -out ca.crt 2>/dev/null
cat > ext.cnf <<'CNF'
[server]
subjectAltName = IP:127.0.0.1, DNS:localhost
extendedKeyUsage = serverAuth, clientAuth
[client]
extendedKeyUsage = clientAuth
CNF
for who in server client; do
  openssl ecparam -name prime256v1 -genkey -noout -out "$who.key"
  openssl req -new -key "$who.key" -subj "/CN=quickstart-$who" -out "$who.csr" 2>/dev/null
  openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
    -extfile ext.cnf -extensions "$who" -out "$who.crt" 2>/dev/null
done
cd "$root"

client_port=$(free_port); peer_port=$(free_port)
say "starting etcd 3.5 with mutual TLS on https://127.0.0.1:$client_port"
"$etcd" --name source --data-dir "$work/source.etcd" \
  --listen-client-urls "https://127.0.0.1:$client_port" --advertise-client-urls "https://127.0.0.1:$client_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "source=http://127.0.0.1:$peer_port" \
  --client-cert-auth --trusted-ca-file "$pki/ca.crt" --cert-file "$pki/server.crt" --key-file "$pki/server.key" \
  > "$work/source.log" 2>&1 &
pids+=($!)

tls=(--endpoints "https://127.0.0.1:$client_port" --cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
for _ in $(seq 100); do "$etcdctl" "${tls[@]}" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done

say "writing sample data (puts, updates, a delete, a lease with a key)"
for i in $(seq 1 50); do "$etcdctl" "${tls[@]}" put "/registry/configmaps/default/cm-$i" "{\"data\":{\"n\":\"$i\"}}" >/dev/null; done
for i in $(seq 1 10); do "$etcdctl" "${tls[@]}" put "/registry/configmaps/default/cm-$i" "{\"data\":{\"n\":\"$i\",\"v\":2}}" >/dev/null; done
"$etcdctl" "${tls[@]}" del /registry/configmaps/default/cm-50 >/dev/null
lease=$("$etcdctl" "${tls[@]}" lease grant 3600 | awk '{print $2}')
"$etcdctl" "${tls[@]}" put --lease="$lease" /registry/leases/kube-system/holder "quickstart" >/dev/null

say "etcd-backup health"
etcd-backup health "${tls[@]}"

say "etcd-backup snapshot --to ./backups (zstd + age)"
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")
etcd-backup snapshot --to ./backups --cluster-name quickstart --encrypt-to "$recipient" --verify-hashkv "${tls[@]}"

say "etcd-backup list --from ./backups"
etcd-backup list --from ./backups --cluster-name quickstart

say "etcd-backup verify --from ./backups latest"
etcd-backup verify --from ./backups --cluster-name quickstart latest --identity-file "$work/age.key"

restored_client=$(free_port); restored_peer=$(free_port)
say "etcd-backup restore into $work/restored.etcd"
etcd-backup restore --from ./backups --cluster-name quickstart latest --identity-file "$work/age.key" \
  --name restored --initial-cluster "restored=http://127.0.0.1:$restored_peer" \
  --initial-advertise-peer-urls "http://127.0.0.1:$restored_peer" --data-dir "$work/restored.etcd"

say "starting etcd on the restored data dir (http://127.0.0.1:$restored_client)"
"$etcd" --name restored --data-dir "$work/restored.etcd" \
  --listen-client-urls "http://127.0.0.1:$restored_client" --advertise-client-urls "http://127.0.0.1:$restored_client" \
  --listen-peer-urls "http://127.0.0.1:$restored_peer" --initial-advertise-peer-urls "http://127.0.0.1:$restored_peer" \
  --initial-cluster "restored=http://127.0.0.1:$restored_peer" > "$work/restored.log" 2>&1 &
pids+=($!)
plain=(--endpoints "http://127.0.0.1:$restored_client")
for _ in $(seq 100); do "$etcdctl" "${plain[@]}" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done

say "comparing keys and revision"
# The backup holds the source as of its revision (read from the file itself, in the manifest); the
# backup wrote nothing into the source (no --lock), so the two agree at that revision.
rev=$(etcd-backup list --from ./backups --cluster-name quickstart -o json | jq '.[0].revision')
kvs() { "$etcdctl" "$@" get "" --prefix -w json | jq -S '[.kvs[] | {key, value, create_revision, mod_revision, version}]'; }
kvs "${tls[@]}" --rev="$rev" > "$work/source.json"
kvs "${plain[@]}" > "$work/restored.json"
restored_rev=$("$etcdctl" "${plain[@]}" get "" --prefix --keys-only -w json | jq .header.revision)
if [[ $restored_rev != "$rev" ]]; then
  echo "quickstart: the restored etcd is at revision $restored_rev, the backup at $rev" >&2
  exit 1
fi
if ! diff -q "$work/source.json" "$work/restored.json" >/dev/null; then
  diff "$work/source.json" "$work/restored.json" | head -20
  echo "quickstart: the restored etcd differs from the source at revision $rev" >&2
  exit 1
fi
echo "source (at revision $rev) and restored etcd agree: $(jq length "$work/source.json") keys, same values," \
  "create and mod revisions and versions; the restored etcd is at revision $restored_rev"
"$etcdctl" "${plain[@]}" lease timetolive "$lease" --keys

say "etcd-backup schedule --config examples/schedule.yaml (the daemon, for a few seconds)"
# The example takes its connection from etcdctl's variables; its jobs fire every 15 minutes, daily
# and weekly, so here it only starts, checks the store, schedules, serves, and stops on SIGTERM.
daemon_port=$(free_port)
ETCDCTL_ENDPOINTS="https://127.0.0.1:$client_port" ETCDCTL_CACERT="$pki/ca.crt" ETCDCTL_CERT="$pki/client.crt" \
  ETCDCTL_KEY="$pki/client.key" etcd-backup schedule --config examples/schedule.yaml \
  --listen "127.0.0.1:$daemon_port" > "$work/schedule.log" 2>&1 &
daemon=$!
pids+=("$daemon")
for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$daemon_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
if ! curl -fsS "http://127.0.0.1:$daemon_port/readyz" >/dev/null; then
  cat "$work/schedule.log" >&2
  echo "quickstart: the daemon did not become ready" >&2
  exit 1
fi
curl -fsS "http://127.0.0.1:$daemon_port/status" | jq -r '"role \(.role)", (.jobs[] | "  \(.name) (\(.kind), \(.cron)): next fire \(.nextFire)")'
kill -TERM "$daemon"
wait "$daemon" || { cat "$work/schedule.log" >&2; echo "quickstart: the daemon did not stop cleanly" >&2; exit 1; }

say "done: backups are in ./backups; everything started was stopped"
