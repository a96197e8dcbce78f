#!/usr/bin/env bash
# Builds a Debian bookworm minbase root filesystem in DIR (for the install tests, and as the base of
# Docker image imports). Idempotent: a DIR that is already complete is left alone; a half-built one
# (interrupted run) is never visible under DIR, because the root is built beside it and renamed.
#
#   scripts/debootstrap-root.sh DIR
#
# The mirror is read at run time from /etc/apt/sources.list.d/debian.sources (the URIs of the stanza
# whose Suites include bookworm), or taken from $REPRO_GET_DEBIAN_MIRROR; no host name lives here.
# Exit status: 0 built or already there; 3 the mirror cannot be reached (callers skip); 1 otherwise.
set -euo pipefail
export LC_ALL=C

dir=${1:?usage: $0 DIR}
suite=bookworm
marker=.repro-get-debootstrap-complete
dir=$(realpath -m "$dir")

if [[ -f $dir/$marker ]]; then
  echo "debootstrap-root: $dir is complete ($(cat "$dir/$marker"))"
  exit 0
fi
[[ $(id -u) == 0 ]] || { echo "debootstrap-root: must run as root (debootstrap creates device nodes and chroots)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap-root: debootstrap is not installed" >&2; exit 1; }

# deb822 sources: blank-line separated stanzas; print the first URI of the one whose Suites has $suite.
mirror_from_sources() {
  local f=/etc/apt/sources.list.d/debian.sources
  [[ -r $f ]] || return 0
  awk -v suite="$suite" '
    function flush() { if (has && uri != "") { print uri; found = 1; exit } has = 0; uri = "" }
    /^[ \t]*$/ { flush(); next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
    END { if (!found) flush() }
  ' "$f"
}
mirror=${REPRO_GET_DEBIAN_MIRROR:-$(mirror_from_sources)}
[[ -n $mirror ]] || { echo "debootstrap-root: no mirror: set REPRO_GET_DEBIAN_MIRROR or list $suite in /etc/apt/sources.list.d/debian.sources" >&2; exit 1; }
mirror=${mirror%/}

if ! curl -fsS --max-time 20 -o /dev/null "$mirror/dists/$suite/InRelease"; then
  echo "debootstrap-root: cannot reach $mirror/dists/$suite/InRelease" >&2
  exit 3
fi

# One builder at a time per DIR (parallel test workers); the others wait and then find it complete.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [[ -f $dir/$marker ]]; then
  echo "debootstrap-root: $dir was completed by another run"
  exit 0
fi

work=$dir.building
rm -rf "$work" "$dir"
trap 'rm -rf "$work"' EXIT
echo "debootstrap-root: building $suite minbase in $dir from $mirror (a few minutes)"
debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$suite" "$work" "$mirror" >"$dir.log" 2>&1 || {
  tail -n 30 "$dir.log" >&2
  if grep -qiE 'Failed getting release file|Couldn.t download|Temporary failure in name resolution|Connection (timed out|refused)' "$dir.log"; then exit 3; fi
  exit 1
}

# Leave no package lists or downloaded archives behind (the root is copied for every test).
rm -rf "$work"/var/lib/apt/lists/* "$work"/var/cache/apt/archives/*.deb "$work"/var/cache/apt/*.bin "$work/debootstrap"
mkdir -p "$work/var/lib/apt/lists/partial"

printf '%s %s minbase, built %s\n' "$suite" "$(dpkg --print-architecture)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/$marker"
mv "$work" "$dir"
trap - EXIT
echo "debootstrap-root: done: $dir"
