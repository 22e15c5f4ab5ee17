#!/bin/sh
# One box's ceiling (docs/scaling.md): the fleet simulator's fleet at HOSTS hosts (default
# 100,000) through the release build of a real server, timing every phase:
#   intake     `patchward simulate` reporting every host (reports/s as the simulator counts them)
#   process    the queued reports, `patchward process`
#   refresh    the simulator's mirror (real bookworm indexes on loopback)
#   find       a full `patchward find-updates --force` (wall, CPU, peak RSS)
#   one host   300 hosts report changed package sets to the running server: the server's debug
#              log gives each host's recompute time (median, p90, p99)
#   UI         wrk, 32 connections: dashboard, host list, filtered host list, host pages (p50, p99)
#   size       database file, server VmHWM and VmRSS
# Needs .bench/Packages.xz, .bench/updates-Packages.xz and .bench/security-Packages.xz (README,
# Performance) and wrk. The fleet is built once into DIR (default .bench/scale-HOSTS).
#   HOSTS=100000 sh ui/testdata/wrk/scale.sh [DIR]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
hosts=${HOSTS:-100000}
dir=${1:-$root/.bench/scale-$hosts}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=$dir/patchward
data=$dir/data
listen=127.0.0.1:8091
mirror=127.0.0.1:8098
base=http://$listen
idx="-index bookworm=$root/.bench/Packages.xz -index bookworm-updates=$root/.bench/updates-Packages.xz -index bookworm-security=$root/.bench/security-Packages.xz"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" .)

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
wait_http() {
  i=0
  until curl -s -o /dev/null "$1"; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "no answer from $1" >&2; exit 1; }
    sleep 0.1
  done
}
timed() { # LABEL CMD...: wall, CPU and peak RSS of CMD
  label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KB peak RSS" "$@" 2>>"$dir/times.log" >/dev/null
  tail -1 "$dir/times.log"
}

export PATCHWARD_REPO__ALLOW_NETWORKS=127.0.0.0/8
# The server's jobs stay out of the way while the phases are timed one by one.
export PATCHWARD_SCHEDULE__FIND_UPDATES="@every 1000h" PATCHWARD_SCHEDULE__REFRESH="0 4 1 1 *"
PATCHWARD_LOG_LEVEL=debug "$bin" serve --data "$data" --listen "$listen" >"$dir/serve.log" 2>&1 &
spid=$!
pids="$spid"
wait_http "$base/healthz"

n=$hosts; [ ! -f "$dir/fleet.done" ] || n=1 # a built fleet: only serve its mirror again
"$bin" simulate -server "$base" -serve "$mirror" -linger 100h -hosts "$n" -concurrency 4 $idx \
  >"$dir/simulate.log" 2>&1 &
pids="$pids $!"
if [ ! -f "$dir/fleet.done" ]; then
  echo "intake of $hosts hosts (long)"
  start=$(date +%s)
  until grep -q "serving the mirror for" "$dir/simulate.log" 2>/dev/null; do sleep 2; done
  echo "intake: $(($(date +%s) - start)) s wall; $(grep 'sent ' "$dir/simulate.log")" | tee -a "$dir/times.log"
  timed process "$bin" process --data "$data"
  timed refresh "$bin" refresh --data "$data"
  timed find-updates "$bin" find-updates --data "$data" --force
  printf 'bench password 123\n' | "$bin" user add bench --role viewer --password-stdin --data "$data" >/dev/null
  touch "$dir/fleet.done"
else
  until grep -q "serving the mirror for" "$dir/simulate.log" 2>/dev/null; do sleep 2; done
  timed find-updates "$bin" find-updates --data "$data" --force
fi

echo "one-host recompute: 300 hosts report changed package sets"
before=$(grep -c 'found updates for host' "$dir/serve.log" || true)
"$bin" simulate -server "$base" -hosts 300 -seed 7 -drift 1 -concurrency 1 $idx -mirror "http://$mirror" >/dev/null
# serve's process job runs every minute; wait for the 300 recomputes.
i=0
until [ "$(grep -c 'found updates for host' "$dir/serve.log")" -ge $((before + 300)) ]; do
  i=$((i + 1)); [ $i -lt 600 ] || break
  sleep 1
done
grep 'found updates for host' "$dir/serve.log" | tail -n +$((before + 1)) | sed -n 's/.*took=\([0-9.]*\)\(µs\|ms\|s\).*/\1 \2/p' |
  awk '{v=$1; if ($2=="µs") v/=1000; if ($2=="s") v*=1000; print v}' | sort -n |
  awk '{a[NR]=$1} END {printf "one-host recompute: n=%d median %.1f ms, p90 %.1f ms, p99 %.1f ms\n", NR, a[int(NR*0.5)+1], a[int(NR*0.9)+1], a[int(NR*0.99)+1]}' |
  tee -a "$dir/times.log"

jar=$dir/cookies
curl -s -c "$jar" -o /dev/null --data-urlencode username=bench --data-urlencode 'password=bench password 123' "$base/login"
cookie=$(awk '$6 == "patchward_session" {print $6 "=" $7}' "$jar")
[ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }
"$bin" hosts --json --data "$data" | python3 -c '
import json, sys, urllib.parse
hosts = json.load(sys.stdin)
names = sorted(h["hostname"] for h in hosts)
d = sys.argv[1]
with open(d + "/host.paths", "w") as f:
    for i in range(500):
        f.write("/hosts/" + urllib.parse.quote(names[(i * 7919) % len(names)], safe="") + "\n")
with open(d + "/hosts.paths", "w") as f:
    f.write("/hosts\n/hosts?page=2\n/hosts?page=117&sort=report&dir=desc\n")
os_ = sorted({h["os"] for h in hosts})[0]
with open(d + "/hostsf.paths", "w") as f:
    for q in ({"security": "yes", "sort": "security", "dir": "desc", "page": "3"}, {"q": names[42][:6], "os": os_},
              {"reboot": "no", "sort": "packages"}, {"stale": "no", "arch": "amd64", "sort": "os"}, {"q": names[7][:7]}):
        f.write("/hosts?" + urllib.parse.urlencode(q) + "\n")
with open(d + "/dashboard.paths", "w") as f:
    f.write("/\n")
print(len(names), "hosts")
' "$dir"
PATHS_DIR=$dir SERVER_PID=$spid URL=$base sh "$root/ui/testdata/wrk/run.sh" "$cookie" dashboard hosts hostsf host | tee -a "$dir/times.log"

echo "database: $(du -b "$data"/*.db | awk '{s+=$1} END {printf "%.2f GB", s/1e9}') ($(ls "$data"))" | tee -a "$dir/times.log"
echo "server: $(grep -E 'VmHWM|VmRSS' /proc/$spid/status | tr -s ' \t' ' ' | tr '\n' ' ')" | tee -a "$dir/times.log"
