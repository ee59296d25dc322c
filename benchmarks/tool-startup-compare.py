#!/usr/bin/env python3
"""Startup to first event of several builds of a tool, interleaved: the method of ToolStartupBenchmarks
(`dotnet run -c Release --project benchmarks/Gadget.Benchmarks -- tool-startup`), for binaries that tool cannot build
itself, e.g. a NativeAOT `gadgets` published from an older commit next to the current one and the C tool.

  benchmarks/tool-startup-compare.py ROUNDS open|exec NAME='COMMAND ...' [NAME='COMMAND ...' ...]
  benchmarks/tool-startup-compare.py 20 open c='stdbuf -oL /usr/sbin/opensnoop' \
      old='/tmp/old/gadgets opensnoop --host' new='/tmp/new/gadgets opensnoop --host'

Each round starts every arm in turn; while an arm runs, a marker file is opened (open) or `/bin/true MARKER` run (exec)
every 2 ms until the tool writes a line with the marker to standard output: the time from starting the process to
that line is the arm's startup. Peak RSS is the tool's VmHWM just before SIGINT. Prints, per arm, the median and the
minimum, and the median of the per-round ratios to the first arm. Needs root (the tools load BPF programs).
"""
import os, shlex, signal, statistics, subprocess, sys, tempfile, threading, time


def measure(command, kind, marker, token):
    start = time.perf_counter()
    tool = subprocess.Popen(shlex.split(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    seen = threading.Event()
    when = [float('nan')]

    def read():
        for line in tool.stdout:
            if token in line and not seen.is_set():
                when[0] = time.perf_counter() - start
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    while not seen.is_set() and time.perf_counter() - start < 60:
        if kind == 'open':
            with open(marker, 'rb') as f:
                f.read()
        else:
            subprocess.run(['/bin/true', token])
        time.sleep(0.002)
    peak = 0.0
    with open(f'/proc/{tool.pid}/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                peak = int(line.split()[1]) / 1024
    tool.send_signal(signal.SIGINT)
    tool.wait()
    return when[0] * 1000, peak


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ('open', 'exec'):
        print(__doc__, file=sys.stderr)
        return 2
    rounds, kind = int(sys.argv[1]), sys.argv[2]
    arms = [arm.split('=', 1) for arm in sys.argv[3:]]
    with tempfile.TemporaryDirectory(prefix='gadget-startup-') as scratch:
        marker = os.path.join(scratch, 'startup-marker')
        with open(marker, 'w') as f:
            f.write('x')
        token = marker if kind == 'open' else 'gadget-startup-marker'
        results = {name: [] for name, _ in arms}
        print(f"# {os.cpu_count()} CPUs, load average {open('/proc/loadavg').read().strip()}, {rounds} rounds")
        for _ in range(rounds):
            for name, command in arms:
                results[name].append(measure(command, kind, marker, token))
        first = [ms for ms, _ in results[arms[0][0]]]
        print('| arm | startup median (ms) | min | median of per-round ratios | peak RSS median (MB) |')
        print('|---|---:|---:|---:|---:|')
        for name, _ in arms:
            times = [ms for ms, _ in results[name]]
            ratios = [t / b for t, b in zip(times, first)]
            print(f"| {name} | {statistics.median(times):.1f} | {min(times):.1f} | {statistics.median(ratios):.2f} | "
                  f"{statistics.median([mb for _, mb in results[name]]):.1f} |")
        print(f"# load average after: {open('/proc/loadavg').read().strip()}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
