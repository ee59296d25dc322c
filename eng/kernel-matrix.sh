#!/usr/bin/env bash
# The kernel matrix: boots each Debian kernel under qemu (KVM when /dev/kvm works, TCG otherwise), as many VMs at a time
# as the host has cores for (a TCG VM runs its vCPUs on one host thread), and runs the matrix's test subset inside each
# against the tests already built on this machine (the host's / is shared read-only over 9p). Needs root. Usage:
#   eng/kernel-matrix.sh               # 5.10 6.1 6.12 6.18
#   eng/kernel-matrix.sh 6.1           # one kernel
#   eng/kernel-matrix.sh --no-build 5.10 6.18
#   eng/kernel-matrix.sh --jobs 1      # one VM at a time (default: host cores / host threads per VM, within memory)
#   eng/kernel-matrix.sh --command 'bpftool feature probe kernel' 5.10   # a shell command in the VM instead of the tests
# Kernels are fetched from Debian through a private apt state (eng/kernel-matrix/fetch-kernel.sh) into
# $GADGET_KERNEL_CACHE (default /var/cache/gadget-kernels). Results: TestResults/kernels/<version>/*.trx and console.log.
# The last line is 'N passed, N failed' over every kernel (a kernel whose VM failed or timed out counts as one failure).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${GADGET_KERNEL_CACHE:-/var/cache/gadget-kernels}
# A VM that has not ended after this long is stopped and counted as one failure: a run takes 6-8 minutes under TCG (5.10
# the longest, 484 s in the CI run of 2026-12-06), so 720 s bounds what a guest lockup costs the CI run.
timeout_s=${GADGET_VM_TIMEOUT:-720}
build=1
command=""
jobs=""
versions=()
while [ $# -gt 0 ]; do
  a=$1
  shift
  case "$a" in
    --no-build) build=0 ;;
    --jobs) jobs=$1; shift ;;
    --command) command=$1; build=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) versions+=("$a") ;;
  esac
done
[ "${#versions[@]}" -gt 0 ] || versions=(5.10 6.1 6.12 6.18)

# What each kernel must support: a test that finds one of these missing fails instead of taking its "not supported" path.
expected_features() {
  local common="ringbuf tp_btf kprobe fentry"
  case "$1" in
    5.10) echo "$common" ;;
    6.1) echo "$common task_btf bloom_filter bpf_loop tp_kfree_skb_reason" ;;
    6.12|6.18) echo "$common task_btf bloom_filter bpf_loop tp_sock_send_length tp_kfree_skb_reason" ;;
  esac
}

# The subset: the ring and perf readers deliver records, attach kinds, every product object loads, traceloop records
# and dumps a command (and its verdict cache follows moves, renames and execs; a 32-bit program's syscalls are its own),
# execsnoop and opensnoop see events, the container collection's programs load.
projects="Gadget.Bpf.Tests Gadget.Gadgets.Tests Gadget.Traceloop.Tests"
filter=${GADGET_VM_FILTER:-"FullyQualifiedName~Gadget.Bpf.Tests.RingBufferReaderTests|FullyQualifiedName~Gadget.Bpf.Tests.PerfBufferReaderTests|FullyQualifiedName~Gadget.Bpf.Tests.AttachTests|FullyQualifiedName~Gadget.Bpf.Tests.ObjectErrorTests|FullyQualifiedName~Gadget.Bpf.Tests.KernelFeatureTests|FullyQualifiedName~Gadget.Bpf.Tests.MapOfMapsTests|FullyQualifiedName~Gadget.Gadgets.Tests.KernelCompatibilityTests|FullyQualifiedName~Gadget.Gadgets.Tests.ExecSnoopTests|FullyQualifiedName~Gadget.Gadgets.Tests.OpenSnoopTests|FullyQualifiedName~Gadget.Gadgets.Tests.TcpAcceptTests|FullyQualifiedName~Gadget.Gadgets.Tests.OomKillTests|FullyQualifiedName~Gadget.Gadgets.Tests.TcpRetransTests|FullyQualifiedName~Gadget.Gadgets.Tests.TcpDropTests|FullyQualifiedName~Gadget.Gadgets.Tests.CapableTests|FullyQualifiedName~Gadget.Gadgets.Tests.SocketSnapshotTests.ThisProcesss|FullyQualifiedName~Gadget.Gadgets.Tests.FileTopTests.ReadsAndWrites|FullyQualifiedName~Gadget.Gadgets.Tests.FileTopTests.ASocketWrite|FullyQualifiedName~Gadget.Gadgets.Tests.CpuProfilerTests.AManagedMethod|FullyQualifiedName~Gadget.Gadgets.Tests.DnsSnoopTests.AHostQuery|FullyQualifiedName~Gadget.Traceloop.Tests.RingTests.ARingSmallerThanTheBurstKeepsExactlyTheNewestRecords|FullyQualifiedName~Gadget.Traceloop.Tests.HotPathTests.ATaskMoved|FullyQualifiedName~Gadget.Traceloop.Tests.HotPathTests.TheRecordedCommandName|FullyQualifiedName~Gadget.Traceloop.Tests.Compat32BitTests|FullyQualifiedName~Gadget.Traceloop.Tests.MigratedSyscallTests.ASyscallReturning|FullyQualifiedName~Gadget.Traceloop.Tests.ExitTimestampTests.ACallThatBlocked"}

