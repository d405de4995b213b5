#!/usr/bin/env bash
# lua-e2b benchmarks: the Lua SDK against the official JS SDK and raw curl, same emulator, same run.
#   bash bench/run.sh [--rounds N] [--quick] [--file-mib N] [--stream-mib N] [--ci-stream-mib N]
#                     [--max-minutes M] [--set all|sdk|ci|null] [--null-stream-mib N] [--seq-calls N]
#                     [--null-file-mib N] [--null-file-repeats N] [--smoke]
# --set null: the client-bound null server (bench/null/server.c) instead of the emulator; lua-e2b,
# the JS SDK and a C libcurl floor client (bench/null/floor.c); default 5 rounds within 5 minutes.
# --smoke (with --set null): one tiny round, the report on stdout only (bench/results and docs
# untouched; what spec/bench_null_spec.lua runs).
# One emulator; each round runs every scenario once per client, the client order rotating per
# round so load drift hits all of them alike. Writes bench/results/latest.md (latest-<set>.md for
# --set sdk|ci) and the figures blocks of docs/benchmarks.md (sdk: scenarios 1-5; ci: the code
# interpreter's, Lua and JS only).
# Exit status 1 if any client failed a check.
set -euo pipefail
trap 'echo "run.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
rounds=7 file_mib=256 stream_mib=64 ci_stream_mib=10 max_minutes=10 per_run_limit=300 set=all
null_stream_mib=256 null_file_mib=256 null_file_repeats=2 seq_calls=500 par_n=100 par_batches=5 rounds_given= minutes_given= smoke=

usage() { sed -n '2,10p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds needs a positive integer" >&2; exit 2; }
              rounds=$2 rounds_given=1; shift 2 ;;
    --quick) rounds=1 rounds_given=1; shift ;;
    --smoke) smoke=1; shift ;;
    --file-mib) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --file-mib needs a positive integer" >&2; exit 2; }
                file_mib=$2; shift 2 ;;
    --stream-mib) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --stream-mib needs a positive integer" >&2; exit 2; }
                  stream_mib=$2; shift 2 ;;
    --ci-stream-mib) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --ci-stream-mib needs a positive integer" >&2; exit 2; }
                     ci_stream_mib=$2; shift 2 ;;
    --set) [[ "${2:-}" =~ ^(all|sdk|ci|null)$ ]] || { echo "run.sh: --set needs all, sdk, ci or null" >&2; exit 2; }
           set=$2; shift 2 ;;
    --null-stream-mib) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --null-stream-mib needs a positive integer" >&2; exit 2; }
                       null_stream_mib=$2; shift 2 ;;
    --null-file-mib) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --null-file-mib needs a positive integer" >&2; exit 2; }
                     null_file_mib=$2; shift 2 ;;
    --null-file-repeats) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --null-file-repeats needs a positive integer" >&2; exit 2; }
                         null_file_repeats=$2; shift 2 ;;
    --seq-calls) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --seq-calls needs a positive integer" >&2; exit 2; }
                 seq_calls=$2; shift 2 ;;
    --max-minutes) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --max-minutes needs a positive integer" >&2; exit 2; }
                   max_minutes=$2 minutes_given=1; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

if [ "$set" = null ]; then   # the null set: 5 rounds within 5 minutes unless told otherwise
  [ -n "$rounds_given" ] || rounds=5
  [ -n "$minutes_given" ] || max_minutes=5
  per_run_limit=120
  if [ -n "$smoke" ]; then rounds=1 null_stream_mib=1 null_file_mib=1 null_file_repeats=1 seq_calls=20 par_n=10 par_batches=1 per_run_limit=60; fi
elif [ -n "$smoke" ]; then
  echo "run.sh: --smoke goes with --set null" >&2; exit 2
fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- prerequisites (GNU time for peak RSS; the C core; the emulator's node_modules) ---
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time (Debian package 'time') for peak RSS"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2 || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2; }
fi
if [ ! -f "$ROOT/build/e2b/core.so" ] || [ ! -d "$ROOT/emulator/node_modules/e2b" ] ||
   [ ! -d "$ROOT/emulator/node_modules/@e2b/code-interpreter" ]; then
  log "building the C core and installing the emulator (scripts/setup.sh)"
  bash "$ROOT/scripts/setup.sh" >&2
fi

work=$(mktemp -d /tmp/e2b-bench.XXXXXX)
emu_pid= null_pid= jit=
cleanup() {
  if [ -n "$null_pid" ] && kill -0 "$null_pid" 2>/dev/null; then
    kill -TERM "$null_pid" 2>/dev/null || true
    wait "$null_pid" 2>/dev/null || true
  fi
  # SIGTERM makes the emulator kill every sandbox it still runs.
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill -TERM "$emu_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$emu_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$emu_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -shared -fPIC -I/usr/include/lua5.4 -o "$work/benchclock.so" "$BENCH/lua/clock.c"

export E2B_API_URL E2B_SANDBOX_URL E2B_API_KEY
if [ "$set" = null ]; then
  # --- the null server (REST API and envd on one loopback port) and the C floor client ---
  gcc -O2 -o "$work/null-server" "$BENCH/null/server.c"
  gcc -O2 -o "$work/floor" "$BENCH/null/floor.c" "$BENCH/../core/engine/b64.c" -lcurl
  # lua-e2b on LuaJIT (what Neovim embeds) for the per-call scenarios N3/N4: the core built for
  # it from this tree into $work (a build-luajit/ could be stale), and the clock module too
  if command -v luajit >/dev/null && [ -d /usr/include/luajit-2.1 ]; then
    cmake -S "$ROOT" -B "$work/jit-build" -DLUA_VERSION=luajit -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$work/jit-build" -j2 --target e2b_core >/dev/null
    mkdir -p "$work/jit"
    gcc -O2 -shared -fPIC -I/usr/include/luajit-2.1 -o "$work/jit/benchclock.so" "$BENCH/lua/clock.c"
    printf '#!/bin/sh\nLUA_CPATH="%s/jit/?.so;%s/jit-build/?.so;;" exec luajit "$@"\n' "$work" "$work" >"$work/jit/client"
    chmod +x "$work/jit/client"
    jit=1
  fi
  "$work/null-server" --parent-pid $$ --max-seconds $((max_minutes * 60 + 600)) \
    >"$work/ready" 2>"$work/null-server.log" </dev/null &
  null_pid=$!
  for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.05; done
  [ -s "$work/ready" ] || { cat "$work/null-server.log" >&2; echo "run.sh: null server did not start" >&2; exit 1; }
  null_port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/ready")
  E2B_API_URL=http://127.0.0.1:$null_port E2B_SANDBOX_URL=http://127.0.0.1:$null_port
  E2B_API_KEY=e2b_0123456789abcdef0123456789abcdef01234567
else
  # --- one emulator for the whole run; --parent-pid stops it if this script dies ---
  node "$ROOT/emulator/bin/e2b-emulator.js" --api-port 0 --envd-port 0 --parent-pid $$ \
    >"$work/ready" 2>"$work/emulator.log" </dev/null &
  emu_pid=$!
  for _ in $(seq 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
  [ -s "$work/ready" ] || { cat "$work/emulator.log" >&2; echo "run.sh: emulator did not start" >&2; exit 1; }
  ready_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$work/ready"; }
  E2B_API_URL=$(ready_field api_url) E2B_SANDBOX_URL=$(ready_field sandbox_url) E2B_API_KEY=$(ready_field api_key)
fi
export LUA_PATH="$BENCH/lua/?.lua;$ROOT/lua/?.lua;$ROOT/lua/?/init.lua;;"
export LUA_CPATH="$work/?.so;$ROOT/build/?.so;;"
export BENCH_SRC=$work/src.bin BENCH_OUT=$work/out.bin BENCH_STREAM_BYTES=$((stream_mib * 1048576))
export BENCH_CI_STREAM_BYTES=$((ci_stream_mib * 1048576))
export BENCH_NULL_STREAM_BYTES=$((null_stream_mib * 1048576)) BENCH_SEQ_CALLS=$seq_calls
export BENCH_PAR_N=$par_n BENCH_PAR_BATCHES=$par_batches
# N6/N7: each client process moves the file --null-file-repeats times (one sample each)
export BENCH_NULL_FILE_BYTES=$((null_file_mib * 1048576)) BENCH_NULL_SRC=$work/null-src.bin
export BENCH_NULL_FILE_REPEATS=$null_file_repeats

# --- inputs and the checksums every client must reproduce ---
if [ "$set" = null ]; then
  null_stream_sum=$("$work/null-server" --dump-stdout "$BENCH_NULL_STREAM_BYTES" | sha256sum | cut -d' ' -f1)
  # N6 uploads this file (the server checks it against the same pattern); N7 downloads its bytes
  "$work/null-server" --dump-file "$BENCH_NULL_FILE_BYTES" >"$BENCH_NULL_SRC"
  # written back now, not 30 s later (the kernel's dirty expiry) in the middle of N6's uploads
  sync "$BENCH_NULL_SRC"
  null_file_sum=$(sha256sum <"$BENCH_NULL_SRC" | cut -d' ' -f1)
else
  head -c "$((file_mib * 1048576))" /dev/urandom >"$BENCH_SRC"
  src_sum=$(sha256sum "$BENCH_SRC" | cut -d' ' -f1)
fi
stream_sum=$({ yes 0123456789abcdef || true; } | head -c "$BENCH_STREAM_BYTES" | sha256sum | cut -d' ' -f1)
# the code interpreter's cell prints 1 KiB lines: 63 x "0123456789abcdef", "0123456789abcde\n"
ci_line=$(printf '0123456789abcdef%.0s' $(seq 63))0123456789abcde
ci_stream_sum=$({ yes "$ci_line" || true; } | head -c "$BENCH_CI_STREAM_BYTES" | sha256sum | cut -d' ' -f1)

client_cmd() {   # client scenario -> the command line
  case "$1" in
    lua) echo "lua5.4 $BENCH/lua/$2.lua" ;;
    luajit) echo "$work/jit/client $BENCH/lua/$2.lua" ;;
    js) echo "node $BENCH/js/$2.cjs" ;;
    curl) echo "bash $BENCH/curl/$2.sh" ;;
    floor) case "$2" in
             null_stream_cb) echo "$work/floor stream $BENCH_NULL_STREAM_BYTES cb" ;;
             null_stream_keep) echo "$work/floor stream $BENCH_NULL_STREAM_BYTES keep $BENCH_OUT" ;;
             null_seq) echo "$work/floor seq $BENCH_SEQ_CALLS" ;;
             null_par) echo "$work/floor par $BENCH_PAR_N $BENCH_PAR_BATCHES" ;;
             null_upload) echo "$work/floor upload $BENCH_NULL_SRC $BENCH_NULL_FILE_BYTES $BENCH_NULL_FILE_REPEATS" ;;
             null_download) echo "$work/floor download $BENCH_NULL_FILE_BYTES $BENCH_OUT $BENCH_NULL_FILE_REPEATS" ;;
           esac ;;
  esac
}

