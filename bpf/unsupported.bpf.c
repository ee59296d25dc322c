/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: program kinds this kernel refuses (fentry, lsm), to check the error Gadget gives. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

u64 calls = 0;

SEC("fentry/do_nanosleep")
int BPF_PROG(on_nanosleep_entry)
{
	calls++;
	return 0;
}
