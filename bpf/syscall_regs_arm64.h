/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* arm64 (syscall_regs.h): the number in syscallno (-1 after rt_sigreturn), the arguments in x0-x5; x0 is overwritten by
 * the return value, so the first argument is read from orig_x0, which keeps it. A 32-bit (AArch32) task's syscall
 * (pstate's PSR_MODE32_BIT, 0x10) has its own numbers, its arguments in the same registers (r0-r5). */
#ifndef GADGET_SYSCALL_REGS_ARM64_H
#define GADGET_SYSCALL_REGS_ARM64_H

static __always_inline s64 syscall_regs_nr(const struct pt_regs *regs)
{
	return (s64)regs->syscallno;
}

static __always_inline bool syscall_regs_compat(const struct pt_regs *regs)
{
	return regs->pstate & 0x10;
}
static __always_inline void syscall_regs_args(const struct pt_regs *regs, u64 args[6])
{
	args[0] = regs->orig_x0;
	args[1] = regs->regs[1];
	args[2] = regs->regs[2];
	args[3] = regs->regs[3];
	args[4] = regs->regs[4];
	args[5] = regs->regs[5];
}

#endif
