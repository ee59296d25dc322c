#!/usr/bin/env bash
# traceloop's wall-clock overhead, measured in interleaved rounds so that a shared machine's drift hits every arm alike:
# each round runs the workload untraced, recorded by each given traceloop build (`traceloop run`: the time is taken inside
# the recorded shell, around the workload only), and untraced while each build records another cgroup (that build's
# neighbour arm, `neighbour` for the first build, `neighbour-NAME` for the others), in a rotating order; it prints each arm's median time and the median of its per-round ratio to the untraced run.
# With --floor, a `floor` arm runs it untraced while empty programs sit on the same syscall hooks (the benchmarks'
# `syscall-floor` mode: bpf/syscall_floor.bpf.c): what any raw_syscalls tracer costs before doing anything.
# With --getppid-cpu N instead of a workload, each arm runs a C loop of N syscall(SYS_getppid) that measures its own user +
# system time per call (getrusage: the BPF programs run in the process's system time, so this is less sensitive to the
# rest of the machine than wall time; needs gcc), and each arm's median per-round difference to the untraced arm is
# printed (ns per syscall), with --floor also as a multiple of the floor's.
# With --cpu, a workload's time is the CPU time (user + system) of the shell that runs it and of everything it waits for
# (wait4's rusage), not its wall time: less sensitive to what else runs on a shared machine. With --floor, the workload's
# arms are also printed as multiples of the floor's overhead (medians of the per-round differences to untraced).
# Needs root and built traceloop CLIs (dotnet build samples/Traceloop -c Release).
# Usage: benchmarks/traceloop-interleaved.sh [--rounds N] [--floor PATH/Gadget.Benchmarks.dll]
#          [--cpu] --traceloop NAME=PATH/traceloop.dll [--traceloop ...] (-- WORKLOAD | --getppid-cpu N)
#   benchmarks/traceloop-interleaved.sh --rounds 15 --traceloop new=samples/Traceloop/bin/Release/net10.0/traceloop.dll \
#     -- 'find /usr/include/linux -type f -exec cat {} + >/dev/null'
set -euo pipefail
usage() { sed -n '2,18p' "$0"; exit 2; }
rounds=11
floor_dll=
calls=
cpu_time=
names=()
dlls=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --floor) floor_dll=$2; shift 2 ;;
    --traceloop) names+=("${2%%=*}"); dlls+=("${2#*=}"); shift 2 ;;
    --getppid-cpu) calls=$2; shift 2 ;;
    --cpu) cpu_time=1; shift ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[ ${#dlls[@]} -gt 0 ] || usage
if [ -n "$calls" ]; then [ $# -eq 0 ] || usage; else [ $# -eq 1 ] || usage; fi
work=$(mktemp -d)
neighbour=
# bpf_stats (kernel.bpf_stats_enabled, left on by a crashed eng/traceloop-bpf-cost.sh or by hand) adds two clock reads
# to every BPF program run: it would double the floor's cost here. Off while this runs, back as it was afterwards.
stats_before=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
if [ "$stats_before" != 0 ]; then
  echo "traceloop-interleaved: kernel.bpf_stats_enabled is on; switching it off while measuring" >&2
  sysctl -qw kernel.bpf_stats_enabled=0
fi
cleanup() {
  [ "$stats_before" != 0 ] && sysctl -qw kernel.bpf_stats_enabled="$stats_before"
  [ -n "$neighbour" ] && kill "$neighbour" 2>/dev/null && wait "$neighbour" 2>/dev/null
  [ -n "${floor_pid:-}" ] && kill "$floor_pid" 2>/dev/null && wait "$floor_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$calls" ]; then
  # The getppid loop: its CPU time per call, in ns, into $work/t.
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
  printf 'exec %s/loop %s %s/t\n' "$work" "$calls" "$work" > "$work/timed.sh"
elif [ -n "$cpu_time" ]; then
  # The workload's CPU time: a shell runs it as a child of this small program, which reads the child's rusage (the
  # shell's and every process it waited for) from wait4, in ns, into $work/t.
  cat > "$work/cpu.c" <<'C'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv("/bin/sh", (char *[]){ "sh", argv[2], NULL });
		_exit(127);
	}
	int status;
	struct rusage u;
	if (pid < 0 || wait4(pid, &status, 0, &u) != pid)
		return 1;
	long long ns = (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
	FILE *f = fopen(argv[1], "w");
	fprintf(f, "%lld\n", ns);
	return fclose(f) != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
C
  gcc -O2 -o "$work/cpu" "$work/cpu.c"
  printf '%s\n' "$1" > "$work/workload.sh"
  printf 'exec %s/cpu %s/t %s/workload.sh\n' "$work" "$work" "$work" > "$work/timed.sh"
else
  # The workload, timed from inside the shell that runs it (what traceloop records), in ns, into $work/t.
  printf 't0=$(date +%%s%%N); %s; t1=$(date +%%s%%N); echo $((t1 - t0)) > %s/t\n' "$1" "$work" > "$work/timed.sh"
fi

run_untraced() { sh "$work/timed.sh"; cat "$work/t"; }
run_recorded() { dotnet "$1" run -- sh "$work/timed.sh" >/dev/null 2>&1; cat "$work/t"; }
run_neighbour() {
  # The build ($1) records a sleeping command in its own cgroup; the workload runs outside it.
  dotnet "$1" run -- sleep 600 >/dev/null 2>&1 &
  neighbour=$!
  # Its command runs once the programs are attached (other tracers' traceloop programs may be loaded too: not a sign).
  until pgrep -P "$neighbour" >/dev/null; do sleep 0.1; done
  sleep 0.5
  local t; t=$(run_untraced)
  pkill -P "$neighbour" sleep 2>/dev/null || true
  wait "$neighbour" 2>/dev/null || true
  neighbour=
  echo "$t"
}

run_floor() {
  # Empty programs on raw_syscalls sys_enter/sys_exit, attached by the benchmarks' syscall-floor mode ("attached" once
  # they are); it holds them until SIGTERM.
  dotnet "$floor_dll" syscall-floor > "$work/floor.out" 2>&1 < /dev/null &
  floor_pid=$!
  until grep -qs attached "$work/floor.out"; do
    kill -0 "$floor_pid" 2>/dev/null || { cat "$work/floor.out" >&2; exit 1; }
    sleep 0.1
  done
  sleep 0.5
  local t; t=$(run_untraced)
  kill "$floor_pid"; wait "$floor_pid" 2>/dev/null || true
  floor_pid=
  echo "$t"
}

neighbours=(neighbour)
for name in "${names[@]:1}"; do neighbours+=("neighbour-$name"); done
arms=(untraced "${neighbours[@]}" "${names[@]}")
[ -n "$floor_dll" ] && arms=(untraced floor "${neighbours[@]}" "${names[@]}")
: > "$work/results"
for r in $(seq "$rounds"); do
  n=${#arms[@]}
  for i in $(seq 0 $((n - 1))); do
    arm=${arms[$(((i + r) % n))]}
    case $arm in
      untraced) t=$(run_untraced) ;;
      neighbour) t=$(run_neighbour "${dlls[0]}") ;;
      neighbour-*) for j in "${!names[@]}"; do [ "neighbour-${names[$j]}" = "$arm" ] && t=$(run_neighbour "${dlls[$j]}"); done ;;
      floor) t=$(run_floor) ;;
      *) for j in "${!names[@]}"; do [ "${names[$j]}" = "$arm" ] && t=$(run_recorded "${dlls[$j]}"); done ;;
    esac
    echo "$r $arm $t" >> "$work/results"
  done
