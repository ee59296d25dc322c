/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: a program that calls bpf_get_current_task_btf (Linux 5.11), to check what loading it says elsewhere. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

u32 last_pid = 0;

SEC("raw_tp/sys_enter")
int read_task_btf(void *ctx)
{
	last_pid = bpf_get_current_task_btf()->pid;
	return 0;
}
