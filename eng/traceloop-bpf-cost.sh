#!/usr/bin/env bash
# How long traceloop's BPF programs run for a command, from the kernel's own BPF statistics (kernel.bpf_stats_enabled):
# runs the command under `traceloop run`, snapshots run_cnt/run_time_ns of its sys_enter/sys_exit programs (those the
# traceloop process holds, not other tracers') just before and just after it (from inside the recorded cgroup), and
# prints the difference, with the mean ns per run. With --neighbour the command runs outside the recorded cgroup while
# traceloop records a sleeping command: the cost of the not-recorded path (the run counts then include every other
# process's syscalls in that time, which take the same path). Unlike a wall-clock benchmark it does not depend much on
# what else the machine runs. bpf_stats costs every BPF program run on the machine two clock reads while it is on: the
# script switches it back to what it was when it ends.
# Needs root and a built samples/Traceloop.
# Usage: eng/traceloop-bpf-cost.sh [--traceloop PATH/traceloop.dll] [--neighbour] -- COMMAND...
#   eng/traceloop-bpf-cost.sh -- dd if=/dev/zero of=/dev/null bs=1 count=50000
set -euo pipefail
cd "$(dirname "$0")/.."
traceloop=samples/Traceloop/bin/Release/net10.0/traceloop.dll
neighbour=
while [ $# -gt 0 ]; do
  case $1 in
    --traceloop) traceloop=$2; shift 2 ;;
    --neighbour) neighbour=1; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { sed -n '2,13p' "$0"; exit 2; }
[ -f "$traceloop" ] || { echo "traceloop-bpf-cost: $traceloop not built (dotnet build samples/Traceloop -c Release)" >&2; exit 1; }
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
work=$(mktemp -d)
tracer_pid=
cleanup() {
  sysctl -qw kernel.bpf_stats_enabled="$stats_before"
  if [ -n "$tracer_pid" ]; then
    pkill -P "$tracer_pid" sleep 2>/dev/null || true
    wait "$tracer_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# The snapshot also notes the programs the traceloop process holds (its fds' prog_id): other tracers' traceloop programs
# (other engineers' tests) may be loaded at the same time. $2: the traceloop process (default: the recorded shell's parent).
cat > "$work/snap.sh" <<EOS
bpftool prog show -j > $work/\$1.json
tracer=\${2:-\$(ps -o ppid= -p \$PPID | tr -d ' ')}
cat /proc/\$tracer/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' > $work/\$1.ids
EOS
printf '%q ' "$@" > "$work/command.sh"
if [ -n "$neighbour" ]; then
  dotnet "$traceloop" run -- sleep 600 >/dev/null 2>"$work/stderr" &
  tracer_pid=$!
  until pgrep -P "$tracer_pid" sleep >/dev/null; do
    kill -0 "$tracer_pid" 2>/dev/null || { echo "traceloop-bpf-cost: traceloop run failed:" >&2; tail -n 5 "$work/stderr" >&2; exit 1; }
    sleep 0.1
  done
  sleep 0.5
  sh "$work/snap.sh" before "$tracer_pid"
  sh "$work/command.sh" >/dev/null
  sh "$work/snap.sh" after "$tracer_pid"
else
  dotnet "$traceloop" run -- sh -c "sh $work/snap.sh before; sh $work/command.sh; sh $work/snap.sh after" >/dev/null 2>"$work/stderr" ||
    { echo "traceloop-bpf-cost: traceloop run failed:" >&2; tail -n 5 "$work/stderr" >&2; exit 1; }
fi
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def load(name):
    ours = {int(i) for i in open(f"{work}/{name}.ids").read().split()}
    found = {}
    for p in json.load(open(f"{work}/{name}.json")):
        n = p.get("name", "")
        if n in ("traceloop_sys_enter", "traceloop_sys_exit") and p["id"] in ours:
            found[n] = p
    return found
before, after = load("before"), load("after")
total = 0
for n in ("traceloop_sys_enter", "traceloop_sys_exit"):
    runs = after[n]["run_cnt"] - before[n]["run_cnt"]
    ns = after[n]["run_time_ns"] - before[n]["run_time_ns"]
    total += ns
    print(f"{n}: {runs} runs, {ns / 1e6:.1f} ms, {ns / max(runs, 1):.0f} ns/run")
print(f"both: {total / 1e6:.1f} ms")
PY