# CPU nanoseconds the null server has used so far (/proc/PID/schedstat: time on a CPU)
server_ns() { [ -n "$null_pid" ] && cut -d' ' -f1 "/proc/$null_pid/schedstat" || echo 0; }
# the server's CPU over one client run, per the unit its scenario reports
server_metric() {   # scenario ns -> "metric value" or nothing
  case "$1" in
    null_stream_*) awk -v ns="$2" -v b="$BENCH_NULL_STREAM_BYTES" 'BEGIN { printf "server_cpu_s_per_GB %.3f", ns / 1e9 / (b / 1e9) }' ;;
    null_upload|null_download) awk -v ns="$2" -v b=$((BENCH_NULL_FILE_BYTES * BENCH_NULL_FILE_REPEATS)) 'BEGIN { printf "server_cpu_s_per_GB %.3f", ns / 1e9 / (b / 1e9) }' ;;
    null_seq) awk -v ns="$2" -v n="$BENCH_SEQ_CALLS" 'BEGIN { printf "server_cpu_us_per_call %.3f", ns / 1e3 / n }' ;;
    null_par) awk -v ns="$2" -v n=$((BENCH_PAR_N * BENCH_PAR_BATCHES)) 'BEGIN { printf "server_cpu_us_per_call %.3f", ns / 1e3 / n }' ;;
  esac
}

