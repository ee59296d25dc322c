#!/usr/bin/env bash
# Runs Gadget's test suite against the real kernel: real BPF programs, real syscalls, real containers.
# Needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN). Installs the Debian packages the tests use when they
# are missing (it says so first). Prints 'N passed, N failed' as its last line, counted from the TRX results.
set -euo pipefail
cd "$(dirname "$0")"

# Started as a background job of a non-interactive shell (`./test.sh &`, nohup), this script and everything it starts
# inherit SIGINT ignored, and bash cannot undo that: the CLI tests' Ctrl-C then reaches tools that ignore it, as .NET
# keeps an inherited SIG_IGN, and each such test hangs for minutes. Start again with the default disposition.
if [ -z "${GADGET_TEST_SIGNALS_RESET:-}" ] && [ $(( 0x$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status) & 0x2 )) != 0 ] && command -v python3 >/dev/null; then
  export GADGET_TEST_SIGNALS_RESET=1
  exec python3 -c 'import os, signal, sys; [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE, signal.SIGXFSZ)]; os.execv(sys.argv[1], sys.argv[1:])' "$(pwd)/test.sh" "$@"
fi

# Progress: every step and every test project says when it starts and how long it took.
started=$SECONDS
elapsed() { local s=$((SECONDS - ${1:-$started})); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
step() { echo "test.sh: [$(elapsed)] $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "test.sh: the tests load BPF programs into the kernel and run containers: run as root (sudo ./test.sh)." >&2
  exit 1
fi

# Runtime packages the tests use (the BPF objects are prebuilt; clang rebuilds them, and compiles the skeleton generator's
# synthetic test objects: clang-19 with libbpf's headers; arm's syscall header, which traceloop's generated AArch32 table is
# compared with, is in linux-libc-dev-armhf-cross).
packages=(libbpf1 runc busybox-static strace python3 gcc systemtap-sdt-dev iproute2 util-linux libcap2-bin bpftool clang-19 libbpf-dev
  linux-libc-dev-armhf-cross)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The libbpf.so.1 that Gadget.Bpf ships (and the tests load) is built from Debian's sources, not committed: a no-op when
# it is up to date (eng/build-libbpf.sh; 'all' also cross-builds linux-arm64, which the package holds too).
step "libbpf 1.7 (eng/build-libbpf.sh; a no-op when up to date)"
eng/build-libbpf.sh all || { echo "test.sh: building libbpf failed (eng/build-libbpf.sh)." >&2; echo "0 passed, 1 failed"; exit 1; }

results="$(pwd)/TestResults"
rm -rf "$results"
status=0
crashed=0
step "building Gadget.sln (Release; minutes on a small machine: one line per project built)"
build_started=$SECONDS
dotnet build Gadget.sln -c Release -v minimal -nologo -clp:NoSummary || { echo "test.sh: the build failed." >&2; echo "0 passed, 1 failed"; exit 1; }
step "built in $(elapsed "$build_started")"
projects=(tests/*/*.Tests.csproj)
index=0
for project in "${projects[@]}"; do
  index=$((index + 1))
  name=$(basename "$project" .csproj)
  step "($index/${#projects[@]}) $name"
  project_started=$SECONDS
  dotnet test "$project" -c Release --no-build \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --blame-hang --blame-hang-timeout 5m \
    "$@" || status=$?
  if [ ! -f "$results/$name.trx" ]; then
    echo "test.sh: $name wrote no results (test host crashed?): counted as one failure." >&2
    crashed=$((crashed + 1))
  else
    counters=$(grep -o '<Counters [^>]*>' "$results/$name.trx" | head -n 1)
    step "($index/${#projects[@]}) $name: $(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters") passed, $(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters") failed in $(elapsed "$project_started")"
  fi
done

passed=0
failed=$crashed
shopt -s nullglob
trx_files=("$results"/*.trx "$results"/*/*.trx)
for trx in "${trx_files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done
if [ "${#trx_files[@]}" = 0 ] || [ $((passed + failed)) = 0 ]; then
  echo "test.sh: no test results were written (build failure or crash); see the output above." >&2
  status=1
fi
if [ "$failed" -gt 0 ]; then
  status=1
  # Name every failed test here with the first lines of its message, next to the count: a long log's tail is often all
  # that is read.
  echo "test.sh: failed tests:"
  python3 eng/trx-failures.py "${trx_files[@]}" || true
fi
step "done"
echo "$passed passed, $failed failed"
exit "$status"
