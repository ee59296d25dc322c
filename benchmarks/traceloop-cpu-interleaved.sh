#!/usr/bin/env bash
# CPU time per syscall that traceloop costs, in interleaved rounds: a C loop of N `syscall(SYS_getppid)` reports its own
# user + system time per call (getrusage: the BPF programs run in the process's system time, so this is less sensitive
# to the rest of the machine than wall time). Arms, in a rotating order each round: untraced; with --floor, untraced
# while empty programs sit on the same hooks (the benchmarks' `syscall-floor` mode); for each build, `not-recorded-NAME`
# (untraced while that build's `traceloop run -- sleep 600` records another cgroup) and `recorded-NAME` (the loop under
# `traceloop run`). Prints each arm's median of the per-round differences to the untraced arm (ns per syscall) and, with
# --floor, the median of the per-round ratios of that difference to the floor's.
# Needs root, gcc and built traceloop CLIs (dotnet build samples/Traceloop -c Release).
# Usage: benchmarks/traceloop-cpu-interleaved.sh [--rounds N] [--calls N] [--floor PATH/Gadget.Benchmarks.dll]
#          --traceloop NAME=PATH/traceloop.dll [--traceloop ...]
set -euo pipefail
rounds=15
calls=1000000
floor_dll=
names=()
dlls=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    --floor) floor_dll=$2; shift 2 ;;
    --traceloop) names+=("${2%%=*}"); dlls+=("${2#*=}"); shift 2 ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done
[ ${#dlls[@]} -gt 0 ] || { sed -n '2,11p' "$0"; exit 2; }
work=$(mktemp -d)
holder=
cleanup() {
  [ -n "$holder" ] && { pkill -P "$holder" sleep 2>/dev/null; kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/loop.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	long n = atol(argv[1]);
	struct rusage a, b;
	getrusage(RUSAGE_SELF, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	getrusage(RUSAGE_SELF, &b);
	double us = (b.ru_utime.tv_sec - a.ru_utime.tv_sec + b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e6 +
		    (b.ru_utime.tv_usec - a.ru_utime.tv_usec + b.ru_stime.tv_usec - a.ru_stime.tv_usec);
	FILE *f = fopen(argv[2], "w");
	fprintf(f, "%.2f\n", us * 1e3 / n);
	return fclose(f) != 0;
}
C
gcc -O2 -o "$work/loop" "$work/loop.c"
loop() { "$work/loop" "$calls" "$work/t"; }

arms=(untraced)
[ -n "$floor_dll" ] && arms+=(floor)
for name in "${names[@]}"; do arms+=("not-recorded-$name" "recorded-$name"); done
dll_of() { for j in "${!names[@]}"; do [ "${names[$j]}" = "$1" ] && echo "${dlls[$j]}"; done; }
: > "$work/results"
for r in $(seq "$rounds"); do
  n=${#arms[@]}
  for i in $(seq 0 $((n - 1))); do
    arm=${arms[$(((i + r) % n))]}
    case $arm in
      untraced) loop ;;
      floor)
        dotnet "$floor_dll" syscall-floor > "$work/floor.out" 2>&1 < /dev/null &
        holder=$!
        until grep -qs attached "$work/floor.out"; do
          kill -0 "$holder" 2>/dev/null || { cat "$work/floor.out" >&2; exit 1; }
          sleep 0.1
        done
        sleep 0.3; loop
        kill "$holder"; wait "$holder" 2>/dev/null || true; holder= ;;
      not-recorded-*)
        dotnet "$(dll_of "${arm#not-recorded-}")" run -- sleep 600 >/dev/null 2>&1 &
        holder=$!
        until pgrep -P "$holder" sleep >/dev/null; do sleep 0.1; done
        sleep 0.3; loop
        pkill -P "$holder" sleep 2>/dev/null || true; wait "$holder" 2>/dev/null || true; holder= ;;
      recorded-*)
        dotnet "$(dll_of "${arm#recorded-}")" run -- "$work/loop" "$calls" "$work/t" >/dev/null 2>&1 ;;
    esac
    echo "$r $arm $(cat "$work/t")" >> "$work/results"
  done
done
python3 - "$work/results" "${arms[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
arms = sys.argv[2:]
by = {}
for r, a, t in rows:
    by.setdefault(int(r), {})[a] = float(t)
floor = 'floor' in arms
print(f"{'arm':<28} {'ns/syscall':>10} {'above untraced':>15}" + (f" {'x floor':>8}" if floor else "") + f"   {len(by)} rounds")
for a in arms:
    cpu = statistics.median(by[r][a] for r in by)
    above = statistics.median(by[r][a] - by[r]['untraced'] for r in by)
    line = f"{a:<28} {cpu:>10.1f} {above:>+15.1f}"
    if floor and a != 'untraced':
        line += f" {statistics.median((by[r][a] - by[r]['untraced']) / (by[r]['floor'] - by[r]['untraced']) for r in by):>8.2f}"
    print(line)
PY
