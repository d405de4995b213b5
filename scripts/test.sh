#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs every test of the project:
#   1. the C core's unit tests (ctest)
#   2. the emulator's conformance suite, driven by E2B's official JS client
#   2b. the C core under ASan/UBSan and valgrind (ctest and spec/core_spec.lua), and the
#       engine's fuzz harnesses for a bounded time
#   3. the busted specs of the Lua SDK, end to end against a local emulator, on Lua 5.4, then
#      LuaJIT, 5.3, 5.2 and 5.1 (E2B_LUA_MATRIX overrides the list; "" runs 5.4 only)
#   4. the LuaRocks install (luarocks make into a private tree)
# and ends with one line "N passed, N failed". Exit status 0 only when nothing failed.
# Options: --quick skips the emulator's conformance suite.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh || { echo "setup failed"; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
passed=0; failed=0; stage_failed=()

count() { # stage name, passed, failed, exit status
  passed=$((passed + $2)); failed=$((failed + $3))
  if [[ $3 -ne 0 || $4 -ne 0 ]]; then stage_failed+=("$1"); fi
  [[ $2 -gt 0 || $3 -gt 0 ]] || { stage_failed+=("$1 (ran nothing)"); failed=$((failed + 1)); }
}

count_ctest() { # stage name, ctest log, exit status
  local total bad
  total=$(grep -oE 'tests failed out of [0-9]+' "$2" | grep -oE '[0-9]+$' || echo 0)
  bad=$(grep -oE '[0-9]+ tests failed' "$2" | grep -oE '^[0-9]+' || echo 0)
  count "$1" $((total - bad)) "$bad" "$3"
}

busted_counts() { # busted log -> "passed failed" from its closing line (failures + errors)
  local line p f e
  line=$(grep -E '[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' "$1" | tail -1)
  p=$(echo "$line" | grep -oE '^[0-9]+' || echo 0)
  f=$(echo "$line" | grep -oE '[0-9]+ failure' | grep -oE '[0-9]+' || echo 0)
  e=$(echo "$line" | grep -oE '[0-9]+ error' | grep -oE '[0-9]+' || echo 0)
  echo "${p:-0} $(( ${f:-0} + ${e:-0} ))"
}

echo "== C core unit tests (ctest)"
(cd build && ctest --output-on-failure) 2>&1 | tee "$logs/ctest"; rc=${PIPESTATUS[0]}
count_ctest ctest "$logs/ctest" "$rc"

# Memory checks of the C core: ASan+UBSan build (ctest + the specs that drive the core; any
# sanitizer report fails), then the unit tests under valgrind. A small ASan quarantine keeps the
# h2 spec's RSS check meaningful.
echo "== C core under ASan/UBSan (build-asan) and valgrind"
if cmake -S . -B build-asan -DE2B_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >"$logs/asan" 2>&1 &&
   cmake --build build-asan -j2 >>"$logs/asan" 2>&1; then
  export_san() {
    LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
    ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=16:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$@"
  }
  (cd build-asan && export_san timeout 120 ctest --output-on-failure) 2>&1 | tee "$logs/asan-ctest"; rc=${PIPESTATUS[0]}
  count_ctest "ctest (asan)" "$logs/asan-ctest" "$rc"
  LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" LUA_CPATH="$root/build-asan/?.so;;" \
    export_san timeout 150 lua5.4 /usr/bin/busted -o utfTerminal spec/core_spec.lua \
    spec/transport_spec.lua spec/h2_spec.lua spec/proxy_spec.lua 2>&1 | tee "$logs/asan-busted"
  rc=${PIPESTATUS[0]}
  read -r p f < <(busted_counts "$logs/asan-busted")
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|\.c:[0-9]+:[0-9]+: runtime error:' "$logs/asan-busted"; then
    f=$((f + 1)); echo "sanitizer report above"
  fi
  count "busted (asan)" "$p" "$f" "$rc"
else
  cat "$logs/asan"; count "build (asan)" 0 1 1
fi
# valgrind with no suppressions: the module stays loaded at exit (core/lua/module.c), so curl's
# one-time init is reachable, not lost; any definite/indirect leak or memory error fails.
vg() { timeout "$1" valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect "${@:2}"; }
vp=0; vf=0
for t in build/test_*; do
  if vg 120 "$t" >"$logs/vg" 2>&1; then vp=$((vp + 1))
  else vf=$((vf + 1)); echo "valgrind: $t"; cat "$logs/vg"; fi
