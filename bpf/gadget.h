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
static __always_inline struct task_struct *gadget_current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

#endif