if [ "$(id -u)" != 0 ]; then
  echo "kernel-matrix: needs root (the VMs load BPF programs; qemu's 9p share of / needs to read everything)." >&2
  exit 1
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "kernel-matrix: installing qemu-system-x86"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
fi
if [ "$build" = 1 ]; then
  for p in $projects; do dotnet build "tests/$p/$p.csproj" -c Release -v quiet -nologo; done
fi

# KVM when the CPU exposes virtualization and /dev/kvm is usable; TCG otherwise (a /dev/kvm without vmx/svm in
# /proc/cpuinfo exists on some nested hosts and fails at the first MSR write). GADGET_VM_ACCEL=tcg|kvm forces one.
accel=${GADGET_VM_ACCEL:-}
if [ -z "$accel" ]; then
  accel=tcg
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qE '^flags.* (vmx|svm)( |$)' /proc/cpuinfo; then accel=kvm; fi
fi
if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi
echo "kernel-matrix: qemu with $accel; kernels: ${versions[*]}"

crash_pattern='Kernel panic|Oops|BUG: (soft|hard) lockup|rcu: INFO: rcu_[a-z]+ (self-)?detected stall'

# One kernel: boot its VM (twice if the guest kernel crashes), run the subset, write "passed failed" to
# $results/matrix.count. Its output goes to stdout: live with one VM at a time, into $results/matrix.out otherwise.
run_kernel() {
  local v=$1 kernel=$2
  local start results initrd_dir vm_accel attempt qemu_pid watcher_pid vm_status crash p f reason
  start=$(date +%s)
  results="$repo/TestResults/kernels/$v"
  rm -rf "$results" && mkdir -p "$results"
  initrd_dir=$(mktemp -d /tmp/gadget-vm-initrd.XXXXXX)
  mkdir -p "$initrd_dir"/{bin,proc,sys,dev,modules}
  cp /bin/busybox "$initrd_dir/bin/busybox"
  cp eng/kernel-matrix/init "$initrd_dir/init"
  cp "$kernel"/modules/*.ko "$initrd_dir/modules/" 2>/dev/null || true
  cat >"$initrd_dir/env" <<ENV
GADGET_VM_REPO='$repo'
GADGET_VM_RESULTS='$results'
GADGET_VM_KERNEL='$v'
GADGET_VM_PROJECTS='$projects'
GADGET_VM_FILTER='$filter'
GADGET_EXPECTED_FEATURES='$(expected_features "$v")'
ENV
  [ -z "$command" ] || printf '%s\n' "$command" >"$results/command.sh"
  (cd "$initrd_dir" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$initrd_dir.cpio.gz"
  rm -rf "$initrd_dir"
  # 6.12 and 6.18 oopsed under multi-threaded TCG ("Oops: int3" where a static key or jump label was being patched:
  # 6.12 in two of two CI runs at the syscall exit path, 6.18 once in the page allocator; a cross-modifying-code race of
  # the emulation), and 5.10 locked up twice in one CI run with vCPUs spinning on a patched jump label at the same
  # syscall exit path (syscall_exit_to_user_mode+0xb3, "rcu_sched self-detected stall", 2026-12-05 20:05): their vCPUs
  # share one host thread (about 2 minutes slower each). 6.1 stalled the same way once (RCU stall, a vCPU in
  # asm_exc_int3, CI run of 2026-12-05 23:27, passed on its retry), so every kernel's vCPUs share one host thread now.
  # GADGET_VM_ACCEL overrides it.
  vm_accel=$accel
  if [ "$accel" = tcg ] && [ -z "${GADGET_VM_ACCEL:-}" ]; then vm_accel="tcg,thread=single"; fi
  # A guest kernel that panics or oopses (seen under TCG: "Oops: int3" in text_poke's int3 handler on 6.12, a lockup
  # on 5.10) is booted once more; the first console log is kept as console.1.log and the crash is reported either way.
  for attempt in 1 2; do
  rm -f "$results/guest.status"
  echo "== kernel $v ($(cat "$kernel/package")): booting$([ "$attempt" = 1 ] || echo " again") (qemu -accel $vm_accel)"
  : >"$results/console.log"
  timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 -accel "$vm_accel" -cpu "$cpu" -m 2G -smp 2 \
    -nodefaults -display none -serial stdio -no-reboot \
    -kernel "$kernel/vmlinuz" -initrd "$initrd_dir.cpio.gz" \
    -append "console=ttyS0 panic=-1 mitigations=off" \
    -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$results,mount_tag=results,security_model=none,multidevs=remap" \
    </dev/null >"$results/console.log" 2>&1 &
  qemu_pid=$!
  echo "$qemu_pid" >"$results/qemu.pid"
  # A guest that oopses or locks up may hang until the timeout: stop it 15 s after the console shows the crash.
  ( while kill -0 "$qemu_pid" 2>/dev/null; do
      if grep -qaE "$crash_pattern" "$results/console.log" 2>/dev/null; then sleep 15; kill "$qemu_pid" 2>/dev/null; exit 0; fi
      sleep 5
    done ) &
  watcher_pid=$!
  if [ -n "$command" ]; then
    tail -n +1 -f "$results/console.log" --pid "$qemu_pid" || true
  else
    tail -n +1 -f "$results/console.log" --pid "$qemu_pid" | grep --line-buffered -E '^gadget-vm:|Passed |Failed |Skipped |Total tests|error' || true
  fi
  vm_status=0
  wait "$qemu_pid" || vm_status=$?
  rm -f "$results/qemu.pid"
  kill "$watcher_pid" 2>/dev/null || true
  wait "$watcher_pid" 2>/dev/null || true
  crash=$(grep -m1 -aE "$crash_pattern" "$results/console.log" | tr -d '\r' || true)
  if [ -n "$crash" ] && [ "$attempt" = 1 ] && [ "$(cat "$results/guest.status" 2>/dev/null)" != 0 ]; then
    echo "kernel-matrix: $v: guest kernel crash (\"$crash\"): booting it once more; the log is $results/console.1.log" >&2
    mv "$results/console.log" "$results/console.1.log"
    find "$results" -name '*.trx' -delete
    continue
  fi
  break
  done
  rm -f "$initrd_dir.cpio.gz"
  read -r p f < <(eng/kernel-matrix/count-trx.sh "$results")
  if [ ! -f "$results/guest.status" ]; then
    if [ -n "$crash" ]; then reason="guest kernel crash: $crash"; else reason="qemu exit $vm_status; timeout ${timeout_s}s?"; fi
    echo "kernel-matrix: $v: the VM ended without a test status ($reason): one failure. See $results/console.log" >&2
    f=$((f + 1))
  elif [ "$((p + f))" = 0 ]; then
    echo "kernel-matrix: $v: no test results: one failure. See $results/console.log" >&2
    f=$((f + 1))
  elif [ "$(cat "$results/guest.status")" != 0 ] && [ "$f" = 0 ]; then
    echo "kernel-matrix: $v: the test run failed without a failed test (test host crash?): one failure. See $results/console.log" >&2
    f=$((f + 1))
  fi
  echo "== kernel $v: $p passed, $f failed in $(( $(date +%s) - start )) s"
  echo "$p $f" >"$results/matrix.count"
}

# How many VMs at once: a TCG VM runs its vCPUs on one host thread (thread=single, below), a KVM VM on two; each needs
# 2 GiB and some room. GADGET_VM_JOBS or --jobs overrides it; --command runs one VM at a time (its output is live).
if [ -z "$jobs" ]; then jobs=${GADGET_VM_JOBS:-}; fi
if [ -z "$jobs" ]; then
  threads_per_vm=1
  [ "$accel" = tcg ] || threads_per_vm=2
  by_cpu=$(( $(nproc) / threads_per_vm ))
  by_memory=$(( $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / (3 * 1024 * 1024) ))
  jobs=$(( by_cpu < by_memory ? by_cpu : by_memory ))
fi
[ -z "$command" ] || jobs=1
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le "${#versions[@]}" ] || jobs=${#versions[@]}
echo "kernel-matrix: $jobs VM(s) at a time"

# The kernels are fetched first, one after another (each through its own private apt state).
declare -A kernels
for v in "${versions[@]}"; do kernels[$v]=$(eng/kernel-matrix/fetch-kernel.sh "$v" "$cache"); done

running=()
# Stopping: the runs' shells and their VMs (a shell waiting on its tail of the console would not see a signal soon).
stop_all() {
  local pid
  for pid in "${running[@]}"; do kill "$pid" 2>/dev/null || true; done
  for v in "${versions[@]}"; do
    pid=$(cat "$repo/TestResults/kernels/$v/qemu.pid" 2>/dev/null) && kill "$pid" 2>/dev/null || true
  done
}
trap 'stop_all; exit 130' INT TERM

passed=0
failed=0
if [ "$jobs" = 1 ]; then
  for v in "${versions[@]}"; do
    run_kernel "$v" "${kernels[$v]}" &
    running=($!)
    wait "${running[0]}" || true
  done
else
  # Up to $jobs VMs at once; each one's output is printed whole, in the order of the versions, when it has ended.
  next_to_print=0
  outputs=$(mktemp -d /tmp/gadget-kernel-matrix.XXXXXX)
  print_finished() {
    while [ "$next_to_print" -lt "${#versions[@]}" ]; do
      local pv=${versions[$next_to_print]}
      [ -f "$outputs/$pv.done" ] || return 0
      cat "$outputs/$pv.out"
      next_to_print=$((next_to_print + 1))
    done
  }
  for v in "${versions[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; print_finished; done
    echo "== kernel $v: started ($(date +%H:%M:%S))"
    # (errexit stays on inside run_kernel: a failing step ends that kernel's run, which counts as one failure below)
    ( set +e; ( set -e; run_kernel "$v" "${kernels[$v]}" ) >"$outputs/$v.out" 2>&1; touch "$outputs/$v.done" ) &
    running+=($!)
  done
  while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || true; print_finished; done
  wait || true
  print_finished
  rm -rf "$outputs"
fi
for v in "${versions[@]}"; do
  count_file="$repo/TestResults/kernels/$v/matrix.count"
  if [ -f "$count_file" ]; then
    read -r p f <"$count_file"
  else
    echo "kernel-matrix: $v: the run ended without a count: one failure. See $repo/TestResults/kernels/$v/" >&2
    p=0; f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
