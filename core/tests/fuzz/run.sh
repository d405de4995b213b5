#!/usr/bin/env bash
# Builds the engine's libFuzzer harnesses (clang, ASan + UBSan) into build-fuzz/ and runs each
# for a bounded time from its seed corpus (core/tests/fuzz/corpus/<name>/, read only; new
# inputs go to a temporary directory). Any crash, sanitizer report or property failure (abort)
# fails. Prints one line per harness with its execution count.
#   core/tests/fuzz/run.sh                 # 11 s each (what scripts/test.sh runs)
#   FUZZ_SECONDS=600 core/tests/fuzz/run.sh connect redact   # longer, chosen harnesses
set -uo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
secs=${FUZZ_SECONDS:-11}
out=$root/build-fuzz
mkdir -p "$out"
all=(connect lines b64 buf redact procdata)
names=("$@")
((${#names[@]})) || names=("${all[@]}")
# every engine file but the two that need libcurl (the harnesses test the pure parts)
engine=()
for f in core/engine/*.c; do [[ $f == */client.c || $f == */request.c ]] || engine+=("$f"); done
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
        -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra)
status=0
for n in "${names[@]}"; do
  src=core/tests/fuzz/fuzz_$n.c
  if [[ ! "$out/fuzz_$n" -nt "$src" ]] || [[ -n "$(find core/engine -newer "$out/fuzz_$n" -name '*.[ch]' 2>/dev/null)" ]]; then
    clang "${cflags[@]}" -o "$out/fuzz_$n" "$src" "${engine[@]}" || { echo "fuzz $n: build failed"; status=1; continue; }
  fi
  work=$(mktemp -d)
  log=$work/log
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    timeout $((secs + 30)) "$out/fuzz_$n" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=1024 -artifact_prefix="$work/" "$work" "core/tests/fuzz/corpus/$n" >"$log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
  corp=$(grep -oE 'INITED cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | grep -oE 'corp: [0-9]+' | head -1)
  if [[ $rc -eq 0 ]]; then
    echo "fuzz $n: ok, ${execs:-?} executions in ${secs}s (seeds $corp)"
  else
    echo "fuzz $n: FAILED (exit $rc)"; tail -40 "$log"
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | while read -r f; do
      mkdir -p "$out/artifacts"; cp "$f" "$out/artifacts/"; echo "  kept $out/artifacts/$(basename "$f")"; done
    status=1
  fi
  rm -rf "$work"
done
exit $status
