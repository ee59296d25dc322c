/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * The object of samples/BpfSkeleton (a typed skeleton generated from this object's BTF by Gadget.Bpf.Generators): one
 * event per getppid() of the traced process, through a ring buffer, and a count per (pid, kind) in a hash map. Its
 * event has what the generator must express: an enum, bitfields, a char array and a union with an anonymous struct.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

enum sample_kind {
	SAMPLE_GETPPID = 1,
	SAMPLE_OTHER = 2,
};

struct sample_key {
	u32 pid;
	enum sample_kind kind;
};

struct sample_event {
	u64 timestamp;
	u32 pid;
	u32 tid;
	enum sample_kind kind;
	u32 first_call : 1;	/* the first event of this (pid, kind) since load */
	u32 cpu : 12;
	char comm[16];
	union {
		u64 raw;	/* tid << 32 | pid */
		struct {
			u32 lo;
			u32 hi;
		};
	} ids;
};

/* Only this process (tgid) is traced; set before load. */
const volatile u32 target_tgid = 0;

/* Events sent (.bss, read after load). */
u64 calls = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sample_key);
	__type(value, u64);
} counts SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 pid = id >> 32;
	if (pid != target_tgid)
		return 0;
	struct sample_key key = { .pid = pid, .kind = SAMPLE_GETPPID };
	u64 one = 1;
	u64 *count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	struct sample_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		return 0;
	event->timestamp = bpf_ktime_get_boot_ns();
	event->pid = pid;
	event->tid = (u32)id;
	event->kind = SAMPLE_GETPPID;
	event->first_call = count == NULL;
	event->cpu = bpf_get_smp_processor_id() & 0xfff;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->ids.raw = ((u64)(u32)id << 32) | pid;
	__sync_fetch_and_add(&calls, 1);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* Names the event type for the generator (a pointer global: never set, never read). */
const struct sample_event *unused_sample_event __attribute__((unused));
