// SPDX-License-Identifier: MIT
// The per-record callbacks of the libbpf baselines in RingBufferConsumeBenchmarks and PerfBufferConsumeBenchmarks, in C so that the baseline is libbpf's
// consumer as a C program would use it. It does the same work as the managed handlers: count the record and add up its
// first 8 bytes (the sequence number), so the record is really read.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct gadget_bench_state {
	uint64_t count;
	uint64_t sum;
};

int gadget_bench_on_record(void *ctx, void *data, size_t size)
{
	struct gadget_bench_state *state = ctx;
	uint64_t sequence;
	(void)size;
	memcpy(&sequence, data, sizeof(sequence));
	state->count++;
	state->sum += sequence;
	return 0;
}

/* perf_buffer_sample_fn: the same work for a perf buffer sample. */
void gadget_bench_on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	(void)cpu;
	gadget_bench_on_record(ctx, data, size);
}
