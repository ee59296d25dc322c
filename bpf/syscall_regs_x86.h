/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* x86-64 (syscall_regs.h): the number in orig_ax (-1 after rt_sigreturn restored the registers), the arguments in di, si,
 * dx, r10, r8, r9 (the syscall ABI: r10 instead of the C ABI's cx). 32-bit (ia32) syscalls use other registers and
 * numbers; traceloop decodes the x86-64 table only. */
#ifndef GADGET_SYSCALL_REGS_X86_H
#define GADGET_SYSCALL_REGS_X86_H

static __always_inline s64 syscall_regs_nr(const struct pt_regs *regs)
{
	return (s64)regs->orig_ax;
}

static __always_inline void syscall_regs_args(const struct pt_regs *regs, u64 args[6])
{
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
}

#endif
