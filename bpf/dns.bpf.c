/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * trace dns: DNS messages over UDP port 53, as Inspektor Gadget's trace dns sees them: a socket filter
 * (BPF_PROG_TYPE_SOCKET_FILTER) attached with SO_ATTACH_BPF to an AF_PACKET socket that user space opened in a network
 * namespace, so that it runs for every packet on every interface of that namespace (both directions). It copies the
 * UDP/IP endpoints and the DNS message (the first 512 bytes) into the ring buffer and returns 0: the packet socket
 * itself never queues anything. User space decodes the DNS message (header, question, A/AAAA answers).
 *
 * A socket filter does not know which socket (so which namespace) it runs for: user space loads one copy of this
 * object per namespace, with 'netns' set to that namespace's inode, all copies sharing 'events' and 'lost'. The pid is
 * not knowable here: a packet is not in the context of the process that sent or will read it.
 * TCP (DNS over TCP, port 53) is not parsed; IPv6 extension headers and IP fragments other than the first are skipped.
 * Only the packet's linear part is read (bpf_skb_load_bytes_relative): a DNS message in page fragments is not reported.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define DNS_MAX 512
#define DNS_PORT 53
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define PACKET_OUTGOING 4
#define LOOPBACK_IFINDEX 1

struct dns_event {
	u64 timestamp_ns;	/* bpf_ktime_get_boot_ns() */
	u32 netns;		/* inode number of the network namespace (this copy's 'netns') */
	u32 ifindex;		/* the interface the packet was seen on */
	u16 family;		/* AF_INET or AF_INET6 */
	u16 sport;		/* host order */
	u16 dport;		/* host order */
	u8 pkt_type;		/* PACKET_HOST 0, PACKET_BROADCAST 1, PACKET_MULTICAST 2, PACKET_OTHERHOST 3, PACKET_OUTGOING 4 */
	u8 reserved;
	u16 dns_length;		/* the DNS message's length (UDP length - 8) */
	u16 captured;		/* bytes of it copied into dns[] (at most 512) */
	u32 reserved2;
	u8 saddr[16];		/* network order, IPv4 in the first 4 bytes */
	u8 daddr[16];
	u8 dns[DNS_MAX];	/* the DNS message's first 'captured' bytes */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for (one counter shared by every copy of the object). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lost SEC(".maps");

/* Set by user space before load: the inode number of the namespace whose packet socket this copy is attached to. */
const volatile u32 netns = 0;

static __always_inline void count_lost(void)
{
	u32 zero = 0;
	u64 *count = bpf_map_lookup_elem(&lost, &zero);
	if (count)
		__sync_fetch_and_add(count, 1);
}

SEC("socket")
int dns_filter(struct __sk_buff *skb)
{
	/* On loopback a packet passes the taps twice, sent then received: keep the received copy (as libpcap does). */
	if (skb->pkt_type == PACKET_OUTGOING && skb->ifindex == LOOPBACK_IFINDEX)
		return 0;
	u8 saddr[16] = {}, daddr[16] = {};
	u16 family;
	u32 offset;
	u16 protocol = bpf_ntohs((u16)skb->protocol);
	if (protocol == ETH_P_IP) {
		struct iphdr ip;
		if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET) < 0)
			return 0;
		if (ip.version != 4 || ip.ihl < 5 || ip.protocol != IPPROTO_UDP)
			return 0;
		if (ip.frag_off & bpf_htons(0x1fff)) /* not the first fragment: no UDP header */
			return 0;
		__builtin_memcpy(saddr, &ip.saddr, 4);
		__builtin_memcpy(daddr, &ip.daddr, 4);
		family = 2; /* AF_INET */
		offset = ip.ihl * 4;
	} else if (protocol == ETH_P_IPV6) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET) < 0)
			return 0;
		if (ip6.nexthdr != IPPROTO_UDP)
			return 0;
		__builtin_memcpy(saddr, &ip6.saddr, 16);
		__builtin_memcpy(daddr, &ip6.daddr, 16);
		family = 10; /* AF_INET6 */
		offset = sizeof(ip6);
	} else {
		return 0;
	}
	struct udphdr udp;
	if (bpf_skb_load_bytes_relative(skb, offset, &udp, sizeof(udp), BPF_HDR_START_NET) < 0)
		return 0;
	u16 sport = bpf_ntohs(udp.source), dport = bpf_ntohs(udp.dest);
	if (sport != DNS_PORT && dport != DNS_PORT)
		return 0;
	u32 length = bpf_ntohs(udp.len);
	if (length < sizeof(udp) + 12) /* no room for a DNS header */
		return 0;
	length -= sizeof(udp);
	struct dns_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	u32 captured = length > DNS_MAX ? DNS_MAX : length;
	/*
	 * Bounds every kernel's verifier follows, [1, 512] (5.10's lost the lower one of 'captured < 12 || captured > 512',
	 * which clang folds into one unsigned compare): hidden from clang first, which would drop the mask as a no-op.
	 * 'captured' is 12..512 here, so this leaves it as it is.
	 */
	asm volatile("" : "+r"(captured));
	captured = ((captured - 1) & (DNS_MAX - 1)) + 1;
	/* The message's first 'captured' bytes (a packet shorter than its UDP length claims is not reported). */
	if (bpf_skb_load_bytes_relative(skb, offset + sizeof(udp), e->dns, captured, BPF_HDR_START_NET) < 0) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->timestamp_ns = bpf_ktime_get_boot_ns();
	e->netns = netns;
	e->ifindex = skb->ifindex;
	e->family = family;
	e->sport = sport;
	e->dport = dport;
	e->pkt_type = skb->pkt_type;
	e->reserved = 0;
	e->dns_length = length;
	e->captured = captured;
	e->reserved2 = 0;
	__builtin_memcpy(e->saddr, saddr, 16);
	__builtin_memcpy(e->daddr, daddr, 16);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The layout user space reads, named in the object's BTF: a test compares it with its C# mirror. */
const struct dns_event *unused_dns_event __attribute__((unused));

char LICENSE[] SEC("license") = "Dual MIT/GPL";
