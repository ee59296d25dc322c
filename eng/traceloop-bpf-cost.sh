#!/usr/bin/env bash
# How long traceloop's BPF programs run for a command, from the kernel's own BPF statistics (kernel.bpf_stats_enabled):
# runs the command under `traceloop run`, snapshots run_cnt/run_time_ns of its sys_enter/sys_exit programs (those the
# traceloop process holds, not other tracers') just before and just after it (from inside the recorded cgroup), and
# prints the difference. Unlike a wall-clock benchmark it does not depend on what else the machine runs, except for the
# runs of processes that are not recorded (they pay one map lookup: counted in run_cnt, little in run time).
# Needs root and a built samples/Traceloop.
# Usage: eng/traceloop-bpf-cost.sh [--traceloop PATH/traceloop.dll] -- COMMAND...
#   eng/traceloop-bpf-cost.sh -- dd if=/dev/zero of=/dev/null bs=1 count=50000
set -euo pipefail
cd "$(dirname "$0")/.."
traceloop=samples/Traceloop/bin/Release/net10.0/traceloop.dll
if [ "${1:-}" = --traceloop ]; then traceloop=$2; shift 2; fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { sed -n '2,9p' "$0"; exit 2; }
[ -f "$traceloop" ] || { echo "traceloop-bpf-cost: $traceloop not built (dotnet build samples/Traceloop -c Release)" >&2; exit 1; }
sysctl -qw kernel.bpf_stats_enabled=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The snapshot also notes the programs the traceloop process holds (its fds' prog_id): other tracers' traceloop programs
# (other engineers' tests) may be loaded at the same time. The recorded shell's parent is that process.
cat > "$work/snap.sh" <<EOF
bpftool prog show -j > $work/\$1.json
tracer=\$(ps -o ppid= -p \$PPID | tr -d ' ')
cat /proc/\$tracer/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' > $work/\$1.ids
EOF
printf '%q ' "$@" > "$work/command.sh"
dotnet "$traceloop" run -- sh -c "sh $work/snap.sh before; sh $work/command.sh; sh $work/snap.sh after" >/dev/null 2>"$work/stderr" ||
  { echo "traceloop-bpf-cost: traceloop run failed:" >&2; tail -n 5 "$work/stderr" >&2; exit 1; }
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
    print(f"{n}: {runs} runs, {ns / 1e6:.1f} ms")
print(f"both: {total / 1e6:.1f} ms")
PY
