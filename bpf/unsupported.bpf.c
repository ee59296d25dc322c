/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: fentry, which some kernels refuse (lockdown, no trampolines), to check the error Gadget gives. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Only this process's nanosleeps are counted (0: every process's). */
const volatile u32 target_tgid = 0;

u64 calls = 0;

SEC("fentry/do_nanosleep")
int BPF_PROG(on_nanosleep_entry)
{
	if (target_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__sync_fetch_and_add(&calls, 1);
	return 0;
}
