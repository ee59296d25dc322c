/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * traceloop: a syscall flight recorder for containers.
 *
 * Every syscall entry and exit of a recorded cgroup (cgroup2 id, i.e. a container) is written to that cgroup's own
 * overwritable perf ring (traceloop_rings.h: a pool of rings; a cgroup created while new cgroups are claimed gets one at
 * its first syscall, in the kernel, without waiting for user space). A cgroup that is not recorded pays one map lookup
 * per syscall and nothing else. A noisy container only overwrites its own ring. When the last thread of a process of a
 * recorded cgroup exits, a process-exit record carries the kernel's wait status (exit code, or signal and core dump).
 *
 * Records have a variable size: a header, then one capture per pointer argument that syscall_specs says to read
 * (traceloop_captures.h).
 *
 * Inputs (strings, buffers, socket addresses, argv) are read at sys_enter, where a BPF program cannot fault a page in:
 * memory the process has not touched yet (a string literal in a page of .rodata never read before, as ld.so's first
 * openat has) reads as unreadable there. Such an input, when its pointer is not NULL, is read again at sys_exit, once the
 * kernel itself has copied it (getname, copy_from_user fault the page in), and the exit record carries it with the same
 * arg index: user space then uses it instead of the enter's unreadable capture. Not retried when the process has a new
 * memory image at exit (a successful execve/execveat): the pointer means nothing there, the capture stays unreadable. A
 * retried read that fails again (a bad pointer: EFAULT) adds nothing to the exit record. What the exit reads is the
 * memory as it is when the syscall returns (another thread could have changed it in between; the syscall did not).
 *
 * Layout (little endian, read by src/Gadget.Traceloop/TraceloopRecordLayout.cs; a test checks both against this file's BTF):
 *   header (32 bytes): u64 timestamp (boot ns), u32 pid (tgid), u32 tid, s32 nr, u16 size (whole record),
 *                      u8 kind (1 enter, 2 exit, 3 process exit), u8 capture count,
 *                      s64 value: exit: the return value; enter: its sequence number in this CPU's ring (0 for the first
 *                      enter written to it: the number of enters before it); process exit: the wait status
 *                      ((code << 8) | signal | 0x80 when it dumped core); nr is -1 for a process exit
 *   enter only:        u64 args[6], char comm[16]
 *   captures:          u8 arg index, u8 status (0 complete, 1 truncated, 2 unreadable), u16 length, u8 data[length]
 *                      (data per kind: traceloop_captures.h; an iovec array is u64 iov_len, u16 n, n bytes per entry;
 *                      a dirent count is a u32)
 *                      enter: the inputs, in arg order; exit: the outputs, and the inputs read again (see above),
 *                      in arg order; an arg index appears at most once per record.
 */
#include "gadget.h"
#include "traceloop_captures.h"
#include "traceloop_rings.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define KIND_ENTER 1
#define KIND_EXIT 2
#define KIND_PROCESS_EXIT 3
#define SIGNAL_GROUP_EXIT 0x00000004

struct record_header {
	u64 timestamp;
	u32 pid;
	u32 tid;
	s32 nr;
	u16 size;
	u8 kind;
	u8 capture_count;
	s64 value;	/* exit: the return value; enter: its sequence number; process exit: the wait status */
};

struct enter_body {
	u64 args[6];
	char comm[TASK_COMM_LEN];
};

