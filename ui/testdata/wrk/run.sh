#!/bin/sh
# Load the UI on the 10,000-host benchmark fleet with wrk (Debian package wrk), 32 connections.
# First, in another shell (prints the session cookie, serves until stopped):
#   PATCHWARD_SERVE_FLEET=127.0.0.1:8089 go test ./ui/ -run TestServeBenchFleet -timeout 0 -v
# Then: ui/testdata/wrk/run.sh 'patchward_session=...' dashboard hosts hostsf host
# Each request takes the next path of PAGE.paths; the server's CPU per request is read from /proc.
# Other servers: PATHS_DIR (where PAGE.paths are), SERVER_PID and URL override the defaults.
set -e
dir=$(dirname "$0")
paths=${PATHS_DIR:-$dir}
url=${URL:-http://127.0.0.1:8089}
cookie=$1; shift
spid=${SERVER_PID:-$(pgrep -f "ui.test.*TestServeBenchFleet" | head -1)}
for p in "$@"; do
  PATHS=$paths/$p.paths wrk -t2 -c32 -d3s -s "$dir/rotate.lua" -H "Cookie: $cookie" -H "Accept-Encoding: gzip" "$url" >/dev/null
  t0=$(awk '{print $14+$15}' /proc/$spid/stat)
  out=$(PATHS=$paths/$p.paths wrk -t2 -c32 -d15s --latency -s "$dir/rotate.lua" -H "Cookie: $cookie" -H "Accept-Encoding: gzip" "$url")
  t1=$(awk '{print $14+$15}' /proc/$spid/stat)
  n=$(echo "$out" | grep "requests in" | awk '{print $1}')
  echo "== $p  server-cpu-ms/req=$(echo "scale=3; ($t1-$t0)*1000/$(getconf CLK_TCK)/$n" | bc)  load=$(cut -d' ' -f1 /proc/loadavg)"
  echo "$out" | grep -E " 50%| 99%|Requests/sec|Non-2xx|Socket"
done
