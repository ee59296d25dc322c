/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* x86-64 (syscall_regs.h): the number in orig_ax (-1 after rt_sigreturn restored the registers), the arguments in di, si,
 * dx, r10, r8, r9 (the syscall ABI: r10 instead of the C ABI's cx). A 32-bit (ia32) syscall (int 0x80, or sysenter/syscall
 * from a 32-bit code segment: cs is __USER32_CS, 0x23) has its own numbers and its arguments in bx, cx, dx, si, di, bp. */
#ifndef GADGET_SYSCALL_REGS_X86_H
#define GADGET_SYSCALL_REGS_X86_H

static __always_inline s64 syscall_regs_nr(const struct pt_regs *regs)
{
	return (s64)regs->orig_ax;
}

static __always_inline bool syscall_regs_compat(const struct pt_regs *regs)
{
	return regs->cs == 0x23;
}
static __always_inline void syscall_regs_args(const struct pt_regs *regs, u64 args[6])
{
	if (syscall_regs_compat(regs)) {
		args[0] = (u32)regs->bx;
		args[1] = (u32)regs->cx;
		args[2] = (u32)regs->dx;
		args[3] = (u32)regs->si;
		args[4] = (u32)regs->di;
		args[5] = (u32)regs->bp;
		return;
	}
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
}

#endif
