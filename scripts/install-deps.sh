#!/usr/bin/env bash
# install-deps.sh: makes sure this machine can build, boot and test the
# system. Called by `make qemu`, `make test` and `make bench` before they
# build, so it must be a fast, silent no-op when everything is present.
#
# What it looks after:
#   * the Debian packages of scripts/deps.list: the cross compiler, QEMU,
#     graphviz, and every program or plugin a test uses. Missing ones are
#     installed with apt-get when we are root; otherwise the script names
#     exactly what to install and fails.
#   * Playwright (npm) for the live view's browser test, in build/browser.
#   * the lwIP 2.1.3 source tree, taken from Debian's *source* package
#     `lwip`. The download is kept in build/deps/ (which `make clean`
#     spares) and unpacked into build/lwip/lwip-2.1.3. lwIP is never
#     committed to this repository. LWIP_SRC=DIR in the environment names
#     an already unpacked tree to use instead; then nothing is fetched.
#
# Usage: scripts/install-deps.sh [--check-or-install | --check]
#   --check-or-install  (default) install what is missing
#   --check             only report; exit 1 if anything is missing
set -euo pipefail

# The upstream release we build against, pinned by the hash of Debian's
# repacked original tarball: a different file must never slip in quietly.
LWIP_VERSION=2.1.3
LWIP_DEB_UPSTREAM="${LWIP_VERSION}+dfsg1"
LWIP_ORIG="lwip_${LWIP_DEB_UPSTREAM}.orig.tar.xz"
LWIP_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS_DIR="$ROOT/build/deps/lwip"          # download cache, survives make clean
LWIP_PARENT="$ROOT/build/lwip"
LWIP_DEFAULT="$LWIP_PARENT/lwip-$LWIP_VERSION"
STAMP_NAME=".unpacked-sha256"              # written last: marks a complete unpack
# Our own apt source files for deb-src entries (we never edit the machine's).
OUR_LIST=/etc/apt/sources.list.d/xv6-streams-src.list
OUR_SOURCES=/etc/apt/sources.list.d/xv6-streams-src.sources

mode=install
case "${1:-}" in
  ""|--check-or-install) mode=install ;;
  --check) mode=check ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) echo "install-deps: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