done
count "valgrind ctest" "$vp" "$vf" 0
LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" LUA_CPATH="$root/build/?.so;;" \
  vg 240 lua5.4 /usr/bin/busted -o utfTerminal spec/core_spec.lua 2>&1 | tee "$logs/vg-busted"; rc=${PIPESTATUS[0]}
read -r p f < <(busted_counts "$logs/vg-busted")
count "valgrind core_spec" "$p" "$f" "$rc"

# The engine's libFuzzer harnesses (clang, ASan+UBSan), each for a bounded time from its seeds
# (core/tests/fuzz/run.sh: six harnesses, 11 s each, about 85 s with the build). Longer by hand:
# see core/README.md.
echo "== C engine fuzzing (core/tests/fuzz, libFuzzer)"
timeout 300 bash core/tests/fuzz/run.sh 2>&1 | tee "$logs/fuzz"; rc=${PIPESTATUS[0]}
count fuzz "$(grep -cE '^fuzz [a-z0-9_]+: ok' "$logs/fuzz")" "$(grep -cE '^fuzz [a-z0-9_]+: (FAILED|build failed)' "$logs/fuzz")" "$rc"

if [[ "${1:-}" != "--quick" ]]; then
  echo "== emulator conformance suite (official e2b JS client)"
  (cd emulator && timeout 1500 npm test --silent) 2>&1 | tee "$logs/node"; rc=${PIPESTATUS[0]}
  p=$(grep -E '^# pass [0-9]+' "$logs/node" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  f=$(grep -E '^# fail [0-9]+' "$logs/node" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  count emulator "$p" "$f" "$rc"
fi

run_busted() { # lua interpreter, build dir
  echo "== Lua specs on $1 (busted, against the local emulator)"
  LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" LUA_CPATH="$root/$2/?.so;;" \
    timeout 1500 "$1" /usr/bin/busted --helper=spec/helper.lua -o utfTerminal spec/ 2>&1 | tee "$logs/busted"
  rc=${PIPESTATUS[0]}
  local p f
  read -r p f < <(busted_counts "$logs/busted")
  count "busted $1" "$p" "$f" "$rc"
}
run_busted lua5.4 build
# The version matrix (E2B_LUA_MATRIX="luajit 5.1" to choose): each version gets its own core build.
for ver in ${E2B_LUA_MATRIX-luajit 5.3 5.2 5.1}; do
  if LUA_VERSION="$ver" bash scripts/setup.sh >"$logs/setup-$ver" 2>&1; then
    interp="lua$ver"; [[ "$ver" == luajit ]] && interp=luajit
    run_busted "$interp" "build-$ver"
  else
    cat "$logs/setup-$ver"; count "build $ver" 0 1 1
  fi
done

# The LuaRocks install (offline, Debian's libcurl/lua-cjson): `luarocks make` into a private tree,
# then the installed modules load and work.
echo "== LuaRocks: luarocks make rockspec/e2b-scm-1.rockspec"
tree="$logs/rocks"
if timeout 300 luarocks --lua-version 5.4 --tree "$tree" make rockspec/e2b-scm-1.rockspec >"$logs/rocks.log" 2>&1 &&
   (cd "$logs" && eval "$(luarocks --lua-version 5.4 --tree "$tree" path)" && E2B_TREE="$tree" lua5.4 -e '
     local e2b = require("e2b"); local core = require("e2b.core")
     assert(package.searchpath("e2b.core", package.cpath):find(os.getenv("E2B_TREE"), 1, true), "not the installed core")
     assert(core.b64encode(core.sha256("")) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
     assert(type(e2b.Sandbox.create) == "function" and type(e2b.async.spawn) == "function")
     print("installed e2b " .. e2b.version .. " loads and works")'); then
  count luarocks 1 0 0
else
  cat "$logs/rocks.log"; count luarocks 0 1 1
fi
rm -rf build.luarocks

echo
if ((${#stage_failed[@]})); then echo "failing stages: ${stage_failed[*]}"; fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && ${#stage_failed[@]} -eq 0 ]]
