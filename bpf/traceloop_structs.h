/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * traceloop's structure captures: what the BPF side reads behind arguments that point at structures holding other pointers
 * or lengths (iovec arrays, struct msghdr, socket addresses the kernel writes with their length, getdents64's records,
 * execve's environment). Included by traceloop_captures.h, whose scratch buffer and capture headers they write to.
 */
#ifndef TRACELOOP_STRUCTS_H
#define TRACELOOP_STRUCTS_H

/* The number of non-NULL pointers before the NULL that ends the array at ptr (truncated past MAX_POINTERS), as a u32. */
static __always_inline u32 capture_pointer_count(struct scratch_buffer *buf, u32 offset, u8 index, u64 ptr)
{
	u32 start = offset & OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
	u32 count = 0;
	u8 status = STATUS_TRUNCATED;
	for (int i = 0; i < MAX_POINTERS; i++) {
		u64 p = 0;
		if (bpf_probe_read_user(&p, sizeof(p), (const void *)(ptr + 8 * i)) != 0)
			return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
		if (!p) {
			status = STATUS_COMPLETE;
			break;
		}
		count++;
	}
	__builtin_memcpy(&buf->data[start + sizeof(struct capture_header)], &count, 4);
	return put_capture_header(buf, start, index, status, 4);
}

/*
 * An iovec array's capture: for each of its first MAX_IOV entries, u64 iov_len, u16 n, then the first n bytes of the buffer
 * (n = min(iov_len, what is left of limit, MAX_IOV_DATA)); limit is the bytes the buffers hold in order (readv's return value;
 * all of them for writev). Truncated when the array has more entries than MAX_IOV. buf->faulted is set when a read failed.
 */
static __always_inline u32 capture_iovec(struct scratch_buffer *buf, u32 offset, u8 index, u64 ptr, u64 count, u64 limit)
{
	u32 start = offset & OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
	buf->iov_used = 0;
	u8 status = count > MAX_IOV ? STATUS_TRUNCATED : STATUS_COMPLETE;
	for (int i = 0; i < MAX_IOV; i++) {
		if (i >= count)
			break;
		u64 v[2];
		if (bpf_probe_read_user(v, sizeof(v), (const void *)(ptr + 16 * i)) != 0) {
			buf->faulted = 1;
			if (i == 0)
				return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
			status = STATUS_TRUNCATED;
			break;
		}
		u64 n = v[1] < limit ? v[1] : limit;
		limit -= n;
		if (n > MAX_IOV_DATA)
			n = MAX_IOV_DATA;
		u32 used = buf->iov_used & 1023;
		u32 at = (start + sizeof(struct capture_header) + used) & OFFSET_MASK;
		__builtin_memcpy(&buf->data[at], &v[1], 8);
		u16 got = (u16)n;
		u32 size = (u32)n;
		barrier_var(size); /* keeps the mask below: clang drops it after the clamps, and 5.10's verifier cannot follow them */
		size &= 127;
		if (size && bpf_probe_read_user(&buf->data[at + 10], size, (const void *)v[0]) != 0) {
			buf->faulted = 1;
			got = 0;
		}
		__builtin_memcpy(&buf->data[at + 8], &got, 2);
		buf->iov_used = used + 10 + (got & 127);
	}
	return put_capture_header(buf, start, index, status, buf->iov_used & 1023);
}

/*
 * A struct msghdr at ptr: its 56 bytes, u16 n and the first n bytes of msg_name (n = min(msg_namelen, MAX_SOCKADDR)), then the
 * iovec capture of msg_iov (a capture header and its data, see capture_iovec) holding up to limit bytes. Written after skip bytes
 * the caller fills (MSGHDR_OUT's namelen at entry).
 */
static __always_inline u32 capture_msghdr(struct scratch_buffer *buf, u32 offset, u8 index, u64 ptr, u32 skip, u64 limit)
{
	u32 start = offset & OFFSET_MASK;
	if (!ptr)
		return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
	u32 at = (start + sizeof(struct capture_header) + (skip & 7)) & OFFSET_MASK;
	if (bpf_probe_read_user(&buf->data[at], MSGHDR_SIZE, (const void *)ptr) != 0) {
		buf->faulted = 1;
		return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0);
	}
	u64 name = 0, iov = 0, iovlen = 0;
	u32 namelen = 0;
	__builtin_memcpy(&name, &buf->data[at], 8);
	__builtin_memcpy(&namelen, &buf->data[at + 8], 4);
	__builtin_memcpy(&iov, &buf->data[at + 16], 8);
	__builtin_memcpy(&iovlen, &buf->data[at + 24], 8);
	u16 n = namelen > MAX_SOCKADDR ? MAX_SOCKADDR : (u16)namelen;
	if (!name || bpf_probe_read_user(&buf->data[at + MSGHDR_SIZE + 2], n & 255, (const void *)name) != 0)
		n = 0;
	__builtin_memcpy(&buf->data[at + MSGHDR_SIZE], &n, 2);
	u32 used = (skip & 7) + MSGHDR_SIZE + 2 + (n & 255);
	u32 end = capture_iovec(buf, start + sizeof(struct capture_header) + used, index, iov, iovlen, limit);
	return put_capture_header(buf, start, index, STATUS_COMPLETE, (end - start - sizeof(struct capture_header)) & 1023);
}

