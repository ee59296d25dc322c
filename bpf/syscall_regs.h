/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * A syscall's number and arguments from the registers the raw syscall tracepoints pass (tp_btf/sys_enter, sys_exit:
 * struct pt_regs *regs, trusted: plain loads, no helper call). The classic tracepoint's record (tracepoint/raw_syscalls)
 * holds the same values already extracted, but the kernel fills that record through perf's trace buffer for every syscall
 * of every process, which costs about as much as the rest of the hook (benchmarks/README.md, "The syscall hook").
 * Which register holds what is per architecture: syscall_regs_x86.h, syscall_regs_arm64.h.
 */
#ifndef GADGET_SYSCALL_REGS_H
#define GADGET_SYSCALL_REGS_H

#if defined(__TARGET_ARCH_x86)
#include "syscall_regs_x86.h"
#elif defined(__TARGET_ARCH_arm64)
#include "syscall_regs_arm64.h"
#else
#error "syscall_regs.h: no register layout for this architecture (define __TARGET_ARCH_x86 or __TARGET_ARCH_arm64)"
#endif

#endif
