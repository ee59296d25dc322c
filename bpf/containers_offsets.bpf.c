/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Kernel memory window reader for task_struct offset probing (Gadget.Containers' TaskOffsetProber), for kernels
 * without BTF: no CO-RE relocations here. Run with BPF_PROG_TEST_RUN, so "current" is the calling thread.
 * Context (u64[4]): {depth (0..2), offset0, offset1, window start}. Starting from the current task_struct, follow
 * `depth` pointers (at offset0, then offset1), then copy sizeof(window) bytes from `window start` into .bss.
 */
#include "gadget.h" /* types only: no struct field is accessed, so there are no CO-RE relocations */

/* One .bss variable, so its layout is known: the result of the last read, then the window. */
struct {
	long read_result;
	unsigned char window[1024];
} out = {};

SEC("raw_tp")
int read_window(u64 *ctx)
{
	u64 p = (u64)bpf_get_current_task();
	u64 depth = ctx[0];
	out.read_result = 0;
	if (depth > 0 && (out.read_result = bpf_probe_read_kernel(&p, sizeof(p), (void *)(p + ctx[1]))) != 0)
		return 1;
	if (depth > 1 && (out.read_result = bpf_probe_read_kernel(&p, sizeof(p), (void *)(p + ctx[2]))) != 0)
		return 1;
	out.read_result = bpf_probe_read_kernel(out.window, sizeof(out.window), (void *)(p + ctx[3]));
	return out.read_result ? 1 : 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