results=$work/results.tsv failed=0
: >"$results"
record_fail() {   # scenario client round why
  failed=1
  printf '%s\t%s\t%s\t%s\tFAIL\n' "$1" "$2" "$3" "$(echo "$4" | tr '\t\n' '  ' | cut -c1-200)" >>"$results"
  log "FAIL $1 $2 round $3: $4"
}

# run_one scenario client round: one timed client process, its peak RSS, its output checked.
run_one() {
  local s=$1 c=$2 r=$3 rc=0 ns0 ns1
  rm -f "$BENCH_OUT" "$BENCH_OUT".*   # N7 writes OUT.1..OUT.R; a file there already would cost a replace
  if [ "$s" = null_require ]; then   # three fresh interpreters: require is a few ms
    for _ in 1 2 3; do
      $(client_cmd "$c" "$s") >>"$work/req" 2>"$work/stderr" || { record_fail "$s" "$c" "$r" "exit $?: $(tail -3 "$work/stderr")"; rm -f "$work/req"; return; }
    done
    sed -n "s/^result \([^ ]*\) \([^ ]*\)$/$s\t$c\t$r\t\1\t\2/p" "$work/req" >>"$results"
    rm -f "$work/req"
    return
  fi
  ns0=$(server_ns)
  # shellcheck disable=SC2046
  /usr/bin/time -f %M -o "$work/rss" timeout -k 5 "$per_run_limit" $(client_cmd "$c" "$s") \
    >"$work/stdout" 2>"$work/stderr" || rc=$?
  ns1=$(server_ns)
  if [ "$rc" != 0 ]; then
    record_fail "$s" "$c" "$r" "exit $rc: $(grep -v '^Command exited' "$work/stderr" | tail -3)"
    return
  fi
  case "$s" in
    files) [ "$(sha256sum <"$BENCH_OUT" | cut -d' ' -f1)" = "$src_sum" ] ||
             { record_fail "$s" "$c" "$r" "read-back copy differs from the source"; return; } ;;
    stream) [ "$(sha256sum <"$BENCH_OUT" | cut -d' ' -f1)" = "$stream_sum" ] ||
              { record_fail "$s" "$c" "$r" "stdout differs from the expected output"; return; } ;;
    null_stream_keep) [ "$(sha256sum <"$BENCH_OUT" | cut -d' ' -f1)" = "$null_stream_sum" ] ||
              { record_fail "$s" "$c" "$r" "stdout differs from the null server's"; return; } ;;
    null_download)
      # the first file's SHA-256 against the server's bytes, every later one byte for byte with it
      [ -f "$BENCH_OUT.1" ] && [ "$(sha256sum <"$BENCH_OUT.1" | cut -d' ' -f1)" = "$null_file_sum" ] ||
        { record_fail "$s" "$c" "$r" "the downloaded file differs from the null server's"; return; }
      for k in $(seq 2 "$BENCH_NULL_FILE_REPEATS"); do
        cmp -s "$BENCH_OUT.1" "$BENCH_OUT.$k" ||
          { record_fail "$s" "$c" "$r" "downloaded file $k differs from the null server's"; return; }
      done
      rm -f "$BENCH_OUT".* ;;
    ci_stream) [ "$(sha256sum <"$BENCH_OUT" | cut -d' ' -f1)" = "$ci_stream_sum" ] ||
                 { record_fail "$s" "$c" "$r" "the cell's stdout differs from the expected output"; return; } ;;
  esac
  grep -q '^result ' "$work/stdout" || { record_fail "$s" "$c" "$r" "no result line"; return; }
  sed -n "s/^result \([^ ]*\) \([^ ]*\)$/$s\t$c\t$r\t\1\t\2/p" "$work/stdout" >>"$results"
  printf '%s\t%s\t%s\trss_MiB\t%s\n' "$s" "$c" "$r" \
    "$(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")" >>"$results"
  if [ -n "$null_pid" ]; then
    server_metric "$s" $((ns1 - ns0)) | awk -v s="$s" -v c="$c" -v r="$r" 'NF == 2 { printf "%s\t%s\t%s\t%s\t%s\n", s, c, r, $1, $2 }' >>"$results"
  fi
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)
clients=(lua js curl)
scenarios=()
if [ "$set" = null ]; then
  clients=(lua js floor luajit)
  scenarios=(null_stream_cb null_stream_keep null_seq null_par null_upload null_download null_require)
