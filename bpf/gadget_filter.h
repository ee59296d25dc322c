/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * In-kernel container filter shared by the gadgets: user space makes 'selected_cgroups' reuse the map of a
 * Gadget.Containers selection (BpfMap.ReuseMap(selection.CgroupIds)), which the collection keeps equal to the
 * cgroup ids of the matching containers, and sets 'filter_by_cgroup'. Events of other cgroups never leave the kernel.
 */
#ifndef GADGET_FILTER_H
#define GADGET_FILTER_H

#include "gadget.h"

const volatile bool filter_by_cgroup = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u8);
} selected_cgroups SEC(".maps");

static __always_inline bool gadget_selected(void)
{
	if (!filter_by_cgroup)
		return true;
	u64 cgroup = bpf_get_current_cgroup_id();
	return bpf_map_lookup_elem(&selected_cgroups, &cgroup) != NULL;
}

#endif
