#!/usr/bin/env python3
"""Each gadget's events/s and CPU per event next to Debian's libbpf-tools C tool, side by side, interleaved rounds.

    benchmarks/gadget-vs-c.py [--rounds 5] [--workloads exec,exit,signal,mount] [--rates 1000,0] [--events N] [--warmup N]

Every arm is a separate tool process tracing the whole host (gadgets: --host), its output into a file in a scratch
directory. Per round and arm: start the tool, wait until it is attached (the gadgets' `ready:` line; 2 s for the C
tools, which print nothing before their header), run a warm-up burst (not counted), then the measured burst of N
events from a C generator (built here with gcc) at a fixed rate (0: as fast as it goes), wait 1 s for the tool to
drain, stop it with SIGINT, and count the output lines carrying the burst's marker. CPU = the tool process's on-CPU
time over the burst and the drain, summed over all its threads from /proc/PID/task/*/schedstat (ns; user + system;
polled every 20 ms so that threads exiting meanwhile are counted; /proc/PID/stat's 10 ms ticks printed as a check).
The arms of a round run one after the other, in an order rotated every round, so that drift of the shared machine
hits them alike; the summary is medians over rounds and the median of per-round ratios to the C tool.

Workloads (the marker is what identifies the burst's events among the machine's others):
  exec    fork + execve("/bin/true", MARKER)                            execsnoop    marker in argv
  exit    fork + _exit(0), comm MARKER (prctl)                          exitsnoop    marker in comm
  signal  kill(self, SIGUSR1) (ignored), comm MARKER                    sigsnoop     marker in comm
  mount   mount("none", "/nonexistent-gadget-bench/MARKER", "tmpfs")    mountsnoop   marker in the target path
          (fails with ENOENT: nothing is mounted)

Needs root, gcc, `apt-get install libbpf-tools`, and the gadgets CLI built (dotnet build samples/Gadgets -c Release).
Extra arms: --gadgets-args 'json=-o json' adds `gadgets <cmd> --host -o json` as its own arm; --extra 'old=dotnet
OTHER/gadgets.dll {command} --host' another build's tool.
"""
import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

