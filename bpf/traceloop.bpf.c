/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * traceloop: a syscall flight recorder for containers.
 *
 * Every syscall entry and exit of a traced cgroup (cgroup2 id, i.e. a container) is written to that cgroup's
 * own overwritable perf ring: cgroup_rings is a hash of maps keyed by the cgroup id whose inner maps are perf
 * event arrays created and read from user space (one per container). A cgroup that is not in cgroup_rings pays
 * one map lookup per syscall and nothing else. A noisy container only overwrites its own ring.
 *
 * Records have a variable size: a header, then one capture per pointer argument that syscall_specs says to
 * read (what user space filled from the decoder's capture specs). What cannot be read is marked as such.
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
 * Layout (little endian, mirrored in src/Gadget.Traceloop/TraceloopRecordLayout.cs):
 *   header (32 bytes): u64 timestamp (boot ns), u32 pid (tgid), u32 tid, s32 nr, u16 size (whole record),
 *                      u8 kind (1 enter, 2 exit), u8 capture count, s64 return value (exit) / 0 (enter)
 *   enter only:        u64 args[6], char comm[16]
 *   captures:          u8 arg index, u8 status (0 complete, 1 truncated, 2 unreadable), u16 length, u8 data[length]
 *                      enter: the inputs, in arg order; exit: the outputs, and the inputs read again (see above),
 *                      in arg order; an arg index appears at most once per record.
 */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define MAX_SYSCALL_NR 512
#define MAX_CAPTURE 256      /* bytes read behind a string or buffer argument */
#define MAX_SOCKADDR 128     /* sizeof(struct sockaddr_storage) */
#define MAX_ARGV 8           /* execve argv entries */
#define MAX_ARGV_STRING 96   /* bytes per argv entry */
#define SCRATCH_SIZE 8192
#define OFFSET_MASK 4095     /* every capture starts below 4096: with at most ~1 KiB per capture it stays in scratch */

#define KIND_ENTER 1
#define KIND_EXIT 2

/* Must match Gadget.Traceloop.ArgumentCapture. */
#define CAPTURE_NONE 0
#define CAPTURE_STRING_IN 1
#define CAPTURE_BUFFER_IN 2
#define CAPTURE_BUFFER_OUT 3
#define CAPTURE_SOCKADDR_IN 4
#define CAPTURE_STRUCT_OUT 5
#define CAPTURE_STRING_ARRAY_IN 6

/* Must match Gadget.Traceloop.CaptureStatus. */
#define STATUS_COMPLETE 0
#define STATUS_TRUNCATED 1
#define STATUS_UNREADABLE 2

struct arg_spec {
	u8 kind;
	s8 length_arg;
	u16 fixed_size;
};

struct syscall_spec {
	struct arg_spec args[6];
};

struct record_header {
	u64 timestamp;
	u32 pid;
	u32 tid;
	s32 nr;
	u16 size;
	u8 kind;
	u8 capture_count;
	s64 ret;
};

struct enter_body {
	u64 args[6];
	char comm[TASK_COMM_LEN];
};

struct capture_header {
	u8 index;
	u8 status;
	u16 length;
} __attribute__((packed));

/* What sys_exit needs from sys_enter to read output buffers and to read again the inputs that were unreadable. */
struct pending_syscall {
	u64 args[6];
	s64 nr;
	u64 mm;		/* the memory image at entry (task->mm): a different one at exit means execve replaced it */
	u8 retry_mask;	/* bit i: input arg i was unreadable at entry although not NULL */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 1024);
	__type(key, u64);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		__uint(key_size, sizeof(u32));
		__uint(value_size, sizeof(u32));
	});
} cgroup_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALL_NR);
	__type(key, u32);
	__type(value, struct syscall_spec);
} syscall_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, struct pending_syscall);
} pending SEC(".maps");

struct scratch_buffer {
	u8 data[SCRATCH_SIZE];
	/*
	 * Flags kept in map memory rather than in locals: the verifier does not follow values it loads from a map, so
	 * they do not multiply the states it explores (a local bit mask would, one state per combination of bits).
	 */
	u8 faulted;	/* capture_input: a read of user memory failed */
	u8 retry_mask;	/* sys_enter: bit i set when input arg i faulted */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch_buffer);
} scratch SEC(".maps");

/* Records that bpf_perf_event_output refused (ring paused while user space reads it). */
u64 output_errors = 0;

