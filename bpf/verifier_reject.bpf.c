/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object: a program the verifier must reject (a map value used without a NULL check). */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} values SEC(".maps");

SEC("raw_tp/sys_enter")
int unchecked_lookup(void *ctx)
{
	u32 key = 1;
	u64 *value = bpf_map_lookup_elem(&values, &key);
	/* Missing 'if (!value) return 0;': the verifier reports an invalid mem access on a map_value_or_null. */
	*value += 1;
	return 0;
}
