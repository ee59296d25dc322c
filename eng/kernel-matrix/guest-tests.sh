#!/usr/bin/env bash
# Runs inside the test VM, chrooted into the host's tree (read-only; /tmp, /run, /root are tmpfs): the kernel-matrix
# subset of the test projects, already built on the host, in one test run (one test host start per project, not one
# runner per project: each costs ~40 s under TCG), with one TRX into $GADGET_VM_RESULTS (the host's
# TestResults/kernels/<version>, shared read-write). GADGET_EXPECTED_FEATURES lists what this kernel must support:
# a test that finds one of them missing fails instead of taking its "not supported" path (KernelFeatures in the tests).
set -uo pipefail
cd "$GADGET_VM_REPO"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_HOME=/root
export VSTEST_CONNECTION_TIMEOUT=300
echo "gadget-vm: expected features: $GADGET_EXPECTED_FEATURES"
if [ -f "$GADGET_VM_RESULTS/command.sh" ]; then
  # eng/kernel-matrix.sh --command '...': a shell command instead of the tests (to look around a kernel).
  bash "$GADGET_VM_RESULTS/command.sh"
  exit $?
fi
dlls=()
for project in $GADGET_VM_PROJECTS; do
  dlls+=("tests/$project/bin/Release/net10.0/$project.dll")
done
start=$(date +%s)
dotnet test "${dlls[@]}" --filter "$GADGET_VM_FILTER" \
  --logger "trx;LogFileName=kernel-$GADGET_VM_KERNEL.trx" --logger "console;verbosity=normal" \
  --results-directory "$GADGET_VM_RESULTS" --blame-hang --blame-hang-timeout 5m
status=$?
echo "gadget-vm: tests took $(( $(date +%s) - start )) s"
exit $status