/*
 * The exit's socket address (accept, getsockname, recvfrom): saved (low 32 bits), the *addrlen read at entry, then when the
 * call succeeded (bit 32: filled) the *addrlen the kernel wrote and min(both, MAX_SOCKADDR) bytes of the address.
 */
__attribute__((noinline)) u32 capture_sockaddr_out(u32 offset, u32 index, u64 ptr, u64 lenptr, u64 saved_and_filled)
{
	u32 saved = (u32)saved_and_filled;
	bool filled = saved_and_filled >> 32;
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	u32 start = offset & OFFSET_MASK;
	u32 at = start + sizeof(struct capture_header);
	__builtin_memcpy(&buf->data[at], &saved, 4);
	u32 length = 0;
	if (!filled || !ptr || !lenptr || bpf_probe_read_user(&length, 4, (const void *)lenptr) != 0)
		return put_capture_header(buf, start, index, STATUS_COMPLETE, 4) & (SCRATCH_SIZE - 1);
	__builtin_memcpy(&buf->data[at + 4], &length, 4);
	u32 n = length < saved ? length : saved;
	if (n > MAX_SOCKADDR)
		n = MAX_SOCKADDR;
	if (n && bpf_probe_read_user(&buf->data[at + 8], n & 255, (const void *)ptr) != 0)
		n = 0;
	return put_capture_header(buf, start, index, STATUS_COMPLETE, 8 + (n & 255)) & (SCRATCH_SIZE - 1);
}

/* The exit's msghdr (recvmsg): msg_namelen at entry, then the struct as the kernel left it, the iovecs up to filled bytes. */
__attribute__((noinline)) u32 capture_msghdr_out(u32 offset, u32 index, u64 ptr, u32 saved, u64 filled)
{
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	u32 start = offset & OFFSET_MASK;
	__builtin_memcpy(&buf->data[start + sizeof(struct capture_header)], &saved, 4);
	return capture_msghdr(buf, start, index, ptr, 4, filled) & (SCRATCH_SIZE - 1);
}

/* The exit's iovec capture (readv): the buffers hold the return value's bytes. */
__attribute__((noinline)) u32 capture_output_iovec(u32 offset, u32 index, u64 ptr, u64 count, u64 filled)
{
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	return capture_iovec(buf, offset, index, ptr, count, filled) & (SCRATCH_SIZE - 1);
}

/*
 * getdents64's result: the number of linux_dirent64 records (d_reclen at byte 16 of each) in the first length bytes behind
 * ptr, as a u32. Truncated when there were more than MAX_DIRENTS; unreadable when a record could not be read.
 */
__attribute__((noinline)) u32 capture_dirent_count(u32 offset, u32 index, u64 ptr, u64 length)
{
	struct scratch_buffer *buf = get_scratch();
	if (!buf)
		return offset & (SCRATCH_SIZE - 1);
	u32 start = offset & OFFSET_MASK;
	u64 at = 0;
	u32 count = 0;
	u8 status = STATUS_TRUNCATED;
	for (int i = 0; i < MAX_DIRENTS; i++) {
		if (at >= length) {
			status = STATUS_COMPLETE;
			break;
		}
		u16 reclen = 0;
		if (bpf_probe_read_user(&reclen, sizeof(reclen), (const void *)(ptr + at + 16)) != 0 || reclen == 0)
			return put_capture_header(buf, start, index, STATUS_UNREADABLE, 0) & (SCRATCH_SIZE - 1);
		at += reclen;
		count++;
	}
	__builtin_memcpy(&buf->data[start + sizeof(struct capture_header)], &count, 4);
	return put_capture_header(buf, start, index, status, 4) & (SCRATCH_SIZE - 1);
}

#endif
