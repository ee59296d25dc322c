/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: a .kconfig extern that no kernel config has, so it resolves only through the kconfig open option. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

extern u32 CONFIG_GADGET_ANSWER __kconfig;

u64 answer_seen = 0;

SEC("raw_tp")
int read_answer(void *ctx)
{
	answer_seen = CONFIG_GADGET_ANSWER;
	return 0;
}
