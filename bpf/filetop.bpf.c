/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * filetop: reads and writes (calls and bytes) per (cgroup, process, file) from the syscall tracepoints of read, write,
 * pread64, pwrite64, readv, writev, preadv, pwritev, preadv2 and pwritev2. The enter tracepoint keeps the fd and the direction per thread; the exit
 * tracepoint, for a positive return value (the bytes moved), finds the fd's struct file in the task's fd table and adds
 * the call into a hash map keyed by the file's inode and device. The last components of the file's path are read from
 * its dentry and its parents' names when the entry is created. Regular files only unless 'all_files' is set. User space
 * reads and deletes the map each interval (batch lookup-and-delete).
 */
#include "gadget_filter.h"

#define FILETOP_NAME_LEN 32
#define FILETOP_DEPTH 4

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFIFO 0010000

enum filetop_type {
	FILETOP_REGULAR = 0,
	FILETOP_SOCKET = 1,
	FILETOP_PIPE = 2,
	FILETOP_OTHER = 3,
};

struct filetop_key {
	u64 cgroup_id;
	u64 inode;
	u32 dev;		/* the superblock's s_dev: major << 20 | minor */
	u32 pid;
};

struct filetop_value {
	u64 reads;
	u64 writes;
	u64 read_bytes;
	u64 write_bytes;
	struct gadget_process proc;	/* the thread that first read or wrote the file in the interval */
	u32 type;			/* enum filetop_type */
	u32 mode;			/* the inode's i_mode */
	u32 depth;			/* names[0..depth) were read: names[0] the file's, names[1] its parent's, ... */
	u32 rooted;			/* 1: names[depth - 1]'s parent is the file system's root */
	char names[FILETOP_DEPTH][FILETOP_NAME_LEN];
};

struct filetop_call {
	s32 fd;
	u32 write;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct filetop_key);
	__type(value, struct filetop_value);
} files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct filetop_call);
} calls SEC(".maps");

/* A zeroed value, too big for the stack with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct filetop_value);
} scratch SEC(".maps");

const volatile bool all_files = false;

/* Updates refused because the map was full. */
u64 dropped_updates = 0;

static __always_inline int enter(struct gadget_syscall_enter *ctx, u32 write)
{
	if (!gadget_selected())
		return 0;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct filetop_call call = { .fd = (s32)ctx->args[0], .write = write };
	bpf_map_update_elem(&calls, &tid, &call, BPF_ANY);
	return 0;
}

static __always_inline struct file *fd_file(s32 fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(gadget_current_task(), files, fdt);
	if (!fdt || (u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0)
		return NULL;
	return file;
}

static __always_inline u32 file_type(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return FILETOP_REGULAR;
	case S_IFSOCK:
		return FILETOP_SOCKET;
	case S_IFIFO:
		return FILETOP_PIPE;
	default:
		return FILETOP_OTHER;
	}
}

static __always_inline void read_names(struct filetop_value *value, struct dentry *dentry)
{
	value->depth = 0;
	value->rooted = 0;
#pragma unroll
	for (int i = 0; i < FILETOP_DEPTH; i++) {
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		if (bpf_probe_read_kernel_str(value->names[i], FILETOP_NAME_LEN, name) < 0)
			value->names[i][0] = 0;
		value->depth = i + 1;
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		struct dentry *grandparent = BPF_CORE_READ(parent, d_parent);
		if (!parent || parent == dentry)
			return;		/* dentry is a root itself: a socket's or a pipe's, or "/" */
		if (parent == grandparent) {
			value->rooted = 1;	/* parent is the root of the file system (of its mount) */
			return;
		}
		dentry = parent;
	}
}

static __always_inline int exit_call(long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct filetop_call *call = bpf_map_lookup_elem(&calls, &tid);
	if (!call)
		return 0;
	s32 fd = call->fd;
	u32 write = call->write;
	bpf_map_delete_elem(&calls, &tid);
	if (ret <= 0)
		return 0;
	struct file *file = fd_file(fd);
	if (!file)
		return 0;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return 0;
	u32 mode = BPF_CORE_READ(inode, i_mode);
	u32 type = file_type(mode);
	if (type != FILETOP_REGULAR && !all_files)
		return 0;
	struct filetop_key key = {};
	key.cgroup_id = bpf_get_current_cgroup_id();
	key.inode = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.pid = bpf_get_current_pid_tgid() >> 32;
	struct filetop_value *value = bpf_map_lookup_elem(&files, &key);
	if (!value) {
		u32 zero = 0;
		struct filetop_value *fresh = bpf_map_lookup_elem(&scratch, &zero);
		if (!fresh)
			return 0;
		__builtin_memset(fresh, 0, sizeof(*fresh));
		gadget_process_fill(&fresh->proc);
		fresh->type = type;
		fresh->mode = mode;
		read_names(fresh, BPF_CORE_READ(file, f_path.dentry));
		if (bpf_map_update_elem(&files, &key, fresh, BPF_NOEXIST) == -7 /* E2BIG */) {
			__sync_fetch_and_add(&dropped_updates, 1);
			return 0;
		}
		value = bpf_map_lookup_elem(&files, &key);
		if (!value)
			return 0;
	}
	if (write) {
		__sync_fetch_and_add(&value->writes, 1);
		__sync_fetch_and_add(&value->write_bytes, ret);
	} else {
		__sync_fetch_and_add(&value->reads, 1);
		__sync_fetch_and_add(&value->read_bytes, ret);
	}
	return 0;
}

/* Attached to sys_enter_read, _pread64, _readv, _preadv and _preadv2 (the fd is the first argument of each). */
SEC("tracepoint/syscalls/sys_enter_read")
int filetop_enter_read(struct gadget_syscall_enter *ctx)
{
	return enter(ctx, 0);
}

/* Attached to sys_enter_write, _pwrite64, _writev, _pwritev and _pwritev2. */
SEC("tracepoint/syscalls/sys_enter_write")
int filetop_enter_write(struct gadget_syscall_enter *ctx)
{
	return enter(ctx, 1);
}

/* Attached to the ten sys_exit tracepoints. */
SEC("tracepoint/syscalls/sys_exit_read")
int filetop_exit(struct gadget_syscall_exit *ctx)
{
	return exit_call(ctx->ret);
}

/* The layouts user space reads, named in the object's BTF. */
const struct filetop_key *unused_filetop_key __attribute__((unused));
const struct filetop_value *unused_filetop_value __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