else
  [ "$set" = ci ] || scenarios+=(roundtrip seq50 par20 files stream)
  [ "$set" = sdk ] || scenarios+=(ci_roundtrip ci_stream)
fi
# The whole run stays under --max-minutes: a round is only started if, at the pace of the rounds
# so far, it ends in time (the report says how many rounds ran).
done_rounds=0
for r in $(seq 1 "$rounds"); do
  spent=$(($(date +%s) - t_start))
  if [ "$r" -gt 1 ] && [ $((spent + spent / (r - 1) + 30)) -gt $((max_minutes * 60)) ]; then
    log "stopping after $((r - 1)) rounds: round $r would pass the ${max_minutes}-minute budget"
    break
  fi
  for s in "${scenarios[@]}"; do
    nc=3; [[ "$s" == ci_* || "$s" == null_require ]] && nc=2   # Lua SDK and JS SDK only
    [[ -n "$jit" && ( "$s" == null_seq || "$s" == null_par ) ]] && nc=4   # and lua-e2b on LuaJIT
    for k in $(seq 0 $((nc - 1))); do
      c=${clients[$(((k + r - 1) % nc))]}
      log "round $r/$rounds $s $c"
      run_one "$s" "$c" "$r"
    done
  done
  done_rounds=$r
done
t_total=$(($(date +%s) - t_start))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ---
{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'machine\t%s, %s cores, %s GiB RAM, %s\n' "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" \
    "$(nproc)" "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$(uname -sr)"
  printf 'load average (1/5/15 min)\tstart %s, end %s\n' "$load_start" "$load_end"
  printf 'Lua SDK\tlua-e2b %s (git %s) on %s, %s\n' \
    "$(lua5.4 -e 'io.write(require("e2b").version)')" "$(git -C "$ROOT" rev-parse --short HEAD)" \
    "$(lua5.4 -v 2>&1 | cut -d' ' -f1-2)" "$(lua5.4 -e 'io.write((require("e2b.core").curl_version:match("^%S+")))')"
  printf 'JS SDK\te2b %s, @e2b/code-interpreter %s, on node %s\n' \
    "$(node -p "require('$ROOT/emulator/node_modules/e2b/package.json').version")" \
    "$(node -p "require('$ROOT/emulator/node_modules/@e2b/code-interpreter/package.json').version")" "$(node -v)"
  if [ "$set" = null ]; then
    [ -z "$jit" ] || printf 'Lua SDK on LuaJIT\tthe same lua-e2b on %s (N3 and N4 only; core built for it)\n' "$(luajit -v | cut -d' ' -f1-2)"
    printf 'C floor\tbench/null/floor.c with core/engine/b64.c on %s (gcc -O2)\n' "$(curl-config --version 2>/dev/null || curl -V | head -1 | cut -d' ' -f1-2)"
    printf 'server\tthe null server (bench/null/server.c, epoll, precomputed answers), one for the whole run, on 127.0.0.1\n'
    printf 'rounds\t%s of %s asked (client order rotated per round); %s s in all\n' "$done_rounds" "$rounds" "$t_total"
    printf 'sizes\tstream %s MiB (32 KiB data messages), %s sequential calls, %s x %s concurrent calls, file %s MiB (x %s per client process)\n' \
      "$null_stream_mib" "$seq_calls" "$par_batches" "$par_n" "$null_file_mib" "$null_file_repeats"
  else
    printf 'raw curl\t%s, bash %s\n' "$(curl -V | head -1 | cut -d' ' -f1-2)" "${BASH_VERSION%%(*}"
    printf 'emulator\tone for the whole run, on loopback (bubblewrap sandboxes)\n'
    printf 'rounds\t%s of %s asked (client order rotated per round); %s s in all\n' "$done_rounds" "$rounds" "$t_total"
    printf 'sizes\tfile %s MiB, stream %s MiB, code interpreter stream %s MiB\n' "$file_mib" "$stream_mib" "$ci_stream_mib"
  fi
} >"$work/meta.tsv"
if [ -n "$smoke" ]; then   # the report on stdout, nothing written into the tree
  NULL_STREAM_MIB=$null_stream_mib NULL_FILE_MIB=$null_file_mib lua5.4 "$BENCH/report.lua" "$results" "$work/meta.tsv"
  log "smoke run done in ${t_total}s"
  exit "$failed"
