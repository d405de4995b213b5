#!/usr/bin/env bash
# Installs everything lua-e2b needs on a fresh Debian 12 machine and builds the C core.
# Idempotent and quick when everything is already there. Used by demo.sh, test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config git curl ca-certificates
  libcurl4-openssl-dev lua-cjson lua-busted luarocks
  lua5.4 liblua5.4-dev lua5.3 liblua5.3-dev lua5.2 liblua5.2-dev lua5.1 liblua5.1-0-dev
  luajit libluajit-5.1-dev
  nodejs npm bubblewrap python3 util-linux procps valgrind neovim lua-luv time openssl
  clang libclang-rt-14-dev
  iproute2 nftables slirp4netns
  python3-ipykernel python3-jupyter-client python3-matplotlib python3-pandas
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (e.g. a preinstalled toolchain): accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The emulator's Node dependencies, exactly as locked.
if [[ ! -d emulator/node_modules || emulator/package-lock.json -nt emulator/node_modules/.package-lock.json ]]; then
  echo "setup: npm ci (emulator)"
  (cd emulator && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The C core: for Lua 5.4 in build/, and for LuaJIT in build-luajit/ (what Neovim embeds; the
# Neovim plugin and its test use it). LUA_VERSION=5.1|5.2|5.3|5.4|luajit builds just that one.
build_core() {
  local ver=$1 dir="build"
  [[ "$ver" == 5.4 ]] || dir="build-$ver"
  cmake -S . -B "$dir" -DLUA_VERSION="$ver" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$dir" -j2 >/dev/null
  echo "setup: ok (core for Lua $ver in $dir/e2b/core.so)"
}
if [[ -n "${LUA_VERSION:-}" ]]; then
  build_core "$LUA_VERSION"
else
  build_core 5.4
  build_core luajit
fi