static __always_inline struct scratch_buffer *get_scratch(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Writes a capture header at offset and returns the offset after the capture. */
static __always_inline u32 put_capture_header(struct scratch_buffer *buf, u32 offset, u8 index, u8 status, u32 length)
{
	offset &= OFFSET_MASK;
	struct capture_header *h = (void *)&buf->data[offset];
	h->index = index;
	h->status = status;
	h->length = length;
	return offset + sizeof(*h) + length;
}

/* A NUL-terminated string (without its NUL in the record). */
static __always_inline u32 capture_string(struct scratch_buffer *buf, u32 offset, u8 index, const void *ptr)
{
	offset &= OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	long n = bpf_probe_read_user_str(&buf->data[offset + sizeof(struct capture_header)], MAX_CAPTURE, ptr);
	if (n <= 0)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	/* n counts the NUL; a string that filled the whole space may have been cut. */
	u8 status = n >= MAX_CAPTURE ? STATUS_TRUNCATED : STATUS_COMPLETE;
	return put_capture_header(buf, offset, index, status, (u32)(n - 1) & (MAX_CAPTURE - 1));
}

/* length bytes behind ptr, at most limit. */
static __always_inline u32 capture_buffer(struct scratch_buffer *buf, u32 offset, u8 index, const void *ptr, u64 length, u32 limit)
{
	offset &= OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	u8 status = STATUS_COMPLETE;
	u32 n = length;
	if (length > limit) {
		n = limit;
		status = STATUS_TRUNCATED;
	}
	if (n > MAX_CAPTURE)
		n = MAX_CAPTURE;
	if (n == 0)
		return put_capture_header(buf, offset, index, STATUS_COMPLETE, 0);
	if (bpf_probe_read_user(&buf->data[offset + sizeof(struct capture_header)], n, ptr) != 0)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	return put_capture_header(buf, offset, index, status, n);
}

/* execve's argv: up to MAX_ARGV strings, each with its NUL. buf->faulted is set when a read failed (rather than a limit cut it). */
static __always_inline u32 capture_string_array(struct scratch_buffer *buf, u32 offset, u8 index, const void *ptr)
{
	offset &= OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	u32 start = offset;
	u32 used = 0;
	u8 status = STATUS_COMPLETE;
	const char *const *argv = ptr;
	for (int i = 0; i < MAX_ARGV; i++) {
		const char *s = 0;
		if (bpf_probe_read_user(&s, sizeof(s), &argv[i]) != 0) {
			buf->faulted = 1;
			if (i == 0)
				return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
			status = STATUS_TRUNCATED;
			break;
		}
		if (!s)
			goto done;
		u32 at = (start + sizeof(struct capture_header) + used) & OFFSET_MASK;
		long n = bpf_probe_read_user_str(&buf->data[at], MAX_ARGV_STRING, s);
		if (n <= 0) {
			buf->faulted = 1;
			status = STATUS_TRUNCATED;
			break;
		}
		if (n >= MAX_ARGV_STRING)
			status = STATUS_TRUNCATED;
		used += (u32)n & (MAX_ARGV_STRING * 2 - 1);
	}
	/* Either the array was longer than MAX_ARGV or an entry could not be read. */
	if (status == STATUS_COMPLETE)
		status = STATUS_TRUNCATED;
done:
	return put_capture_header(buf, start, index, status, used & 2047);
}

static __always_inline bool is_input(u8 kind)
{
	return kind == CAPTURE_STRING_IN || kind == CAPTURE_BUFFER_IN || kind == CAPTURE_SOCKADDR_IN ||
	       kind == CAPTURE_STRING_ARRAY_IN;
}

static __always_inline bool is_output(u8 kind)
{
	return kind == CAPTURE_BUFFER_OUT || kind == CAPTURE_STRUCT_OUT;
}

/* args[i] with constant offsets only (the verifier refuses a variable-offset read of the stack). */
static __always_inline u64 arg_at(const u64 *args, int i)
{
	switch (i) {
	case 0: return args[0];
	case 1: return args[1];
	case 2: return args[2];
	case 3: return args[3];
	case 4: return args[4];
	case 5: return args[5];
	default: return 0;
	}
}

#define CAPTURE_FAULTED (1u << 16) /* in capture_input's result: user memory behind a non-NULL pointer could not be read */

/*
 * Captures input arg index of kind kind, pointer ptr and length argument length (BUFFER_IN, SOCKADDR_IN) at offset of the
 * scratch buffer. Returns the offset after the capture, with CAPTURE_FAULTED set when reading user memory failed although
 * ptr is not NULL (what sys_exit reads again).
 *
 * A global (not inlined) function: the verifier checks it once, on its own, and sees its result as any u32. Inlined into
 * the loop over the six arguments, every combination of capture sizes was a state of its own (sys_enter alone took half
 * of the verifier's 1M-instruction budget before the retry, and more than all of it after).
 */
__attribute__((noinline)) u32 capture_input(u32 offset, u32 index, u32 kind, u64 ptr, u64 length)
{
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	u32 start = offset & OFFSET_MASK;
	u32 end = start;
	const void *p = (const void *)ptr;
	buf->faulted = 0;
	switch (kind) {
	case CAPTURE_STRING_IN:
		end = capture_string(buf, start, index, p);
		break;
	case CAPTURE_BUFFER_IN:
		end = capture_buffer(buf, start, index, p, length, MAX_CAPTURE);
		break;
	case CAPTURE_SOCKADDR_IN:
		end = capture_buffer(buf, start, index, p, length, MAX_SOCKADDR);
		break;
	case CAPTURE_STRING_ARRAY_IN:
		end = capture_string_array(buf, start, index, p);
		break;
	default:
		return start;
	}
	struct capture_header *h = (void *)&buf->data[start];
	if (p && h->status == STATUS_UNREADABLE)
		buf->faulted = 1;
	return (end & (SCRATCH_SIZE - 1)) | (buf->faulted ? CAPTURE_FAULTED : 0);
}

/* Captures output arg index (length bytes behind ptr, at most MAX_CAPTURE) at offset; global for the same reason. */
__attribute__((noinline)) u32 capture_output(u32 offset, u32 index, u64 ptr, u64 length)
{
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	return capture_buffer(buf, offset, index, (const void *)ptr, length, MAX_CAPTURE) & (SCRATCH_SIZE - 1);
}

static __always_inline void emit(void *ctx, void *ring, struct scratch_buffer *buf, u32 size)
{
	struct record_header *h = (void *)buf->data;
	h->size = size;
	size &= SCRATCH_SIZE - 1;
	if (size < sizeof(struct record_header))
		return;
	if (bpf_perf_event_output(ctx, ring, BPF_F_CURRENT_CPU, buf->data, size) != 0)
		__sync_fetch_and_add(&output_errors, 1);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int traceloop_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	u64 cgroup = bpf_get_current_cgroup_id();
	void *ring = bpf_map_lookup_elem(&cgroup_rings, &cgroup);
	if (!ring)
		return 0;

	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;

	u64 pid_tgid = bpf_get_current_pid_tgid();
	s64 nr = ctx->id;
	struct record_header *h = (void *)buf->data;
	h->timestamp = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->nr = nr;
	h->kind = KIND_ENTER;
	h->capture_count = 0;
	h->ret = 0;

	struct enter_body *body = (void *)&buf->data[sizeof(struct record_header)];
	u64 args[6];
	for (int i = 0; i < 6; i++) {
		args[i] = BPF_CORE_READ(ctx, args[i]);
		body->args[i] = args[i];
	}
	bpf_get_current_comm(body->comm, sizeof(body->comm));

	u32 offset = sizeof(struct record_header) + sizeof(struct enter_body);
	u8 captures = 0;
	bool has_output = false;
	buf->retry_mask = 0;
	u32 key = (u32)nr;
	struct syscall_spec *spec = nr >= 0 && nr < MAX_SYSCALL_NR ? bpf_map_lookup_elem(&syscall_specs, &key) : 0;
	if (spec) {
		for (int i = 0; i < 6; i++) {
			struct arg_spec a = spec->args[i];
			if (is_output(a.kind))
				has_output = true;
			if (!is_input(a.kind))
				continue;
			u32 r = capture_input(offset, i, a.kind, arg_at(args, i), arg_at(args, a.length_arg));
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
		struct pending_syscall p = { .nr = nr, .retry_mask = retry_mask };
		for (int i = 0; i < 6; i++)
			p.args[i] = args[i];
		p.mm = (u64)bpf_get_current_task_btf()->mm;
		bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	}

	emit(ctx, ring, buf, offset);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int traceloop_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	u64 cgroup = bpf_get_current_cgroup_id();
	void *ring = bpf_map_lookup_elem(&cgroup_rings, &cgroup);
	if (!ring)
		return 0;

	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return 0;

	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid;
	s64 nr = ctx->id;
	s64 ret = ctx->ret;
	struct record_header *h = (void *)buf->data;
	h->timestamp = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = tid;
	h->nr = nr;
	h->kind = KIND_EXIT;
	h->capture_count = 0;
	h->ret = ret;

	u32 offset = sizeof(struct record_header);
	u8 captures = 0;
	struct pending_syscall *p = bpf_map_lookup_elem(&pending, &tid);
	if (p) {
		struct pending_syscall saved = *p;
		bpf_map_delete_elem(&pending, &tid);
		u32 key = (u32)nr;
		struct syscall_spec *spec = saved.nr == nr && nr >= 0 && nr < MAX_SYSCALL_NR ? bpf_map_lookup_elem(&syscall_specs, &key) : 0;
		/* A new memory image (execve succeeded): the input pointers of the old one mean nothing now. */
		u8 retry_mask = saved.mm == (u64)bpf_get_current_task_btf()->mm ? saved.retry_mask : 0;
		if (spec) {
			for (int i = 0; i < 6; i++) {
				struct arg_spec a = spec->args[i];
				if (is_input(a.kind)) {
					if (!(retry_mask & (1 << i)))
						continue;
					u32 r = capture_input(offset, i, a.kind, arg_at(saved.args, i), arg_at(saved.args, a.length_arg));
					/* Unreadable again (a bad pointer): the enter's capture already says so. */
					if (!(r & CAPTURE_FAULTED)) {
						offset = r & (SCRATCH_SIZE - 1);
						captures++;
					}
					continue;
				}
				if (!is_output(a.kind))
					continue;
				if (ret < 0) {
					/* The kernel wrote nothing: an empty capture says so without inventing content. */
					offset = put_capture_header(buf, offset, i, STATUS_UNREADABLE, 0);
				} else {
					u64 length = a.kind == CAPTURE_BUFFER_OUT ? (u64)ret : a.fixed_size;
					offset = capture_output(offset, i, arg_at(saved.args, i), length);
				}
				captures++;
			}
		}
	}
	h->capture_count = captures;
	emit(ctx, ring, buf, offset);
	return 0;
}