fi
mkdir -p "$BENCH/results"
latest=latest; [ "$set" = all ] || latest=latest-$set   # a partial run keeps the full run's report
{
  echo "# lua-e2b benchmark run"
  echo
  if [ "$set" = null ]; then
    echo "Produced by \`bash bench/run.sh --set null --rounds $rounds --max-minutes $max_minutes --null-stream-mib $null_stream_mib --null-file-mib $null_file_mib --null-file-repeats $null_file_repeats --seq-calls $seq_calls\`; see docs/benchmarks.md for how to read it."
  else
    echo "Produced by \`bash bench/run.sh$( [ "$rounds" = 7 ] || echo " --rounds $rounds")$( [ "$set" = all ] || echo " --set $set") (file $file_mib MiB, stream $stream_mib MiB)\`; see docs/benchmarks.md for how to read it."
  fi
  echo
  NULL_STREAM_MIB=$null_stream_mib NULL_FILE_MIB=$null_file_mib lua5.4 "$BENCH/report.lua" "$results" "$work/meta.tsv"
} >"$BENCH/results/$latest.md"
cp "$results" "$BENCH/results/$latest.tsv"

# the figures blocks of docs/benchmarks.md (between the markers; the reading around it is prose):
# scenarios 1-5 between bench:begin/end, the code interpreter's between bench-ci:begin/end
doc=$ROOT/docs/benchmarks.md
update_block() {   # marker-name scenario-filter
  NULL_STREAM_MIB=$null_stream_mib NULL_FILE_MIB=$null_file_mib lua5.4 "$BENCH/report.lua" "$results" "$work/meta.tsv" "$2" >"$work/figures.md"
  [ -f "$doc" ] && grep -q "^<!-- $1:begin -->$" "$doc" || return 0
  lua5.4 - "$doc" "$work/figures.md" "$1" <<'LUA'
local doc, fig, name = arg[1], arg[2], arg[3]
local text = assert(io.open(doc)):read("a")
local figures = assert(io.open(fig)):read("a")
local pat = "(<!%-%- " .. name:gsub("%-", "%%-") .. ":begin %-%->\n).-(<!%-%- " .. name:gsub("%-", "%%-") .. ":end %-%->)"
local new, n = text:gsub(pat, function(a, b) return a .. figures .. b end)
assert(n == 1, "docs/benchmarks.md: the " .. name .. " markers must appear once")
assert(io.open(doc, "w")):write(new)
LUA
}
if [ "$set" = null ]; then
  update_block bench-null null
else
  [ "$set" = ci ] || update_block bench sdk
  [ "$set" = sdk ] || update_block bench-ci ci
fi
log "done in ${t_total}s: bench/results/$latest.md"
exit "$failed"