done
python3 - "$work/results" "${calls:-}" "${cpu_time:-}" "${arms[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
cpu = sys.argv[2] != ''
arms = sys.argv[4:]
unit = 'CPU ms' if sys.argv[3] else 'median ms'
rounds = sorted({int(r) for r, _, _ in rows})
if cpu:
    by = {(int(r), a): float(t) for r, a, t in rows}
    floor = 'floor' in arms
    print(f"{'arm':<16} {'ns/getppid':>10} {'above untraced':>15}" + (f" {'x floor':>8}" if floor else "") + f"   {len(rounds)} rounds")
    for a in arms:
        line = f"{a:<16} {statistics.median(by[(r, a)] for r in rounds):>10.1f} {statistics.median(by[(r, a)] - by[(r, 'untraced')] for r in rounds):>+15.1f}"
        if floor and a != 'untraced':
            line += f" {statistics.median((by[(r, a)] - by[(r, 'untraced')]) / (by[(r, 'floor')] - by[(r, 'untraced')]) for r in rounds):>8.2f}"
        print(line)
    sys.exit(0)
by = {(int(r), a): int(t) for r, a, t in rows}
floor = 'floor' in arms
print(f"{'arm':<18} {unit:>10} {'ratio (median of rounds)':>25}" + (f" {'x floor':>8}" if floor else "") + f"   {len(rounds)} rounds")
for a in arms:
    times = [by[(r, a)] / 1e6 for r in rounds]
    ratios = [by[(r, a)] / by[(r, 'untraced')] for r in rounds]
    line = f"{a:<18} {statistics.median(times):>10.1f} {statistics.median(ratios):>25.3f}"
    if floor and a != 'untraced':
        # The median of the arm's per-round differences to untraced over the floor's: a ratio per round would divide by
        # the floor's few per cent, which the noise of one round can make zero or negative.
        over = statistics.median(by[(r, a)] - by[(r, 'untraced')] for r in rounds)
        base = statistics.median(by[(r, 'floor')] - by[(r, 'untraced')] for r in rounds)
        line += f" {over / base:>8.2f}" if base > 0 else f" {'-':>8}"
    print(line)
PY
