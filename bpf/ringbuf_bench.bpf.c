/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Benchmark object for ring buffer consumers: fill_ring (run with BPF_PROG_TEST_RUN) writes ctx[0] records of
 * 64 bytes into a 16 MiB ring buffer with bpf_loop, without waking the consumer.
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct bench_record {
	u64 sequence;
	u64 payload[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} bench_ring SEC(".maps");

/* Records refused by the last fill (ring full), and the next sequence number. */
u64 bench_dropped = 0;
u64 bench_sequence = 0;

static long emit_record(u32 index, void *unused)
{
	struct bench_record *r = bpf_ringbuf_reserve(&bench_ring, sizeof(*r), 0);
	if (!r) {
		bench_dropped++;
		return 0;
	}
	r->sequence = bench_sequence++;
	for (int i = 0; i < 7; i++)
		r->payload[i] = index;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/* ctx[0]: number of records. */
SEC("raw_tp/sys_enter")
int fill_ring(u64 *ctx)
{
	bench_dropped = 0;
	bpf_loop((u32)ctx[0], emit_record, NULL, 0);
	return 0;
}
