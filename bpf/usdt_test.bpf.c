/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: a USDT probe (provider gadget, name tick, one argument), attached with BpfProgram.AttachUsdt. */
#include "gadget.h"
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

s64 usdt_sum = 0;
u64 usdt_calls = 0;

SEC("usdt")
int BPF_USDT(on_tick, long value)
{
	__sync_fetch_and_add(&usdt_sum, value);
	__sync_fetch_and_add(&usdt_calls, 1);
	return 0;
}
