/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * traceloop's argument captures: what the BPF side reads behind a syscall's pointer arguments (strings, buffers, socket
 * addresses, execve's argv) into the per-CPU scratch buffer a record is built in. syscall_specs, filled by user space from
 * the decoder's capture specs, says which argument to read how. What cannot be read is marked as such.
 */
#ifndef TRACELOOP_CAPTURES_H
#define TRACELOOP_CAPTURES_H

#include "gadget.h"

#define MAX_SYSCALL_NR 512
#define MAX_CAPTURE 256      /* bytes read behind a string or buffer argument (a buffer: its spec's fixed_size at most) */
#define MAX_SOCKADDR 128     /* sizeof(struct sockaddr_storage) */
#define MAX_ARGV 8           /* execve argv entries */
#define MAX_ARGV_STRING 96   /* bytes per argv entry */
#define MAX_PATH 4096        /* PATH_MAX: bytes read behind a path argument (with its NUL) */
#define SCRATCH_SIZE 16384
#define BATCH_SIZE 4096      /* records written to a ring together (traceloop.bpf.c) */
#define MAX_DIRENTS 2048     /* linux_dirent64 records counted per getdents64 (32 KiB holds at most 1365) */
#define MAX_POINTERS 512     /* pointers counted in a NULL-terminated array */
#define MAX_IOV 8            /* iovecs captured */
#define MAX_IOV_DATA 64      /* bytes captured per iovec */
#define OFFSET_MASK 8191     /* every capture starts below 8192: with at most 4 KiB + 4 per capture (a path) it stays in scratch;
                              * two paths (renameat2, linkat) and the small captures of one syscall stay below 8192 */

/* Must match Gadget.Traceloop.ArgumentCapture. */
#define CAPTURE_NONE 0
#define CAPTURE_STRING_IN 1
#define CAPTURE_BUFFER_IN 2
#define CAPTURE_BUFFER_OUT 3
#define CAPTURE_SOCKADDR_IN 4
#define CAPTURE_STRUCT_OUT 5
#define CAPTURE_STRING_ARRAY_IN 6
#define CAPTURE_STRUCT_IN 7        /* fixed_size bytes at entry (a sigaction, a sigset, an rlimit, a timespec) */
#define CAPTURE_ARRAY_INOUT 8      /* args[length_arg] * fixed_size bytes at exit, also when the call failed (poll's pollfds) */
#define CAPTURE_DIRENT_COUNT 9     /* at exit: the number of linux_dirent64 records in the return value's bytes (u32) */
#define CAPTURE_IOVEC_IN 10        /* an iovec array (count in args[length_arg]) and the first bytes of each buffer, at entry */
#define CAPTURE_IOVEC_OUT 11       /* the same at exit, the buffers holding the return value's bytes in order */
#define CAPTURE_POINTER_COUNT 12   /* at entry: how many pointers a NULL-terminated array holds (execve's envp), u32 */
#define CAPTURE_SOCKADDR_OUT 13    /* at exit: u32 *addrlen at entry, then (success) u32 *addrlen at exit and the address */
#define CAPTURE_MSGHDR_IN 14       /* at entry: struct msghdr, u16 n and n bytes of msg_name, the iovec capture of msg_iov */
#define CAPTURE_MSGHDR_OUT 15      /* at exit: u32 msg_namelen at entry, then the same as MSGHDR_IN, iovecs up to the return value */
#define CAPTURE_PATH_IN 16         /* a NUL-terminated path, up to MAX_PATH bytes with its NUL, at entry */
#define MSGHDR_SIZE 56

/* Must match Gadget.Traceloop.CaptureStatus. */
#define STATUS_COMPLETE 0
#define STATUS_TRUNCATED 1
#define STATUS_UNREADABLE 2

struct arg_spec {
	u8 kind;
	s8 length_arg;
	u16 fixed_size;	/* STRUCT_IN, STRUCT_OUT, ARRAY_INOUT: the size; BUFFER_IN, BUFFER_OUT: the bytes read at most (<= MAX_CAPTURE) */
};

struct syscall_spec {
	struct arg_spec args[6];
};

struct capture_header {
	u8 index;
	u8 status;
	u16 length;
} __attribute__((packed));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALL_NR);
	__type(key, u32);
	__type(value, struct syscall_spec);
} syscall_specs SEC(".maps");

