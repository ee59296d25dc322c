/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * traceloop: a syscall flight recorder for containers.
 *
 * Every syscall of a recorded cgroup (cgroup2 id, i.e. a container) is written to that cgroup's own overwritable perf ring
 * (traceloop_rings.h: a pool of rings; a cgroup created while new cgroups are claimed gets one at its first syscall, in the
 * kernel, without waiting for user space). A process that is not recorded pays, per syscall entry and exit, a check of
 * its CPU's cached verdict for the task (traceloop_rings.h, current_slot: a few loads, no call), its cgroup id (four loads)
 * only when the CPU last ran another task, the hash lookup only when it last ran another cgroup, and nothing else. A noisy container only overwrites its own ring. When the last thread of a process of a recorded cgroup
 * exits, a process-exit record carries the kernel's wait status (exit code, or signal and core dump).
 *
 * The hooks are the raw syscall tracepoints as BTF programs (tp_btf/sys_enter, sys_exit): the number and arguments are
 * read from the registers (syscall_regs.h). Every process on the node pays the hooks, so they are the cheapest ones: the
 * classic tracepoint (tracepoint/raw_syscalls) first copies them into a perf trace record, about twice the hook's cost.
 *
 * One record per syscall on the fast path: sys_enter builds the enter's part (header, arguments, command, input captures)
 * in this CPU's scratch buffer and leaves it there, open; sys_exit of the same thread on the same CPU completes it with the
 * return value and the output captures and commits it once (KIND_SYSCALL). When the exit comes on another CPU, or another
 * recorded syscall enters on this CPU first (the first one blocked or was preempted), the open syscall is written as an
 * enter record then, and its exit as an exit record (the thread's pending entry has what the exit needs to read outputs);
 * user space pairs them by thread. A syscall that never returns (exit_group) or still runs when a dump is taken stays
 * open in the scratch buffer.
 *
 * Complete records are not written to the ring one by one: they are copied into this CPU's batch (in the scratch buffer),
 * which is written to its ring in one perf record when it is full or when a record for another ring comes on this CPU
 * (bpf_perf_event_output is the largest cost per record). User space reads every CPU's batch and open syscall when it
 * dumps (src/Gadget.Traceloop/Rings/UnwrittenRecords.cs), so that nothing recorded is missing from a dump.
 *
 * Records have a variable size: a header, then one capture per pointer argument that syscall_specs says to read
 * (traceloop_captures.h).
 *
 * Inputs (strings, buffers, socket addresses, argv) are read at sys_enter, where a BPF program cannot fault a page in:
 * memory the process has not touched yet (a string literal in a page of .rodata never read before, as ld.so's first
 * openat has) reads as unreadable there. Such an input, when its pointer is not NULL, is read again at sys_exit, once the
 * kernel itself has copied it (getname, copy_from_user fault the page in), and the exit's part carries it with the same
 * arg index: user space then uses it instead of the enter's unreadable capture. Not retried when the process has a new
 * memory image at exit (a successful execve/execveat): the pointer means nothing there, the capture stays unreadable. A
 * retried read that fails again (a bad pointer: EFAULT) adds nothing. What the exit reads is the memory as it is when the
 * syscall returns (another thread could have changed it in between; the syscall did not).
 *
 * Layout (little endian; src/Gadget.Traceloop reads it through C# types generated from this object's BTF):
 *   header (32 bytes): u64 timestamp (boot ns; of the entry for an enter or a syscall), u32 pid (tgid), u32 tid, s32 nr,
 *                      u16 size (whole record: a committed one is padded with zeros to a multiple of 8), u8 kind
 *                      (1 enter, 2 exit, 3 process exit, 4 syscall), u8 capture count,
 *                      s64 value: exit, syscall: the return value; process exit: the wait status ((code << 8) | signal |
 *                      0x80 when it dumped core); enter: 0; nr is -1 for a process exit, and has COMPAT_SYSCALL set
 *                      for a 32-bit syscall
 *   enter, syscall:    u64 args[6], char comm[16], u64 sequence (enter and syscall records written to this CPU's ring
 *                      before this one), u64 exit timestamp (syscall; 0 in an enter)
 *   captures:          u8 arg index, u8 status (0 complete, 1 truncated, 2 unreadable), u16 length, u8 data[length]
 *                      (data per kind: traceloop_captures.h; an iovec array is u64 iov_len, u16 n, n bytes per entry;
 *                      a dirent count is a u32)
 *                      enter: the inputs, in arg order; exit: the outputs, and the inputs read again (see above), in arg
 *                      order; syscall: the enter's, then the exit's (an input read again repeats its arg index: the later
 *                      capture replaces the earlier).
 */
#include "gadget.h"
#include "traceloop_captures.h"
#include "traceloop_rings.h"
#include "syscall_regs.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define KIND_ENTER 1
#define KIND_EXIT 2
#define KIND_PROCESS_EXIT 3
#define KIND_SYSCALL 4
#define SIGNAL_GROUP_EXIT 0x00000004
/* Set in a record's nr for a 32-bit syscall (syscall_regs_compat): nr is then in that ABI's numbering (ia32, AArch32), and
 * nothing behind its arguments is captured (syscall_specs describes the 64-bit ABI). */
#define COMPAT_SYSCALL 0x20000000
/* A batch is written when the next record would take it past this: its perf record (8-byte header, u32 size, the batch,
 * padded to 8) must stay smaller than a one-page ring (PagesPerCpu 1). Records of 8-byte multiples could fill all 4096. */
#define BATCH_LIMIT (BATCH_SIZE - 32)
#define SMALL_RECORD 192	/* records up to this size are copied into the batch inline (a syscall without captures: 112) */

struct record_header {
	u64 timestamp;
	u32 pid;
	u32 tid;
	s32 nr;
	u16 size;
	u8 kind;
	u8 capture_count;
	s64 value;	/* exit, syscall: the return value; process exit: the wait status; enter: 0 */
};

struct enter_body {
	u64 args[6];
	char comm[TASK_COMM_LEN];
	u64 sequence;		/* syscalls (enter and syscall records) written to this CPU's ring before this one */
	u64 exit_timestamp;	/* syscall: when it returned, or 0 when its task held the CPU from entry to exit; enter: 0 */
};

/* What sys_exit needs from sys_enter to read output buffers and to read again the inputs that were unreadable, when the
 * exit does not find its syscall open on its CPU (it moved to another CPU, or another syscall entered there meanwhile). */
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

/* The layouts user space reads, named in the object's BTF (C# types are generated from them). */
const struct record_header *unused_record_header __attribute__((unused));
const struct enter_body *unused_enter_body __attribute__((unused));
const struct capture_header *unused_capture_header __attribute__((unused));
const struct ring_event *unused_ring_event __attribute__((unused));
const struct scratch_buffer *unused_scratch_buffer __attribute__((unused));

/* A slot's ring and its counters on this CPU (both NULL when it is not recorded). */
struct ring_ref {
	void *ring;
	struct ring_counters *counters;
};

static __always_inline bool ring_at(struct ring_ref *ref, u32 slot)
{
	/* NULL while user space frees the slot: it deletes the cgroup's entry first, then the ring. */
	ref->ring = bpf_map_lookup_elem(&ring_pool, &slot);
	ref->counters = bpf_map_lookup_elem(&slot_counters, &slot);
	return ref->ring && ref->counters;
}

/* The ring of slot when it still belongs to cgroup_id (claims holds a cgroup's slot until user space frees the ring, also
 * after recording stopped: the records of a stopped ring still go to it). */
static __always_inline bool claimed_ring(struct ring_ref *ref, u64 cgroup_id, u32 slot)
{
	struct ring_claim *claim = bpf_map_lookup_elem(&claims, &cgroup_id);
	return claim && claim->slot == slot && ring_at(ref, slot);
}

/* Writes the batch to its ring: one perf record holding its records back to back. */
static __always_inline void flush(void *ctx, struct scratch_buffer *buf)
{
	u32 used = buf->batch_used;
	if (!used)
		return;
	buf->batch_used = 0;
	struct ring_ref ref;
	if (!claimed_ring(&ref, buf->batch_cgroup, buf->batch_slot))
		return; /* the ring was freed meanwhile */
	if (bpf_perf_event_output(ctx, ref.ring, BPF_F_CURRENT_CPU, buf->batch, used & (2 * BATCH_SIZE - 1)) != 0)
		ref.counters->failed += buf->batch_records;
}

/* Commits the record in buf->data (size bytes) to slot's ring (ref): into the batch, or written at once when it is large.
 * A record that starts a syscall (enter, syscall) gets its sequence number in the ring. Its size is rounded up to 8 bytes
 * (zeros after the captures): every record in a batch starts 8-byte aligned, and a small one is copied there with plain
 * 8-byte loads and stores instead of a helper call. */
static __always_inline void commit(void *ctx, struct ring_ref *ref, struct scratch_buffer *buf, u32 slot, u64 cgroup_id, u32 size)
{
	struct record_header *h = (void *)buf->data;
	bool starts = h->kind == KIND_ENTER || h->kind == KIND_SYSCALL;
	if (starts)
		((struct enter_body *)&buf->data[sizeof(struct record_header)])->sequence = ref->counters->enters;
	if (size & 7) {
		/* The bytes after the captures up to the next 8: zeros (another record's leftovers otherwise). */
		u32 end = size & (SCRATCH_SIZE - 1);
		if (end > SCRATCH_SIZE - 8)
			return; /* no record is that large (captures start below OFFSET_MASK) */
		u64 zero = 0;
		__builtin_memcpy(&buf->data[end], &zero, 8);
		size = (size + 7) & ~7u;
	}
	h->size = size;
	if (buf->batch_used && (buf->batch_slot != slot || buf->batch_cgroup != cgroup_id || buf->batch_used + size > BATCH_LIMIT))
		flush(ctx, buf);
	if (size > BATCH_SIZE / 2) {
		if (bpf_perf_event_output(ctx, ref->ring, BPF_F_CURRENT_CPU, buf->data, size & (SCRATCH_SIZE - 1)) != 0) {
			ref->counters->failed++;
			return;
		}
	} else {
		u32 at = buf->batch_used & (BATCH_SIZE - 1);
		if (at == 0)
			buf->batch_records = 0;
		if (size <= SMALL_RECORD) {
			/* Aligned (see above): the record, and what follows it up to SMALL_RECORD bytes (past the batch's end: unread). */
			u64 *to = (u64 *)&buf->batch[at & (BATCH_SIZE - 8)];
			const u64 *from = (const u64 *)buf->data;
#pragma unroll
			for (int i = 0; i < SMALL_RECORD / 8; i++)
				to[i] = from[i];
		} else {
			u32 n = size;
			barrier_var(n); /* keeps the mask below: clang merges it with the test above, which the verifier cannot follow */
			n &= BATCH_SIZE - 1;
			if (bpf_probe_read_kernel(&buf->batch[at], n, buf->data) != 0)
				return;
		}
		buf->batch_used = at + size;
		buf->batch_slot = slot;
		buf->batch_cgroup = cgroup_id;
		buf->batch_records++;
	}
	if (starts)
		ref->counters->enters++;
}

/* The open syscall of another thread (or a stale one) must leave buf: it is committed as an enter record to its ring, when
 * that ring still belongs to its cgroup. Its exit, if it comes, is an exit record (the pending entry has what it needs). */
static __always_inline void spill(void *ctx, struct scratch_buffer *buf)
{
	if (!buf->open_tid)
		return;
	buf->open_tid = 0;
	struct ring_ref ref;
	if (!claimed_ring(&ref, buf->open_cgroup, buf->open_slot))
		return;
	commit(ctx, &ref, buf, buf->open_slot, buf->open_cgroup, buf->open_size);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(traceloop_sys_enter, struct pt_regs *regs, long id)
{
	u64 cgroup_id;
	u32 slot = current_slot(regs, &cgroup_id, true);
	if (slot == NO_SLOT)
		return 0;

	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;
	buf->generation++; /* odd: being changed */
	spill(ctx, buf);

	struct enter_body *body = (void *)&buf->data[sizeof(struct record_header)];
	u64 pid_tgid = current_identity(regs, body->comm, NULL);
	s64 nr = id;
	if (nr >= 0 && syscall_regs_compat(regs))
		nr |= COMPAT_SYSCALL;
	struct record_header *h = (void *)buf->data;
	h->timestamp = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->nr = nr;
	h->kind = KIND_ENTER;
	h->value = 0;

	/* Plain loads from the trusted registers (syscall_regs.h) instead of a helper call per argument. */
	u64 args[6];
	syscall_regs_args(regs, args);
	__builtin_memcpy(body->args, args, sizeof(args));
	body->exit_timestamp = 0;

	u32 offset = sizeof(struct record_header) + sizeof(struct enter_body);
	u8 captures = 0;
	bool has_output = false;
	buf->retry_mask = 0;
	buf->saved_len = 0;
	u32 key = (u32)nr;
	struct syscall_spec *spec = nr >= 0 && nr < MAX_SYSCALL_NR ? bpf_map_lookup_elem(&syscall_specs, &key) : 0;
	if (spec && captures_any(spec)) {
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
			u32 r = capture_input(offset, i, a.kind | ((u32)a.fixed_size << 16), arg_at(args, i), length);
			if (r & CAPTURE_FAULTED)
				buf->retry_mask |= 1 << i;
			offset = r & (SCRATCH_SIZE - 1);
			captures++;
		}
	}
	h->capture_count = captures;
	h->size = offset;

	u8 retry_mask = buf->retry_mask;
	/* The memory image matters only for a retry (it is rare): no read of task->mm otherwise. */
	u64 mm = retry_mask ? (u64)BPF_CORE_READ(gadget_current_task(), mm) : 0;
	if (has_output || retry_mask) {
		/* For an exit on another CPU. This thread's entry from its last such syscall is rewritten in place: no map update. */
		u32 tid = (u32)pid_tgid;
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

	/* Open until its exit (no record written now): its exit on this CPU completes it into one record. */
	buf->open_size = offset;
	buf->open_slot = slot;
	buf->open_cgroup = cgroup_id;
	buf->open_mm = mm;
	struct sched_marks marks = current_sched_marks();
	buf->open_migrations = marks.migrations;
	buf->open_switches = marks.switches;
	buf->open_tid = (u32)pid_tgid;
	buf->generation++;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(traceloop_sys_exit, struct pt_regs *regs, long return_value)
{
	u64 cgroup_id;
	u32 slot = current_slot(regs, &cgroup_id, false);
	struct ring_ref ref;
	if (slot == NO_SLOT || !ring_at(&ref, slot))
		return 0;

	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;

	u32 flags;
	u64 pid_tgid = current_identity(regs, NULL, &flags);
	u32 tid = (u32)pid_tgid;
	s64 nr = syscall_regs_nr(regs);
	if (nr >= 0 && syscall_regs_compat(regs))
		nr |= COMPAT_SYSCALL;
	s64 ret = return_value;
	struct record_header *h = (void *)buf->data;
	struct enter_body *body = (void *)&buf->data[sizeof(struct record_header)];

	u64 args[6] = {};
	u8 retry_mask = 0;
	u32 saved_len = 0;
	u64 mm = 0;
	s64 enter_nr = nr;
	u32 offset;
	u8 captures;
	bool known = false;
	/* rt_sigreturn restores the registers, and with them orig_ax = -1: its exit reports number -1. An execve between a
	 * 64-bit and a 32-bit program returns in the other mode, with that mode's execve number (the kernel sets it): the only
	 * syscall whose exit is in another mode than its entry. Outputs start below 8 KiB (OFFSET_MASK): an open syscall with
	 * larger inputs (two long paths) is written as an enter and an exit record. The thread's open syscall here is this
	 * call's only when the thread has not moved to another CPU since it entered (current_sched_marks): else it is an
	 * earlier call, which returned elsewhere. */
	struct sched_marks marks = {};
	bool open = buf->open_tid == tid && buf->open_cgroup == cgroup_id && buf->open_slot == slot &&
		    (h->nr == nr || nr == -1 || ((h->nr ^ nr) & COMPAT_SYSCALL)) && buf->open_size <= OFFSET_MASK;
	if (open) {
		marks = current_sched_marks();
		open = buf->open_migrations == marks.migrations;
	}
	if (open) {
		/* One record for the whole syscall: the enter's record, completed. Its exit time is read only when the task was
		 * switched out meanwhile, or when its cgroup's recording asks for every exit's time (CGROUP_EXIT_CLOCK, from the
		 * CPU's verdict, read by current_identity on the line it reads anyway); else it held this CPU from entry to exit
		 * (current_sched_marks), and 0 says so. */
		buf->generation++; /* odd: being changed */
		buf->open_tid = 0;
		__builtin_memcpy(args, body->args, sizeof(args));
		enter_nr = h->nr;
		retry_mask = buf->retry_mask;
		saved_len = buf->saved_len;
		mm = buf->open_mm;
		offset = buf->open_size;
		captures = h->capture_count;
		h->kind = KIND_SYSCALL;
		h->value = ret;
		body->exit_timestamp = buf->open_switches == marks.switches && !(flags & CGROUP_EXIT_CLOCK) ? 0 : bpf_ktime_get_boot_ns();
		known = true;
		/* The thread's pending entry is left as it is (no lookup): an exit elsewhere takes it only when its number is the
		 * same, and then either this thread's next such syscall rewrote it at entry, or that entry was not recorded and
		 * user space drops the exit record, which has no enter to pair with. */
	} else {
		buf->generation++; /* odd: being changed */
		spill(ctx, buf);
		h->timestamp = bpf_ktime_get_boot_ns();
		h->pid = pid_tgid >> 32;
		h->tid = tid;
		h->nr = nr;
		h->kind = KIND_EXIT;
		h->value = ret;
		offset = sizeof(struct record_header);
		captures = 0;
		struct pending_syscall *p = bpf_map_lookup_elem(&pending, &tid);
		if (p && p->nr == nr) {
			__builtin_memcpy(args, p->args, sizeof(args));
			retry_mask = p->retry_mask;
			saved_len = p->saved_len;
			mm = p->mm;
			known = true;
		}
		/* Used up: marked, not deleted (the next such syscall of this thread rewrites it; LRU evicts a gone thread's). */
		if (p)
			p->nr = -1;
	}

	u32 key = (u32)enter_nr;
	struct syscall_spec *spec = known && enter_nr >= 0 && enter_nr < MAX_SYSCALL_NR ? bpf_map_lookup_elem(&syscall_specs, &key) : 0;
	if (spec && captures_any(spec)) {
		/* A new memory image (execve succeeded): the input pointers of the old one mean nothing now. */
		if (retry_mask && mm != (u64)BPF_CORE_READ(gadget_current_task(), mm))
			retry_mask = 0;
		for (int i = 0; i < 6; i++) {
			struct arg_spec a = spec->args[i];
			if (is_input(a.kind)) {
				if (!(retry_mask & (1 << i)))
					continue;
				u64 length = a.kind == CAPTURE_STRUCT_IN ? a.fixed_size : arg_at(args, a.length_arg);
				u32 r = capture_input(offset, i, a.kind | ((u32)a.fixed_size << 16), arg_at(args, i), length);
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
				offset = capture_sockaddr_out(offset, i, arg_at(args, i), arg_at(args, a.length_arg), saved_len | ((u64)(ret >= 0) << 32));
			} else if (a.kind == CAPTURE_MSGHDR_OUT && ret >= 0) {
				offset = capture_msghdr_out(offset, i, arg_at(args, i), saved_len, (u64)ret);
			} else if (a.kind == CAPTURE_ARRAY_INOUT) {
				/* The input as the kernel left it (poll: events, and revents when it returned): read even after a failure. */
				u64 length = arg_at(args, a.length_arg) * a.fixed_size;
				offset = capture_output(offset, i, arg_at(args, i), length, MAX_CAPTURE);
			} else if (ret < 0) {
				/* The kernel wrote nothing: an empty capture says so without inventing content. */
				offset = put_capture_header(buf, offset, i, STATUS_UNREADABLE, 0);
			} else if (a.kind == CAPTURE_DIRENT_COUNT) {
				offset = capture_dirent_count(offset, i, arg_at(args, i), (u64)ret);
			} else if (a.kind == CAPTURE_IOVEC_OUT) {
				offset = capture_output_iovec(offset, i, arg_at(args, i), arg_at(args, a.length_arg), (u64)ret);
			} else if (a.kind == CAPTURE_BUFFER_OUT) {
				offset = capture_output(offset, i, arg_at(args, i), (u64)ret, a.fixed_size);
			} else {
				offset = capture_output(offset, i, arg_at(args, i), a.fixed_size, MAX_CAPTURE);
			}
			captures++;
		}
	}
	h->capture_count = captures;
	commit(ctx, &ref, buf, slot, cgroup_id, offset);
	buf->generation++;
	return 0;
}

/* The last thread of a process of a recorded cgroup exits: its wait status, as the kernel reports it to the parent. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(traceloop_process_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads of the process still run */
	/* Not current_slot: its per-CPU cache belongs to the syscall programs, which this one can interrupt. */
	u32 slot = lookup_slot(bpf_get_current_cgroup_id());
	struct ring_ref ref;
	if (slot == NO_SLOT || !ring_at(&ref, slot))
		return 0;
	u64 pid_tgid = bpf_get_current_pid_tgid();
	/* The group's status when it died of a signal or exit_group(), else this task's own. */
	u32 code = BPF_CORE_READ(task, exit_code);
	if (BPF_CORE_READ(task, signal, flags) & SIGNAL_GROUP_EXIT)
		code = BPF_CORE_READ(task, signal, group_exit_code);
	/* On the stack: the scratch buffer may hold another thread's open syscall. */
	struct record_header h = {
		.timestamp = bpf_ktime_get_boot_ns(),
		.pid = pid_tgid >> 32,
		.tid = (u32)pid_tgid,
		.nr = -1,
		.size = sizeof(struct record_header),
		.kind = KIND_PROCESS_EXIT,
		.value = code,
	};
	if (bpf_perf_event_output(ctx, ref.ring, BPF_F_CURRENT_CPU, &h, sizeof(h)) != 0)
		ref.counters->failed++;
	return 0;
}