/* What sys_exit needs from sys_enter to read output buffers and to read again the inputs that were unreadable. */
struct pending_syscall {
	u64 args[6];
	s64 nr;
	u64 mm;		/* the memory image at entry (task->mm): a different one at exit means execve replaced it */
	u8 retry_mask;	/* bit i: input arg i was unreadable at entry although not NULL */
	u32 saved_len;	/* what SOCKADDR_OUT/MSGHDR_OUT need from entry: *addrlen, msg_namelen (0 when unreadable) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, struct pending_syscall);
} pending SEC(".maps");

/* The layouts user space reads, named in the object's BTF: a test compares them with TraceloopRecordLayout and RingEvent. */
const struct record_header *unused_record_header __attribute__((unused));
const struct enter_body *unused_enter_body __attribute__((unused));
const struct capture_header *unused_capture_header __attribute__((unused));
const struct ring_event *unused_ring_event __attribute__((unused));

/* The current cgroup's ring and its counters on this CPU (both NULL when it is not recorded). */
struct ring_ref {
	void *ring;
	struct ring_counters *counters;
};

static __always_inline bool find_ring(struct ring_ref *ref, bool claim)
{
	u32 slot = current_slot(bpf_get_current_cgroup_id(), claim);
	if (slot == NO_SLOT)
		return false;
	/* NULL while user space frees the slot: it deletes the cgroup's entry first, then the ring. */
	ref->ring = bpf_map_lookup_elem(&ring_pool, &slot);
	ref->counters = bpf_map_lookup_elem(&slot_counters, &slot);
	return ref->ring && ref->counters;
}

/* Starts a record in buf: its header, for the current thread, now (capture count 0 until the captures are added). */
static __always_inline struct record_header *start_record(struct scratch_buffer *buf, u64 pid_tgid, s32 nr, u8 kind, s64 value)
{
	struct record_header *h = (void *)buf->data;
	h->timestamp = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->nr = nr;
	h->kind = kind;
	h->capture_count = 0;
	h->value = value;
	return h;
}

/* Writes the record in buf to this CPU's buffer of the ring; returns whether the kernel took it. */
static __always_inline bool emit(void *ctx, struct ring_ref *ref, struct scratch_buffer *buf, u32 size)
{
	struct record_header *h = (void *)buf->data;
	h->size = size;
	size &= SCRATCH_SIZE - 1;
	if (size < sizeof(struct record_header))
		return false;
	if (bpf_perf_event_output(ctx, ref->ring, BPF_F_CURRENT_CPU, buf->data, size) != 0) {
		ref->counters->failed++;
		return false;
	}
	return true;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int traceloop_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct ring_ref ref;
	if (!find_ring(&ref, true))
		return 0;

	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;

	u64 pid_tgid = bpf_get_current_pid_tgid();
	s64 nr = ctx->id;
	struct record_header *h = start_record(buf, pid_tgid, nr, KIND_ENTER, ref.counters->enters);

	struct enter_body *body = (void *)&buf->data[sizeof(struct record_header)];
	/* Plain loads from the tracepoint's record (a fixed format) instead of a helper call per argument. Written out: a
	 * loop lets clang step a copy of the ctx pointer, which the verifier refuses. */
	u64 args[6] = { ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[4], ctx->args[5] };
	__builtin_memcpy(body->args, args, sizeof(args));
	bpf_get_current_comm(body->comm, sizeof(body->comm));

	u32 offset = sizeof(struct record_header) + sizeof(struct enter_body);
	u8 captures = 0;
	bool has_output = false;
	buf->retry_mask = 0;
	buf->saved_len = 0;
	u32 key = (u32)nr;
	struct syscall_spec *spec = nr >= 0 && nr < MAX_SYSCALL_NR ? bpf_map_lookup_elem(&syscall_specs, &key) : 0;
	if (spec) {
		for (int i = 0; i < 6; i++) {
			struct arg_spec a = spec->args[i];
			if (is_output(a.kind))
				has_output = true;
			if (a.kind == CAPTURE_SOCKADDR_OUT || a.kind == CAPTURE_MSGHDR_OUT) {
				u64 at = a.kind == CAPTURE_SOCKADDR_OUT ? arg_at(args, a.length_arg) : arg_at(args, i) + 8;
				buf->saved_len = 0;
				if (at > 8)
					bpf_probe_read_user(&buf->saved_len, 4, (const void *)at);
			}
			if (!is_input(a.kind))
				continue;
			u64 length = a.kind == CAPTURE_STRUCT_IN ? a.fixed_size : arg_at(args, a.length_arg);
			u32 r = capture_input(offset, i, a.kind, arg_at(args, i), length);
			if (r & CAPTURE_FAULTED)
				buf->retry_mask |= 1 << i;
			offset = r & (SCRATCH_SIZE - 1);
			captures++;
		}
	}
	h->capture_count = captures;

	u8 retry_mask = buf->retry_mask;
	if (has_output || retry_mask) {
		u32 tid = (u32)pid_tgid;
		/* The memory image matters only for a retry (it is rare): no read of task->mm otherwise. */
		u64 mm = retry_mask ? (u64)BPF_CORE_READ(gadget_current_task(), mm) : 0;
		/* This thread's entry from its last such syscall is rewritten in place: no map update (an LRU node swap). */
		struct pending_syscall *p = bpf_map_lookup_elem(&pending, &tid);
		if (p) {
			__builtin_memcpy(p->args, args, sizeof(args));
			p->nr = nr;
			p->mm = mm;
			p->retry_mask = retry_mask;
			p->saved_len = buf->saved_len;
		} else {
			struct pending_syscall fresh = { .nr = nr, .mm = mm, .retry_mask = retry_mask, .saved_len = buf->saved_len };
			__builtin_memcpy(fresh.args, args, sizeof(args));
			bpf_map_update_elem(&pending, &tid, &fresh, BPF_ANY);
		}
	}

	if (emit(ctx, &ref, buf, offset))
		ref.counters->enters++;
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int traceloop_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct ring_ref ref;
	if (!find_ring(&ref, false))
		return 0;

	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;

	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid;
	s64 nr = ctx->id;
	s64 ret = ctx->ret;
	struct record_header *h = start_record(buf, pid_tgid, nr, KIND_EXIT, ret);

	u32 offset = sizeof(struct record_header);
	u8 captures = 0;
	struct pending_syscall *p = bpf_map_lookup_elem(&pending, &tid);
	if (p) {
		struct pending_syscall saved = *p;
		/* Used up: marked, not deleted (the next such syscall of this thread rewrites it; LRU evicts a gone thread's). */
		p->nr = -1;
		u32 key = (u32)nr;
		struct syscall_spec *spec = saved.nr == nr && nr >= 0 && nr < MAX_SYSCALL_NR ? bpf_map_lookup_elem(&syscall_specs, &key) : 0;
		/* A new memory image (execve succeeded): the input pointers of the old one mean nothing now. */
		u8 retry_mask = saved.retry_mask && saved.mm == (u64)BPF_CORE_READ(gadget_current_task(), mm) ? saved.retry_mask : 0;
		if (spec) {
			for (int i = 0; i < 6; i++) {
				struct arg_spec a = spec->args[i];
				if (is_input(a.kind)) {
					if (!(retry_mask & (1 << i)))
						continue;
					u64 length = a.kind == CAPTURE_STRUCT_IN ? a.fixed_size : arg_at(saved.args, a.length_arg);
					u32 r = capture_input(offset, i, a.kind, arg_at(saved.args, i), length);
					/* Unreadable again (a bad pointer): the enter's capture already says so. */
					if (!(r & CAPTURE_FAULTED)) {
						offset = r & (SCRATCH_SIZE - 1);
						captures++;
					}
					continue;
				}
				if (!is_output(a.kind))
					continue;
				if (a.kind == CAPTURE_SOCKADDR_OUT) {
					/* The address's length asked for is printed even when the call failed. */
					offset = capture_sockaddr_out(offset, i, arg_at(saved.args, i), arg_at(saved.args, a.length_arg), saved.saved_len | ((u64)(ret >= 0) << 32));
				} else if (a.kind == CAPTURE_MSGHDR_OUT && ret >= 0) {
					offset = capture_msghdr_out(offset, i, arg_at(saved.args, i), saved.saved_len, (u64)ret);
				} else if (a.kind == CAPTURE_ARRAY_INOUT) {
					/* The input as the kernel left it (poll: events, and revents when it returned): read even after a failure. */
					u64 length = arg_at(saved.args, a.length_arg) * a.fixed_size;
					offset = capture_output(offset, i, arg_at(saved.args, i), length);
				} else if (ret < 0) {
					/* The kernel wrote nothing: an empty capture says so without inventing content. */
					offset = put_capture_header(buf, offset, i, STATUS_UNREADABLE, 0);
				} else if (a.kind == CAPTURE_DIRENT_COUNT) {
					offset = capture_dirent_count(offset, i, arg_at(saved.args, i), (u64)ret);
				} else if (a.kind == CAPTURE_IOVEC_OUT) {
					offset = capture_output_iovec(offset, i, arg_at(saved.args, i), arg_at(saved.args, a.length_arg), (u64)ret);
				} else {
					u64 length = a.kind == CAPTURE_BUFFER_OUT ? (u64)ret : a.fixed_size;
					offset = capture_output(offset, i, arg_at(saved.args, i), length);
				}
				captures++;
			}
		}
	}
	h->capture_count = captures;
	emit(ctx, &ref, buf, offset);
	return 0;
}

/* The last thread of a process of a recorded cgroup exits: its wait status, as the kernel reports it to the parent. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(traceloop_process_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads of the process still run */
	struct ring_ref ref;
	if (!find_ring(&ref, false))
		return 0;
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;
	u64 pid_tgid = bpf_get_current_pid_tgid();
	/* The group's status when it died of a signal or exit_group(), else this task's own. */
	u32 code = BPF_CORE_READ(task, exit_code);
	if (BPF_CORE_READ(task, signal, flags) & SIGNAL_GROUP_EXIT)
		code = BPF_CORE_READ(task, signal, group_exit_code);
	start_record(buf, pid_tgid, -1, KIND_PROCESS_EXIT, code);
	emit(ctx, &ref, buf, sizeof(struct record_header));
	return 0;
}
