#!/usr/bin/env bash
# Starts a private Docker daemon for the container-build tests, or reuses the one already answering
# on its socket (idempotent). Private on purpose: its own socket, data root and pid file, so it
# never touches a system daemon. No iptables and no bridge: builds use --network host (the fixture
# mirror is on 127.0.0.1) and nothing is ever pulled.
#
# Storage: overlay2 where the data root's file system supports it (about ten times faster than vfs
# for every build step and container here), else vfs, which works on any file system (e.g. inside
# another container's overlayfs). REPRO_GET_DOCKERD_STORAGE=vfs|overlay2 forces one.
#
#   scripts/start-dockerd.sh          start (or reuse) it; prints the DOCKER_HOST to use
#   scripts/start-dockerd.sh --stop   stop the daemon this script started (by its pid file)
#
# Env: REPRO_GET_DOCKERD_ROOT (default /var/lib/repro-get-docker), REPRO_GET_DOCKERD_WAIT (s, 60).
set -euo pipefail

sock=/run/repro-get-docker.sock
root=${REPRO_GET_DOCKERD_ROOT:-/var/lib/repro-get-docker}
exec_root=/run/repro-get-docker
pidfile=/run/repro-get-docker.pid
log=/run/repro-get-docker.log
host=unix://$sock
# docker.io's own client matches the daemon's API and has BuildKit built in (a newer client on
# PATH may need the buildx plugin for that).
client=$(command -v /usr/bin/docker || command -v docker || true)

# Mounts the daemon left under its own folders (a killed daemon leaves its BuildKit executors and
# the private bind of its data root): deepest first, and only ours.
unmount_leftovers() {
  local m
  for _ in 1 2 3; do
    m=$(findmnt -rn -o TARGET | grep -E "^($root|$exec_root)(/|\$)" | sort -r || true)
    [[ -n $m ]] || return 0
    while read -r t; do umount "$t" 2>/dev/null || umount -l "$t" 2>/dev/null || true; done <<<"$m"
  done
}

stop() {
  if [[ -f $pidfile ]]; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "start-dockerd.sh: dockerd $pid did not stop within 60s" >&2; return 1; fi
    rm -f "$pidfile"
  fi
  unmount_leftovers
}

if [[ ${1:-} == --stop ]]; then
  stop
  exit 0
fi

[[ $(id -u) == 0 ]] || { echo "start-dockerd.sh: needs root" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "start-dockerd.sh: dockerd not found (apt-get install docker.io)" >&2; exit 1; }
[[ -n $client ]] || { echo "start-dockerd.sh: docker client not found" >&2; exit 1; }

answering() { DOCKER_HOST=$host "$client" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# start DRIVER: 0 once the daemon answers; 1 if it exited or stayed silent (log kept in $log).
start() {
  # A pid file whose process is gone (a previous session, a crash) would make dockerd refuse.
  if [[ -f $pidfile ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  rm -f "$sock"
  mkdir -p "$root" "$exec_root"
  # setsid + nohup: the daemon must outlive the test process that started it.
  setsid nohup dockerd \
    --host "$host" \
    --data-root "$root" \
    --exec-root "$exec_root" \
    --pidfile "$pidfile" \
    --storage-driver "$1" \
    --iptables=false --ip6tables=false --ip-masq=false \
    --bridge=none \
    >"$log" 2>&1 </dev/null &
  local pid=$! wait_s=${REPRO_GET_DOCKERD_WAIT:-60}
  for _ in $(seq 1 $((wait_s * 5))); do
    answering && return 0
    # $! is dockerd itself unless setsid had to fork; then the pid file tells.
    kill -0 "$pid" 2>/dev/null || { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; } || return 1
    sleep 0.2
  done
  return 1
}

if ! answering; then
  ok=
  for driver in ${REPRO_GET_DOCKERD_STORAGE:-overlay2 vfs}; do
    if start "$driver"; then ok=1; break; fi
    echo "start-dockerd.sh: dockerd with $driver storage did not come up; its log ends with:" >&2
    tail -n 5 "$log" >&2 || true
    stop
  done
  [[ -n $ok ]] || { echo "start-dockerd.sh: no storage driver worked (see $log)" >&2; exit 1; }
fi
echo "$host"
