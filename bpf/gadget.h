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

#endif