GENERATOR = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pace(struct timespec *next, long interval_ns) {
    if (interval_ns <= 0) return;
    next->tv_nsec += interval_ns;
    while (next->tv_nsec >= 1000000000L) { next->tv_nsec -= 1000000000L; next->tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
}

int main(int argc, char **argv) {
    const char *mode = argv[1];
    long n = atol(argv[2]);
    long rate = atol(argv[3]);
    const char *marker = getenv("GVC_MARKER");
    long interval = rate > 0 ? 1000000000L / rate : 0;
    char path[256];
    snprintf(path, sizeof path, "/nonexistent-gadget-bench/%s", marker);
    prctl(PR_SET_NAME, marker, 0, 0, 0); /* the burst's exits and signals carry it; the generator's own exit does not */
    signal(SIGUSR1, SIG_IGN);
    struct timespec start, next, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    next = start;
    for (long i = 0; i < n; i++) {
        if (strcmp(mode, "exec") == 0) {
            pid_t pid = fork();
            if (pid == 0) { execl("/bin/true", "/bin/true", marker, (char *)0); _exit(127); }
            int status; waitpid(pid, &status, 0);
        } else if (strcmp(mode, "exit") == 0) {
            pid_t pid = fork();
            if (pid == 0) _exit(0);
            int status; waitpid(pid, &status, 0);
        } else if (strcmp(mode, "signal") == 0) {
            kill(getpid(), SIGUSR1);
        } else if (strcmp(mode, "mount") == 0) {
            mount("none", path, "tmpfs", 0, NULL);
        }
        pace(&next, interval);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    prctl(PR_SET_NAME, "gvc-generator", 0, 0, 0);
    printf("%ld\n", (end.tv_sec - start.tv_sec) * 1000000000L + (end.tv_nsec - start.tv_nsec));
    return 0;
}
"""

C_TOOLS = {"exec": "execsnoop", "exit": "exitsnoop", "signal": "sigsnoop", "mount": "mountsnoop"}
GADGET_COMMANDS = {"exec": "execsnoop", "exit": "exitsnoop", "signal": "sigsnoop", "mount": "mountsnoop"}


def thread_cpu(pid, seen):
    """Records each thread's on-CPU time (schedstat's first field, ns) in seen (tid -> latest value)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                seen[tid] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass


def stat_ticks(pid):
    """utime + stime of the whole process (exited threads included), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class CpuMeter:
    """The tool's CPU time from its threads' schedstat (ns), polled every 20 ms so that a thread that exits meanwhile
    (the runtime's tiering and thread-pool threads come and go) loses at most that much; stat ticks as a cross-check."""

    def __init__(self, pid):
        self.pid = pid
        self.first = {}
        thread_cpu(pid, self.first)
        self.last = dict(self.first)
        self.ticks = stat_ticks(pid)

    def poll(self):
        thread_cpu(self.pid, self.last)

    def result(self):
        self.poll()
        ns = sum(v - self.first.get(tid, 0) for tid, v in self.last.items())
        ticks = stat_ticks(self.pid) - self.ticks
        return ns, ticks * 1e9 / os.sysconf("SC_CLK_TCK")


def wait_ready(proc, err_path, is_gadget, timeout=60):
    deadline = time.time() + timeout
    if not is_gadget:
        time.sleep(2)
        if proc.poll() is not None:
            raise RuntimeError(open(err_path).read())
        return
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(open(err_path).read())
        with open(err_path) as f:
            if "ready:" in f.read():
                return
        time.sleep(0.05)
    raise RuntimeError("tool not ready in time")


def run_generator(generator, mode, n, rate, marker, meter=None):
    env = dict(os.environ, GVC_MARKER=marker)  # not in argv: the generator's own exec must not count
    proc = subprocess.Popen([generator, mode, str(n), str(rate)], stdout=subprocess.PIPE, text=True, env=env)
    while proc.poll() is None:
        if meter:
            meter.poll()
        time.sleep(0.02)
    if proc.returncode != 0:
        raise RuntimeError(f"generator failed: {proc.returncode}")
    return int(proc.stdout.read().strip())


def drain(meter, seconds):
    end = time.time() + seconds
    while time.time() < end:
        meter.poll()
        time.sleep(0.02)


def one_arm(arm, command, is_gadget, generator, mode, n, rate, work, round_index, warmup=None):
    out_path = os.path.join(work, f"{arm}-{mode}-{round_index}.out")
    err_path = out_path + ".err"
    marker = f"gvc{random.randrange(10**6):06d}{mode[:2]}"  # comm keeps 15 bytes
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err)
    try:
        wait_ready(proc, err_path, is_gadget)
        run_generator(generator, mode, warmup if warmup is not None else max(200, n // 5), rate, "warmupxx" + mode[:2])
        time.sleep(0.5)
        meter = CpuMeter(proc.pid)
        wall = run_generator(generator, mode, n, rate, marker, meter)
        drain(meter, 1.0)
        cpu, cpu_ticks = meter.result()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with open(out_path, errors="replace") as f:
        received = sum(1 for line in f if marker in line)
    return {"received": received, "wall_ns": wall, "cpu_ns": cpu, "cpu_ticks_ns": cpu_ticks}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workloads", default="exec,exit,signal,mount")
    parser.add_argument("--rates", default="1000,0", help="events/s per burst, 0 = as fast as the generator goes")
    parser.add_argument("--events", type=int, default=3000, help="events per measured burst")
    parser.add_argument("--warmup", type=int, default=None, help="events of the warm-up burst (default: events / 5, at least 200); "
                        "a tool that batches its reads calls its per-batch code less often, so its JIT tiers up later")
    parser.add_argument("--gadgets", default=None, help="the gadgets command (default: dotnet samples/Gadgets/bin/Release/net10.0/gadgets.dll)")
    parser.add_argument("--gadgets-args", action="append", default=[], help="extra gadget arm NAME=ARGS (e.g. json=-o json)")
    parser.add_argument("--extra", action="append", default=[], help="extra arm NAME=COMMAND run for every workload ({command} is replaced by the gadget command, e.g. execsnoop)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    gadgets = args.gadgets.split() if args.gadgets else ["dotnet", os.path.join(root, "samples/Gadgets/bin/Release/net10.0/gadgets.dll")]
    work = tempfile.mkdtemp(prefix="gadget-vs-c-")
    generator = os.path.join(work, "generator")
    with open(generator + ".c", "w") as f:
        f.write(GENERATOR)
    subprocess.run(["gcc", "-O2", "-o", generator, generator + ".c"], check=True)
    with open("/proc/loadavg") as f:
        print(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average {f.read().strip()}")
    print(f"# tools' output and the generator in {work} (kept for inspection)")
    rows = []
    for mode in args.workloads.split(","):
        for rate in [int(r) for r in args.rates.split(",")]:
            arms = [("C", [f"/usr/sbin/{C_TOOLS[mode]}"], False), ("gadgets", gadgets + [GADGET_COMMANDS[mode], "--host"], True)]
            for extra in args.gadgets_args:
                name, _, extra_args = extra.partition("=")
                arms.append((f"gadgets {name}", gadgets + [GADGET_COMMANDS[mode], "--host"] + extra_args.split(), True))
            for extra in args.extra:
                name, _, command = extra.partition("=")
                arms.append((name, command.replace("{command}", GADGET_COMMANDS[mode]).split(), True))
            results = {arm[0]: [] for arm in arms}
            for r in range(args.rounds):
                order = arms[r % len(arms):] + arms[:r % len(arms)]
                for name, command, is_gadget in order:
                    try:
                        res = one_arm(name.replace(" ", "_"), command, is_gadget, generator, mode, args.events, rate, work, r, args.warmup)
                    except RuntimeError as e:
                        print(f"# {mode} {name}: failed: {str(e).strip().splitlines()[-1:]}", file=sys.stderr)
                        res = None
                    results[name].append(res)
                    if res:
                        print(f"# {mode} rate={rate} round={r} {name}: {res['received']}/{args.events} received, "
                              f"{args.events / res['wall_ns'] * 1e9:,.0f} ev/s, {res['cpu_ns'] / args.events / 1000:.1f} us CPU/event "
                              f"(stat ticks: {res['cpu_ticks_ns'] / args.events / 1000:.1f})", flush=True)
            rows.append((mode, rate, results))
    with open("/proc/loadavg") as f:
        print(f"# done {time.strftime('%H:%M:%S UTC', time.gmtime())}, load average {f.read().strip()}")
    print()
    print("| workload | rate | arm | received (min of rounds) | events/s (median) | CPU us/event (median) | vs C (median of per-round ratios) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for mode, rate, results in rows:
        base = results["C"]
        for name, values in results.items():
            ok = [v for v in values if v]
            if not ok:
                print(f"| {mode} | {rate or 'max'} | {name} | failed | | | |")
                continue
            per_event = [v["cpu_ns"] / args.events / 1000 for v in ok]
            rate_med = statistics.median(args.events / v["wall_ns"] * 1e9 for v in ok)
            ratios = [v["cpu_ns"] / b["cpu_ns"] for v, b in zip(values, base) if v and b and b["cpu_ns"] > 0]
            ratio = f"{statistics.median(ratios):.2f}x" if ratios and name != "C" else "-"
            print(f"| {mode} | {rate or 'max'} | {name} | {min(v['received'] for v in ok)} / {args.events} | {rate_med:,.0f} | "
                  f"{statistics.median(per_event):.1f} | {ratio} |")


if __name__ == "__main__":
    main()