struct scratch_buffer {
	/*
	 * Flags kept in map memory rather than in locals: the verifier does not follow values it loads from a map, so
	 * they do not multiply the states it explores (a local bit mask would, one state per combination of bits). Before
	 * the data, next to the record header every syscall writes: after it, 16 KiB away, touching them cost every
	 * recorded syscall entry ~0.25 us more (bpf_stats, 100,000 getppid calls).
	 */
	u8 faulted;	/* capture_input: a read of user memory failed */
	u8 retry_mask;	/* sys_enter: bit i set when input arg i faulted (of the open syscall) */
	u16 iov_used;	/* capture_iovec: the bytes written so far (in map memory for the same reason) */
	u32 saved_len;	/* sys_enter: the u32 an output capture needs from entry (SOCKADDR_OUT's *addrlen, MSGHDR_OUT's msg_namelen) */
	/*
	 * The open syscall (traceloop.bpf.c): the enter record of the last syscall entered on this CPU by a recorded thread,
	 * in data (open_size bytes), until its exit completes it there (one record per syscall) or another syscall needs the
	 * buffer first (it is then written as an enter record). User space reads it when it dumps (a syscall still in flight).
	 */
	u32 open_tid;		/* 0: no open syscall */
	u32 open_slot;		/* the ring it goes to */
	u64 open_cgroup;	/* the cgroup that ring belongs to */
	u32 open_size;
	u32 generation;		/* odd while a program changes the buffer: user space tells a copy taken mid-write */
	u64 open_mm;		/* the memory image at entry (task->mm) when an input must be read again at exit, else 0 */
	/*
	 * The batch: complete records for one ring (batch_cgroup's, slot batch_slot) not written to it yet. They are written
	 * together, in one perf record, when the batch is full, or when this CPU has a record for another ring: one
	 * bpf_perf_event_output per batch instead of per syscall. User space reads the batches when it dumps.
	 */
	u32 batch_slot;
	u32 batch_used;		/* bytes of batch the records take (0: empty) */
	u64 batch_cgroup;
	u32 batch_records;
	u32 open_migrations;	/* the open syscall's task's migration count at entry (low 32 bits; traceloop.bpf.c) */
	u32 open_switches;	/* and its context-switch count (nvcsw + nivcsw, low 32 bits) */
	u32 reserved;		/* keeps data 8-byte aligned */
	u8 data[SCRATCH_SIZE];
	u8 batch[2 * BATCH_SIZE];	/* twice: the verifier sees that a record (at most BATCH_SIZE / 2) written below BATCH_SIZE fits */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch_buffer);
} scratch SEC(".maps");

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

/* A NUL-terminated string (without its NUL in the record), at most limit bytes with its NUL (limit: a power of two). */
static __always_inline u32 capture_string(struct scratch_buffer *buf, u32 offset, u8 index, const void *ptr, u32 limit)
{
	offset &= OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	long n = bpf_probe_read_user_str(&buf->data[offset + sizeof(struct capture_header)], limit, ptr);
	if (n < 0)
		return put_capture_header(buf, offset, index, STATUS_UNREADABLE, 0);
	if (n == 0)
		n = 1; /* "" on kernels that do not count its NUL (gadget.h) */
	/* n counts the NUL; a string that filled the whole space may have been cut. */
	u8 status = n >= limit ? STATUS_TRUNCATED : STATUS_COMPLETE;
	return put_capture_header(buf, offset, index, status, (u32)(n - 1) & (limit - 1));
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
		return put_capture_header(buf, offset, index, status, 0);
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
		if (n < 0) {
			buf->faulted = 1;
			status = STATUS_TRUNCATED;
			break;
		}
		if (n == 0)
			n = 1; /* "" on kernels that do not count its NUL, which was copied (gadget.h) */
		if (n >= MAX_ARGV_STRING)
			status = STATUS_TRUNCATED;
		used += (u32)n & 127; /* n <= MAX_ARGV_STRING: a power-of-two mask the verifier can follow */
	}
	/* All MAX_ARGV entries were read whole: complete only when the array ends right there. */
	if (status == STATUS_COMPLETE) {
		const char *next = 0;
		if (bpf_probe_read_user(&next, sizeof(next), &argv[MAX_ARGV]) != 0 || next)
			status = STATUS_TRUNCATED;
	}
