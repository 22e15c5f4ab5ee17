#!/bin/sh
# The web UI under load on a 10,000-host fleet built by the fleet simulator through a real server:
# `patchward serve` (the release build), `patchward simulate` reporting 10,000 hosts made from the
# real bookworm indexes, `refresh` and `find-updates`; then wrk (Debian package wrk), 32
# connections, on the dashboard, host list, filtered host list and host pages, printing p50/p99 and
# the server's CPU per request.
#
# Needs .bench/Packages.xz, .bench/updates-Packages.xz and .bench/security-Packages.xz (see the
# README's Performance section). The fleet is built once into DIR (default .bench/simfleet) and
# reused by later runs; delete DIR to rebuild it.
#   sh ui/testdata/wrk/simfleet.sh [DIR]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
dir=${1:-$root/.bench/simfleet}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=$dir/patchward
data=$dir/data
listen=127.0.0.1:8090
mirror=127.0.0.1:8099
base=http://$listen
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" .)

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

wait_http() { # URL: wait up to 60 s for an answer
  i=0
  until curl -s -o /dev/null "$1"; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "no answer from $1" >&2; exit 1; }
    sleep 0.1
  done
}

# The simulator's mirror is on loopback, which refresh (serve's and the CLI's) refuses by default.
export PATCHWARD_REPO__ALLOW_NETWORKS=127.0.0.0/8
"$bin" serve --data "$data" --listen "$listen" >"$dir/serve.log" 2>&1 &
spid=$!
pids="$spid"
wait_http "$base/healthz"
# Measure the steady state: the jobs a start runs (update finding, the chart's point) write to
# the database, and the first page views after a write rebuild the cached fleet reads.
i=0
until grep -q 'job=history' "$dir/serve.log"; do
  i=$((i + 1)); [ $i -lt 600 ] || break
  sleep 0.1
done

if [ ! -f "$dir/fleet.done" ]; then
  echo "building the fleet in $dir (a few minutes)"
  "$bin" simulate -server "$base" -serve "$mirror" -linger 1h -hosts 10000 -concurrency 4 \
    -index bookworm="$root/.bench/Packages.xz" -index bookworm-updates="$root/.bench/updates-Packages.xz" \
    -index bookworm-security="$root/.bench/security-Packages.xz" >"$dir/simulate.log" 2>&1 &
  pids="$pids $!"
  until grep -q "serving the mirror for" "$dir/simulate.log" 2>/dev/null; do sleep 1; done
  grep "sent " "$dir/simulate.log"
  "$bin" process --data "$data" >/dev/null
  "$bin" refresh --data "$data" --quiet
  "$bin" find-updates --data "$data" --force
  printf 'bench password 123\n' | "$bin" user add bench --role viewer --password-stdin --data "$data" >/dev/null
  touch "$dir/fleet.done"
fi

jar=$dir/cookies
curl -s -c "$jar" -o /dev/null --data-urlencode username=bench --data-urlencode 'password=bench password 123' "$base/login"
cookie=$(awk '$6 == "patchward_session" {print $6 "=" $7}' "$jar")
[ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }

# Paths: 500 host pages; the list, its pages and sorts; filters that exist in this fleet.
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
' "$dir"
echo "fleet: $(wc -l <"$dir/host.paths") host pages of $("$bin" hosts --json --data "$data" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') hosts"

PATHS_DIR=$dir SERVER_PID=$spid URL=$base sh "$root/ui/testdata/wrk/run.sh" "$cookie" dashboard hosts hostsf host
