/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Shared by tcpretrans.bpf.c, tcpdrop.bpf.c and snapshot_socket.bpf.c: the cgroup2 id of the process that created a
 * socket (sk->sk_cgrp_data, set when the socket is created: what the kernel's cgroup BPF hooks use), read with CO-RE on
 * both of its layouts, and the container filter applied to it. Retransmissions and drops run in softirq or timer
 * context, where the current task is unrelated to the socket: the socket's own cgroup says whose it is.
 */
#ifndef SOCK_OWNER_H
#define SOCK_OWNER_H

#include "gadget_filter.h"

#define GADGET_TCP_TIME_WAIT 6
#define GADGET_TCP_NEW_SYN_RECV 12

/* Linux before 5.15: a u64 that is either a cgroup pointer or (low bits set) cgroup v1 classid/prioidx data. */
struct sock_cgroup_data___v510 {
	union {
		struct {
			u8 is_data : 1;
			u8 no_refcnt : 1;
			u8 unused : 6;
			u8 padding;
			u16 prioidx;
			u32 classid;
		};
		u64 val;
	};
} __attribute__((preserve_access_index));

struct sock___v510 {
	struct sock_cgroup_data___v510 sk_cgrp_data;
} __attribute__((preserve_access_index));

/*
 * The cgroup2 id of a full socket's creator, 0 when unknown (a time-wait or request socket has no sk_cgrp_data; on
 * Linux before 5.15 a socket whose cgroup v1 net_cls/net_prio data took the field's place has none either).
 */
static __always_inline u64 gadget_sock_cgroup_id(struct sock *sk)
{
	if (!sk)
		return 0;
	u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == GADGET_TCP_TIME_WAIT || state == GADGET_TCP_NEW_SYN_RECV)
		return 0;
	struct cgroup *cgroup = NULL;
	if (bpf_core_field_exists(struct sock_cgroup_data, cgroup)) {
		cgroup = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	} else {
		struct sock___v510 *old = (void *)sk;
		u64 val = BPF_CORE_READ(old, sk_cgrp_data.val);
		if (val & 3)
			return 0;
		cgroup = (struct cgroup *)val;
	}
	if (!cgroup)
		return 0;
	return BPF_CORE_READ(cgroup, kn, id);
}

/* Whether events of cgroup 'cgroup' pass the container filter (gadget_filter.h); 0 (unknown) passes only unfiltered. */
static __always_inline bool gadget_cgroup_selected(u64 cgroup)
{
	if (!filter_by_cgroup)
		return true;
	return cgroup != 0 && bpf_map_lookup_elem(&selected_cgroups, &cgroup) != NULL;
}

#endif
