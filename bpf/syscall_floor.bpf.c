/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * The floor every syscall tracer pays: empty programs on the same hooks traceloop uses (raw_syscalls sys_enter and
 * sys_exit). Loaded only by the benchmarks (benchmarks/Gadget.Benchmarks: the `Floor` arm and `syscall-floor` mode):
 * the difference between this arm and an untraced run is the cost of the hooks being enabled at all, before any work.
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tracepoint/raw_syscalls/sys_enter")
int floor_sys_enter(void *ctx)
{
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int floor_sys_exit(void *ctx)
{
	return 0;
}
