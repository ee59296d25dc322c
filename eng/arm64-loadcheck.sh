#!/usr/bin/env bash
# The arm64 check: boots Debian's arm64 kernel in a qemu-system-aarch64 VM (TCG: no KVM for another architecture) with a
# busybox initramfs, and there
#  1. loads every arm64 BPF object of bpf/out/arm64 with eng/arm64/bpf-loadcheck.c, cross-compiled for arm64 and linked
#     against the libbpf.so.1 that Gadget.Bpf ships for linux-arm64 (made by eng/build-libbpf.sh arm64 when missing);
#     what the loader sets before load mirrors Gadget's C# code (see its header);
#  2. runs traceloop itself, NativeAOT-published for linux-arm64 here, on the commands of eng/arm64/oracle-commands,
#     each under Debian's strace:arm64 inside traceloop: eng/arm64/compare-strace.py compares the two views line by line
#     (the arm64 strace oracle; it fails above 2% of strace's lines differing or missing).
#   eng/arm64-loadcheck.sh              # Debian 12's arm64 6.1, bookworm-security's 6.12 cloud kernel, trixie-backports' 6.18
#   eng/arm64-loadcheck.sh 6.1          # one kernel
# Kernels, busybox-static:arm64 and strace:arm64 come from Debian through a private apt state (eng/arm64/fetch.sh) into
# $GADGET_KERNEL_CACHE (default /var/cache/gadget-kernels, as the x86 kernel matrix). Each VM is stopped after
# $GADGET_ARM64_VM_TIMEOUT seconds (default 420; a VM takes 40-90 s): a VM that ends without its count is one failure.
# Console logs: TestResults/arm64/<version>/console.log, the oracle's report strace-oracle.txt. Exit status non-zero on
# any unexpected failure; the last line is 'N passed, N failed' over every kernel (one object loaded, or refused as it
# must be, is one pass; the oracle is one more per kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${GADGET_KERNEL_CACHE:-/var/cache/gadget-kernels}
timeout_s=${GADGET_ARM64_VM_TIMEOUT:-420}
versions=()
for a in "$@"; do
  case "$a" in
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) versions+=("$a") ;;
  esac
done
[ "${#versions[@]}" -gt 0 ] || versions=(6.1 6.12 6.18)

need() { # need <command> <debian package>
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then echo "arm64-loadcheck: $1 is missing: apt-get install $2" >&2; exit 1; fi
  echo "arm64-loadcheck: installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
need qemu-system-aarch64 qemu-system-arm
need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
[ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ] || need /usr/aarch64-linux-gnu/lib/libc.so.6 libc6-dev-arm64-cross
[ -f /usr/include/bpf/libbpf.h ] || need /usr/include/bpf/libbpf.h libbpf-dev
need busybox busybox-static
libbpf=src/Gadget.Bpf/runtimes/linux-arm64/native/libbpf.so.1
[ -f "$libbpf" ] || eng/build-libbpf.sh arm64
ls bpf/out/arm64/*.bpf.o >/dev/null 2>&1 || { echo "arm64-loadcheck: no bpf/out/arm64/*.bpf.o: run 'make -C bpf'" >&2; exit 1; }

work=$(mktemp -d /tmp/gadget-arm64.XXXXXX)
qemu_pid=""
cleanup() { [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# The loader, against libbpf's headers (libbpf-dev; the API it uses is older than the shipped 1.7) and the shipped
# arm64 libbpf.so.1, which the initramfs carries with the arm64 glibc it needs (libc6-arm64-cross).
mkdir -p "$work/include" "$work/root/bin" "$work/root/lib" "$work/root/objects" "$work/root/proc" "$work/root/sys" "$work/root/dev"
ln -s /usr/include/bpf "$work/include/bpf"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -isystem "$work/include" eng/arm64/bpf-loadcheck.c "$libbpf" \
  -o "$work/root/bin/bpf-loadcheck"
cp "$libbpf" /usr/aarch64-linux-gnu/lib/libc.so.6 /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 "$work/root/lib/"
cp bpf/out/arm64/*.bpf.o "$work/root/objects/"
cp eng/arm64/init "$work/root/init"
# traceloop, NativeAOT-published for linux-arm64 (clang-19 and the cross C library link it; its own bin/obj under $work),
# and the strace oracle's commands: the VM records them and strace's view of them (eng/arm64/compare-strace.py).
echo "arm64-loadcheck: publishing traceloop for linux-arm64 (NativeAOT)"
if ! dotnet publish samples/Traceloop/Traceloop.csproj -c Release -r linux-arm64 -o "$work/traceloop" \
    --artifacts-path "$work/artifacts" -nologo -v quiet >"$work/publish.log" 2>&1; then
  cat "$work/publish.log" >&2
  echo "arm64-loadcheck: dotnet publish of traceloop for linux-arm64 failed" >&2
  exit 1
fi
mkdir -p "$work/root/traceloop" "$work/root/tmp"
cp -r "$work/traceloop/traceloop" "$work/traceloop/runtimes" "$work/root/traceloop/"
cp /usr/aarch64-linux-gnu/lib/libm.so.6 "$work/root/lib/"
cp eng/arm64/oracle-commands "$work/root/oracle-commands"

passed=0
failed=0
for v in "${versions[@]}"; do
  start=$(date +%s)
  kernel=$(eng/arm64/fetch.sh "$v" "$cache")
  results="$repo/TestResults/arm64/$v"
  rm -rf "$results" && mkdir -p "$results"
  cp "$kernel/busybox" "$work/root/bin/busybox"
  cp -a "$kernel/strace-root/." "$work/root/"
  (cd "$work/root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.cpio.gz"
  echo "== arm64 kernel $v ($(cat "$kernel/package")): booting under qemu-system-aarch64 (TCG)"
  # -cpu max with the cheap pointer-authentication algorithm (QARMA emulation is slow under TCG).
  timeout --kill-after=10 "$timeout_s" qemu-system-aarch64 -M virt -accel tcg -cpu max,pauth-impdef=on -m 1G -smp 2 \
    -nodefaults -display none -serial stdio -no-reboot \
    -kernel "$kernel/vmlinuz" -initrd "$work/initrd.cpio.gz" \
    -append "console=ttyAMA0 panic=-1 quiet" \
    </dev/null >"$results/console.log" 2>&1 &
  qemu_pid=$!
  tail -n +1 -f "$results/console.log" --pid "$qemu_pid" | grep --line-buffered -aE '^(gadget-arm64:|OK |SKIP |FAIL |    \| |[0-9]+ passed)' || true
  vm_status=0
  wait "$qemu_pid" || vm_status=$?
  qemu_pid=""
  counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\r*$/\1 \2/p' "$results/console.log" | tail -n 1)
  if [ -z "$counts" ]; then
    echo "arm64-loadcheck: $v: the VM ended without the loader's count (qemu exit $vm_status; timeout ${timeout_s}s?): one failure. See $results/console.log" >&2
    p=0; f=1
  else
    read -r p f <<<"$counts"
  fi
  # The strace oracle over the commands traceloop recorded in the VM: one more test per kernel.
  if eng/arm64/compare-strace.py "$results/console.log" | tee "$results/strace-oracle.txt" | grep -vE '^    '; then
    p=$((p + 1))
  else
    echo "arm64-loadcheck: $v: the strace oracle failed (differences: $results/strace-oracle.txt)" >&2
    f=$((f + 1))
  fi
  echo "== arm64 kernel $v: $p passed, $f failed in $(( $(date +%s) - start )) s"
  passed=$((passed + p))
  failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