say()  { echo "install-deps: $*" >&2; }
die()  { say "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- host tools

# Which packages there are, and how to tell one is present, is written
# once, in scripts/deps.list; tests/deps.py reads the same table.
DEPS_LIST="$ROOT/scripts/deps.list"
[ -r "$DEPS_LIST" ] || die "no package table $DEPS_LIST"

probe_found() {   # probe_found PROBE: a command, or an absolute path (glob)
  local p=$1 f
  case "$p" in
    /*) for f in $p; do [ -e "$f" ] && return 0; done; return 1 ;;
    *)  have "$p" || [ -x "/usr/sbin/$p" ] || [ -x "/sbin/$p" ] ;;
  esac
}

missing_pkgs=()
missing_what=()
while read -r pkg probes what; do
  case "$pkg" in ""|\#*) continue ;; esac
  found=no
  IFS=, read -r -a plist <<<"$probes"
  for p in "${plist[@]}"; do      # alternatives; a+b: both
    IFS=+ read -r -a all <<<"$p"
    ok=yes
    for q in "${all[@]}"; do probe_found "$q" || ok=no; done
    [ $ok = yes ] && { found=yes; break; }
  done
  if [ $found = no ]; then
    missing_pkgs+=("$pkg")
    missing_what+=("$what ($probes)")
  fi
done <"$DEPS_LIST"

if [ ${#missing_pkgs[@]} -gt 0 ]; then
  if [ "$mode" = check ] || ! is_root || ! have apt-get; then
    say "missing: ${missing_what[*]}"
    say "install the Debian packages: ${missing_pkgs[*]}"
    say "  e.g.  sudo apt-get install ${missing_pkgs[*]}"
    exit 1
  fi
  say "installing ${missing_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || say "warning: apt-get update reported errors"
  apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null ||
    die "apt-get install ${missing_pkgs[*]} failed"
fi

# ---------------------------------------------------------------- npm packages

# The view's browser test drives the system's Chromium with Playwright,
# from the npm registry: tests/browser/package.json and its lock file are
# installed with `npm ci` into build/browser (never committed), again only
# when the lock file differs from the one the last install used.
browser_deps() {
  local src="$ROOT/tests/browser" dst="$ROOT/build/browser" want
  [ -f "$src/package-lock.json" ] || return 0
  want=$(sha256sum "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
  [ "$(cat "$dst/.npm-ci-sha256" 2>/dev/null)" = "$want" ] && [ -d "$dst/node_modules" ] && return 0
  if [ "$mode" = check ]; then
    say "missing: Playwright in build/browser (run without --check to install it)"
    exit 1
  fi
  have npm || die "npm is missing (Debian package npm)"
  say "installing Playwright into build/browser (npm ci)"
  mkdir -p "$dst"
  cp "$src/package.json" "$src/package-lock.json" "$dst/"
  (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1) || {
    cat "$dst/npm-ci.log" >&2
    die "npm ci in build/browser failed"
  }
  echo "$want" >"$dst/.npm-ci-sha256"
}
browser_deps

# ---------------------------------------------------------------- lwIP tree

lwip_tree_ok() { [ -f "$1/src/core/tcp.c" ] && [ -f "$1/COPYING" ]; }

# A tree named by the user is used as it is (relative names are taken from
# the repository root, like the Makefile's).
if [ -n "${LWIP_SRC:-}" ]; then
  user_src=$(cd "$ROOT" && realpath -m -- "$LWIP_SRC")
  if [ "$user_src" != "$LWIP_DEFAULT" ]; then
    lwip_tree_ok "$user_src" ||
      die "LWIP_SRC=$LWIP_SRC is not an lwIP source tree (no src/core/tcp.c or COPYING)"
    exit 0
  fi
fi

# Fast path: already unpacked from the pinned tarball.
if lwip_tree_ok "$LWIP_DEFAULT" &&
   [ "$(cat "$LWIP_DEFAULT/$STAMP_NAME" 2>/dev/null)" = "$LWIP_SHA256" ]; then
  exit 0
fi

if [ "$mode" = check ]; then
  say "missing: lwIP $LWIP_VERSION source tree in build/lwip (run without --check to fetch it)"
  exit 1
fi

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# Does apt know the lwip source package in the release we pin?
# Prints the newest matching Debian version, e.g. 2.1.3+dfsg1-3.
lwip_src_version() {
  { apt-cache showsrc lwip 2>/dev/null || true; } |
    sed -n "s/^Version: \(${LWIP_DEB_UPSTREAM//+/[+]}-[^ ]*\)$/\1/p" |
    sort -V | tail -n 1
}

# Is there any deb-src entry at all on this machine?
deb_src_configured() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -Eiq '^Types:.*deb-src' "$f" && return 0
  done
  return 1
}

# apt keeps each repository's Release file under a name derived from its
# URI and suite; its Origin field tells Debian's own archive apart from
# third-party repositories, which usually publish no sources at all.
# Prints "debian", "other" or "unknown" (never fetched).
release_origin() {   # release_origin URI SUITE
  local uri=${1%/} suite=$2 name f
  uri=${uri#*://}
  name=$(printf '%s/dists/%s/' "$uri" "$suite" | tr '/' '_')
  for f in "/var/lib/apt/lists/${name}InRelease" "/var/lib/apt/lists/${name}Release"; do
    if [ -f "$f" ]; then
      if grep -q '^Origin: Debian$' "$f"; then echo debian; else echo other; fi
      return
    fi
  done
  echo unknown
}

# Write deb-src twins of the machine's Debian `deb` entries into files of
# our own. Both apt formats are understood: one-line entries
# ("deb [opts] URI SUITE COMPONENT...") and deb822 paragraphs in *.sources.
# If no entry can be identified as Debian's (apt never updated), all
# entries are mirrored and apt-get update sorts them out.
write_deb_src() {
  local f line list_out="" sources_out="" any_debian=no
  local -a list_all=() sources_all=()

  # one-line format
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    while IFS= read -r line; do
      local rest opts="" uri suite origin
      case "$line" in deb\ *|deb$'\t'*) ;; *) continue ;; esac
      rest=${line#deb}
      rest=${rest#"${rest%%[![:space:]]*}"}
      if [ "${rest:0:1}" = "[" ]; then
        opts="${rest%%]*}]"; rest=${rest#*]}; rest=${rest#"${rest%%[![:space:]]*}"}
      fi
      read -r uri suite _ <<<"$rest"
      [ -n "${suite:-}" ] || continue
      case "$suite" in */) continue ;; esac   # flat repositories: no dists/
      origin=$(release_origin "$uri" "$suite")
      list_all+=("deb-src ${opts:+$opts }$rest")
      if [ "$origin" = debian ]; then
        any_debian=yes
        list_out+="deb-src ${opts:+$opts }$rest"$'\n'
      fi
    done <"$f"
  done

  # deb822 format: one paragraph per blank-line separated block.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    local para
    while IFS= read -r -d $'\x1e' para; do
      local types uris suites comps signed enabled u s keep=no
      types=$(printf '%s\n' "$para" | sed -n 's/^Types:[[:space:]]*//Ip' | head -n1)
      uris=$(printf '%s\n' "$para" | sed -n 's/^URIs:[[:space:]]*//Ip' | head -n1)
      suites=$(printf '%s\n' "$para" | sed -n 's/^Suites:[[:space:]]*//Ip' | head -n1)
      comps=$(printf '%s\n' "$para" | sed -n 's/^Components:[[:space:]]*//Ip' | head -n1)
      signed=$(printf '%s\n' "$para" | sed -n 's/^Signed-By:[[:space:]]*//Ip' | head -n1)
      enabled=$(printf '%s\n' "$para" | sed -n 's/^Enabled:[[:space:]]*//Ip' | head -n1)
      case " $types " in *" deb "*) ;; *) continue ;; esac
      [ "${enabled,,}" = no ] && continue
      [ -n "$uris" ] && [ -n "$suites" ] && [ -n "$comps" ] || continue
      for u in $uris; do
        for s in $suites; do
          [ "$(release_origin "$u" "$s")" = debian ] && keep=yes
        done
      done
      local out="Types: deb-src"$'\n'"URIs: $uris"$'\n'"Suites: $suites"$'\n'"Components: $comps"$'\n'
      # Only a key file path can be copied on one line; embedded keys are left out.
      case "$signed" in /*) out+="Signed-By: $signed"$'\n' ;; esac
      sources_all+=("$out")
      if [ $keep = yes ]; then any_debian=yes; sources_out+="$out"$'\n'; fi
    done < <(awk 'BEGIN{RS=""; ORS="\x1e"} {print}' "$f")
  done

  if [ $any_debian = no ]; then
    list_out=""; sources_out=""
    for line in "${list_all[@]+"${list_all[@]}"}"; do list_out+="$line"$'\n'; done
    for line in "${sources_all[@]+"${sources_all[@]}"}"; do sources_out+="$line"$'\n'; done
  fi
  [ -n "$list_out$sources_out" ] ||
    die "found no 'deb' entries in apt's sources to derive a deb-src entry from"

  local header="# Source-package twins of this machine's Debian entries, added by
# scripts/install-deps.sh of xv6-streams to fetch the lwip source package.
# Safe to delete."
  if [ -n "$list_out" ]; then
    printf '%s\n%s' "$header" "$list_out" >"$OUR_LIST"
    say "added deb-src entries in $OUR_LIST"
  fi
  if [ -n "$sources_out" ]; then
    printf '%s\n\n%s' "$header" "$sources_out" >"$OUR_SOURCES"
    say "added deb-src entries in $OUR_SOURCES"
  fi
}

# Make sure build/deps/lwip holds the pinned original tarball.
fetch_lwip() {
  mkdir -p "$DEPS_DIR"
  local tarball="$DEPS_DIR/$LWIP_ORIG"
  if [ -f "$tarball" ] && [ "$(sha_of "$tarball")" = "$LWIP_SHA256" ]; then
    return 0
  fi
  have apt-get ||
    die "no apt-get: fetch Debian's source package 'lwip' ($LWIP_ORIG) into build/deps/lwip, or set LWIP_SRC=DIR to an unpacked lwIP $LWIP_VERSION tree"

  local ver
  ver=$(lwip_src_version)
  if [ -z "$ver" ]; then
    is_root ||
      die "apt knows no source package lwip $LWIP_DEB_UPSTREAM; as root run this script (it adds a deb-src entry), or set LWIP_SRC=DIR"
    deb_src_configured || write_deb_src
    say "updating apt's package lists"
    apt-get update -qq || say "warning: apt-get update reported errors"
    ver=$(lwip_src_version)
    [ -n "$ver" ] || die "apt still knows no source package lwip $LWIP_DEB_UPSTREAM after adding deb-src entries"
  fi

  say "downloading source package lwip=$ver"
  local log="$DEPS_DIR/apt-get-source.log"
  rm -f "$tarball"
  # As root apt drops to its sandbox user, which may not be allowed to write
  # here; the download is verified by hash below anyway.
  local sandbox=()
  is_root && sandbox=(-o APT::Sandbox::User=root)
  if ! (cd "$DEPS_DIR" && apt-get "${sandbox[@]}" source --download-only "lwip=$ver") >"$log" 2>&1; then
    cat "$log" >&2
    die "apt-get source --download-only lwip=$ver failed"
  fi
  [ -f "$tarball" ] || die "apt-get source did not produce $LWIP_ORIG (see $log)"
  local got
  got=$(sha_of "$tarball")
  if [ "$got" != "$LWIP_SHA256" ]; then
    mv -f "$tarball" "$tarball.bad"
    die "SHA-256 mismatch for $LWIP_ORIG: expected $LWIP_SHA256, got $got (kept as $LWIP_ORIG.bad)"
  fi
}

# Unpack into a scratch directory first and rename at the end, so an
# interrupted run never leaves a half tree that looks complete.
unpack_lwip() {
  local tarball="$DEPS_DIR/$LWIP_ORIG" tmp top
  mkdir -p "$LWIP_PARENT"
  tmp=$(mktemp -d "$LWIP_PARENT/.unpack.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  tar -xJf "$tarball" -C "$tmp"
  top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
  [ "$(printf '%s\n' "$top" | wc -l)" -eq 1 ] && lwip_tree_ok "$top" ||
    die "$LWIP_ORIG does not unpack to a single lwIP source tree"
  echo "$LWIP_SHA256" >"$top/$STAMP_NAME"
  rm -rf "$LWIP_DEFAULT"
  mv "$top" "$LWIP_DEFAULT"
  rm -rf "$tmp"
  trap - EXIT
  say "lwIP $LWIP_VERSION unpacked in build/lwip/lwip-$LWIP_VERSION"
}

fetch_lwip
unpack_lwip
