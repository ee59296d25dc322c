/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Shared definitions for Gadget's BPF programs. */
#ifndef GADGET_H
#define GADGET_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define TASK_COMM_LEN 16

#endif
