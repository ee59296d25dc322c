/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * The floor every syscall tracer pays: empty programs on the same hooks traceloop uses (the raw syscall tracepoints
 * sys_enter and sys_exit, as BTF programs: bpf/syscall_regs.h says why). Loaded only by the benchmarks
 * (benchmarks/Gadget.Benchmarks: the `Floor` arm and `syscall-floor` mode): the difference between this arm and an
 * untraced run is the cost of the hooks being enabled at all, before any work. An empty raw_tp pair costs the same; the
 * classic tracepoint (tracepoint/raw_syscalls) about twice as much (benchmarks/README.md, "The syscall hook").
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}
