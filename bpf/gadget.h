/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Shared definitions for Gadget's BPF programs. */
#ifndef GADGET_H
#define GADGET_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define TASK_COMM_LEN 16

/*
 * The current task for CO-RE reads (BPF_CORE_READ, which goes through bpf_probe_read_kernel). Not a BTF pointer:
 * bpf_get_current_task_btf() would need Linux 5.11, bpf_get_current_task() is there since 4.8.
 */
/*
 * bpf_probe_read_user_str() returns 0, not 1, for an empty string on kernels whose strncpy_from_user_nofault() counts
 * the NUL only after a non-empty string (Debian's 5.10, 6.1 and 6.12 do; 6.18 returns 1). The NUL is copied either way
 * and a fault is always negative: so 0 means "", and the callers count it as one byte (the NUL).
 */

static __always_inline struct task_struct *gadget_current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * The process an event is about, the same in every gadget's record (C# reads it as the type generated from BTF): 56
 * bytes, 8-byte aligned in the records. pcomm is the PARENT process's comm (as ig's pcomm), not the thread's own: the
 * comm of real_parent's thread group leader, what /proc/PPID/comm and ps show (real_parent itself is the thread that
 * forked, e.g. ".NET TP Worker" for a child of a .NET process).
 */
struct gadget_process {
	u32 pid;		/* tgid */
	u32 tid;
	u32 ppid;		/* real_parent's tgid */
	u32 uid;
	u32 gid;
	u32 reserved;
	char comm[TASK_COMM_LEN];
	char pcomm[TASK_COMM_LEN];	/* real_parent->group_leader's comm */
};

/* Fills *process from the current task: ids, credentials (init namespace), the real parent's tgid and its leader's comm. */
static __always_inline void gadget_process_fill(struct gadget_process *process)
{
	u64 id = bpf_get_current_pid_tgid();
	u64 ugid = bpf_get_current_uid_gid();
	struct task_struct *parent = BPF_CORE_READ(gadget_current_task(), real_parent);
	process->pid = id >> 32;
	process->tid = (u32)id;
	process->uid = (u32)ugid;
	process->gid = ugid >> 32;
	process->reserved = 0;
	process->ppid = BPF_CORE_READ(parent, tgid);
	bpf_get_current_comm(process->comm, sizeof(process->comm));
	if (BPF_CORE_READ_STR_INTO(&process->pcomm, parent, group_leader, comm) < 0)
		process->pcomm[0] = 0;
}

/*
 * The context of the syscalls:sys_enter_* and sys_exit_* tracepoints. Every syscall tracepoint's record has this layout
 * (the kernel's struct syscall_trace_enter/exit: the 8-byte common header, the syscall number, then the six arguments or
 * the return value at offset 16; /sys/kernel/tracing/events/syscalls/sys_enter_openat/format shows it), on every
 * architecture and kernel Gadget supports. vmlinux.h's trace_event_raw_sys_enter/exit describe the same bytes, but as
 * CO-RE types: for each struct type a program relocates, libbpf searches all of the kernel's BTF types (~150,000) for
 * candidates when the object loads, about 1 ms each on this machine (6.18): time before the first event that these
 * fixed offsets do not need. Declared after vmlinux.h, these have no preserve_access_index: no CO-RE relocation.
 */
struct gadget_syscall_enter {
	u64 common;	/* common_type, common_flags, common_preempt_count, common_pid */
	long id;
	unsigned long args[6];
};

struct gadget_syscall_exit {
	u64 common;
	long id;
	long ret;
};

#endif
