/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Test object for the libbpf calls Gadget.Bpf exposes before and after load: map sizes, types and flags set before load
 * (a stack map declared without a value size, as libbpf-tools do), autocreate, program types and attach targets set
 * before load, whole-object attach, task iterators, array globals. Only the test's own process is counted. */
#include "gadget.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile u32 target_tgid = 0;
const volatile char target_comm[16] = {};
int weights[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

u64 weighted_sum = 0;
char seen_comm[16] = {};
long last_stack_id = -1;
u64 exec_count = 0;
u64 uprobe_hits = 0;
u64 custom_runs = 0;

/* Value size 0: the application sets it (frames x 8 bytes) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(u32));
} stacks SEC(".maps");

/* Key, value, type and flags changed before load by the tests (no BTF types, so any sizes fit). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(key_size, 4);
	__uint(value_size, 4);
} adjustable SEC(".maps");

/* Used by no program: the tests turn its creation off. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} optional_map SEC(".maps");

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("raw_tp/sys_enter")
int record_stack(struct bpf_raw_tracepoint_args *ctx)
{
	if (!is_target())
		return 0;
	long id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	if (id >= 0)
		last_stack_id = id;
	return 0;
}

/* No target in the section: set with BpfProgram.SetAttachTarget before load. */
SEC("tp_btf")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (BPF_CORE_READ(task, real_parent, tgid) == target_tgid)
		__sync_fetch_and_add(&exec_count, 1);
	return 0;
}

SEC("uprobe//lib/x86_64-linux-gnu/libc.so.6:getppid")
int count_getppid(struct pt_regs *ctx)
{
	if (is_target())
		__sync_fetch_and_add(&uprobe_hits, 1);
	return 0;
}

/* No target: not auto-attachable. */
SEC("uprobe")
int uprobe_without_target(struct pt_regs *ctx)
{
	return 0;
}

/* A section libbpf does not know: its type is set with BpfProgram.Type before load. */
SEC("gadget/custom")
int custom_section(void *ctx)
{
	__sync_fetch_and_add(&custom_runs, 1);
	return 7;
}

/* Run with BPF_PROG_TEST_RUN: reads the array globals. */
SEC("raw_tp")
int sum_weights(void *ctx)
{
	u64 sum = 0;
	for (int i = 0; i < 8; i++)
		sum += (u64)weights[i] * (i + 1);
	weighted_sum = sum;
	for (int i = 0; i < 16; i++)
		seen_comm[i] = target_comm[i];
	return 0;
}

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task || task->tgid != target_tgid)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "task %d %d\n", task->tgid, task->pid);
	return 0;
}

/* The same iterator from a section libbpf does not know: type, expected attach type and target set before load. */
SEC("gadget/iter")
int custom_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task || task->tgid != target_tgid)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "custom %d %d\n", task->tgid, task->pid);
	return 0;
}