done:
	return put_capture_header(buf, start, index, status, used & 2047);
}

/* The structure captures (iovecs, msghdr, socket addresses out, dirent and pointer counts). */
#include "traceloop_structs.h"

static __always_inline bool is_input(u8 kind)
{
	return kind == CAPTURE_STRING_IN || kind == CAPTURE_BUFFER_IN || kind == CAPTURE_SOCKADDR_IN ||
	       kind == CAPTURE_STRING_ARRAY_IN || kind == CAPTURE_STRUCT_IN || kind == CAPTURE_IOVEC_IN ||
	       kind == CAPTURE_POINTER_COUNT || kind == CAPTURE_MSGHDR_IN || kind == CAPTURE_PATH_IN;
}

static __always_inline bool is_output(u8 kind)
{
	return kind == CAPTURE_BUFFER_OUT || kind == CAPTURE_STRUCT_OUT || kind == CAPTURE_ARRAY_INOUT ||
	       kind == CAPTURE_DIRENT_COUNT || kind == CAPTURE_IOVEC_OUT || kind == CAPTURE_SOCKADDR_OUT ||
	       kind == CAPTURE_MSGHDR_OUT;
}

/* Whether spec captures anything (a syscall without captures is all zeros: user space writes only the others'), without
 * a loop over its six arguments. */
static __always_inline bool captures_any(const struct syscall_spec *spec)
{
	const u64 *words = (const void *)spec;
	return (words[0] | words[1] | words[2]) != 0;
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

#define CAPTURE_KIND(packed) ((packed) & 0xff)
#define CAPTURE_LIMIT(packed) ((packed) >> 16) /* a buffer's limit (the spec's fixed_size), packed above the kind: capture_input has no sixth argument */

/*
 * Captures input arg index of kind CAPTURE_KIND(kind) (BUFFER_IN: at most CAPTURE_LIMIT(kind) bytes), pointer ptr and length length (BUFFER_IN, SOCKADDR_IN: the length argument; STRUCT_IN:
 * the spec's fixed size; IOVEC_IN: the iovec count) at offset of the
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
	u32 limit = CAPTURE_LIMIT(kind);
	buf->faulted = 0;
	switch (CAPTURE_KIND(kind)) {
	case CAPTURE_STRING_IN:
		end = capture_string(buf, start, index, p, MAX_CAPTURE);
		break;
	case CAPTURE_PATH_IN:
		end = capture_string(buf, start, index, p, MAX_PATH);
		break;
	case CAPTURE_BUFFER_IN:
		end = capture_buffer(buf, start, index, p, length, limit);
		break;
	case CAPTURE_SOCKADDR_IN:
		end = capture_buffer(buf, start, index, p, length, MAX_SOCKADDR);
		break;
	case CAPTURE_STRING_ARRAY_IN:
		end = capture_string_array(buf, start, index, p);
		break;
	case CAPTURE_STRUCT_IN:
		end = capture_buffer(buf, start, index, p, length, MAX_CAPTURE);
		break;
	case CAPTURE_IOVEC_IN:
		end = capture_iovec(buf, start, index, ptr, length, (u64)-1);
		break;
	case CAPTURE_POINTER_COUNT:
		end = capture_pointer_count(buf, start, index, ptr);
		break;
	case CAPTURE_MSGHDR_IN:
		end = capture_msghdr(buf, start, index, ptr, 0, (u64)-1);
		break;
	default:
		return start;
	}
	struct capture_header *h = (void *)&buf->data[start];
	if (p && h->status == STATUS_UNREADABLE)
		buf->faulted = 1;
	return (end & (SCRATCH_SIZE - 1)) | (buf->faulted ? CAPTURE_FAULTED : 0);
}

/* Captures output arg index (length bytes behind ptr, at most limit and MAX_CAPTURE) at offset; global for the same reason. */
__attribute__((noinline)) u32 capture_output(u32 offset, u32 index, u64 ptr, u64 length, u32 limit)
{
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	return capture_buffer(buf, offset, index, (const void *)ptr, length, limit) & (SCRATCH_SIZE - 1);
}

#endif
