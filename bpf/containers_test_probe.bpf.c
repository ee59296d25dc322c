/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Test probe for Gadget.Containers.Tests: what the kernel sees of processes, independently of the collection.
 *  - first_syscall: cgroup id -> bpf_ktime_get_boot_ns() of the first syscall made in that cgroup by a task whose comm is
 *    target_comm (the container's own program, e.g. "sh", not the runtime setting it up, whose comm varies: "runc:[2:INIT]",
 *    or the number of the memfd it re-executed itself from).
 *  - process_identity: tgid -> {cgroup id, mount namespace inode (CO-RE), mount namespace inode read with the probed raw
 *    offsets nsproxy_offset / mnt_ns_offset / mnt_inum_offset (no BTF involved)} as seen from that process's first syscall.
 *  - btf_offsets (run with BPF_PROG_TEST_RUN): the offsets BTF gives, to check TaskOffsetProber against.
 */
#include "gadget.h"

struct identity {
	u64 cgroup_id;
	u64 mnt_ns;
	u64 mnt_ns_raw;
};

struct offsets {
	u32 nsproxy;
	u32 mnt_ns;
	u32 uts_ns;
	u32 mnt_inum;
	u32 uts_inum;
};

const volatile u32 nsproxy_offset = 0;
const volatile u32 mnt_ns_offset = 0;
const volatile u32 mnt_inum_offset = 0;

struct offsets btf_offsets_out = {};

static __always_inline u64 raw_mnt_ns(void)
{
	u64 p = (u64)bpf_get_current_task();
	u32 inum = 0;
	if (!nsproxy_offset)
		return 0;
	if (bpf_probe_read_kernel(&p, sizeof(p), (void *)(p + nsproxy_offset)) ||
	    bpf_probe_read_kernel(&p, sizeof(p), (void *)(p + mnt_ns_offset)) ||
	    bpf_probe_read_kernel(&inum, sizeof(inum), (void *)(p + mnt_inum_offset)))
		return 0;
	return inum;
}

const volatile char target_comm[TASK_COMM_LEN] = "sh";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, u64);
} first_syscall SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, struct identity);
} process_identity SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_sys_enter, struct pt_regs *regs, long id)
{
	char comm[TASK_COMM_LEN];
	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
	u64 cgroup_id = bpf_get_current_cgroup_id();
	if (!bpf_map_lookup_elem(&first_syscall, &cgroup_id)) {
		u64 now = bpf_ktime_get_boot_ns();
		bpf_map_update_elem(&first_syscall, &cgroup_id, &now, BPF_NOEXIST);
	}
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&process_identity, &tgid)) {
		struct task_struct *task = gadget_current_task();
		struct identity who = {
			.cgroup_id = cgroup_id,
			.mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum),
			.mnt_ns_raw = raw_mnt_ns(),
		};
		bpf_map_update_elem(&process_identity, &tgid, &who, BPF_NOEXIST);
	}
	return 0;
}

SEC("raw_tp")
int btf_offsets(void *ctx)
{
	btf_offsets_out.nsproxy = bpf_core_field_offset(struct task_struct, nsproxy);
	btf_offsets_out.mnt_ns = bpf_core_field_offset(struct nsproxy, mnt_ns);
	btf_offsets_out.uts_ns = bpf_core_field_offset(struct nsproxy, uts_ns);
	btf_offsets_out.mnt_inum = bpf_core_field_offset(struct mnt_namespace, ns.inum);
	btf_offsets_out.uts_inum = bpf_core_field_offset(struct uts_namespace, ns.inum);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
