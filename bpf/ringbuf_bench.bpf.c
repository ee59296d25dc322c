/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Benchmark object for ring buffer consumers: fill_ring (run with BPF_PROG_TEST_RUN) writes ctx[0] records of
 * 64 bytes into a 16 MiB ring buffer with bpf_loop, without waking the consumer; fill_ring_large writes ctx[0] records of
 * 1 KiB into a 256 MiB one (only their sequence number is written: the consumers read nothing else). fill_perf writes ctx[0] records of
 * 64 bytes into this CPU's ring of the perf event array bench_perf, for the perf buffer consumers.
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

struct bench_large_record {
	u64 sequence;
	u64 payload[127];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024 * 1024);
} bench_ring_large SEC(".maps");

static long emit_large_record(u32 index, void *unused)
{
	struct bench_large_record *r = bpf_ringbuf_reserve(&bench_ring_large, sizeof(*r), 0);
	if (!r) {
		bench_dropped++;
		return 0;
	}
	r->sequence = bench_sequence++;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/* ctx[0]: number of 1 KiB records. */
SEC("raw_tp/sys_enter")
int fill_ring_large(u64 *ctx)
{
	bench_dropped = 0;
	bpf_loop((u32)ctx[0], emit_large_record, NULL, 0);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} bench_perf SEC(".maps");

/* Records the perf ring refused by the last fill_perf (full). */
u64 bench_perf_dropped = 0;

struct perf_fill {
	void *ctx; /* bpf_perf_event_output needs the program's context: the verifier follows it through the stack */
};

static long emit_perf_record(u32 index, struct perf_fill *fill)
{
	struct bench_record r = { .sequence = bench_sequence++ };
	for (int i = 0; i < 7; i++)
		r.payload[i] = index;
	if (bpf_perf_event_output(fill->ctx, &bench_perf, BPF_F_CURRENT_CPU, &r, sizeof(r)) < 0)
		bench_perf_dropped++;
	return 0;
}

/* ctx[0]: number of records, into the perf ring of the CPU the test run is on. */
SEC("raw_tp/sys_enter")
int fill_perf(u64 *ctx)
{
	struct perf_fill fill = { .ctx = ctx };
	bench_perf_dropped = 0;
	bpf_loop((u32)ctx[0], emit_perf_record, &fill, 0);
	return 0;
}
