/* SPDX-License-Identifier: Apache-2.0 */
/* Ethernet (+ up to two VLAN tags), IPv4 without options or fragments, IPv6 without extension
 * headers, and UDP to an address we answer for. Everything else is passed with its reason. */
#pragma once

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"

#define VLAN_HLEN 4
#define IPV4_FRAGMENT_BITS 0x3fff /* MF flag and fragment offset */
#define DNS_HEADER_LEN 12

/* Where the query came from, kept while the IP and UDP headers are at hand: the never-reflect
 * rules and the rate limiter (bpf/rrl.h) need it, and reading it here saves finding the headers
 * again behind a fresh bounds check. */
struct query_source {
	__u32 addr[4];        /* as in the packet (network order); IPv4 in the first word, the rest zero */
	__u16 port;           /* host order */
	__u16 pad;
};

/* Whether (family, port, address) is in the published listen set (`set`, NULL before the first
 * publish: then nothing is answered): a linear scan of a few 20-octet entries, cheaper than
 * hashing the key. The key comes as the entry's five words (xgslb_listen_key: family, pad and
 * port, then the address), so for IPv4 the three zero words are constants. */
static __always_inline int listening(const struct xgslb_listen_set *set, __u32 head, __u32 a0, __u32 a1, __u32 a2,
				     __u32 a3)
{
	if (!set)
		return 0;
	__u32 count = set->count;
	for (__u32 i = 0; i < XGSLB_MAX_LISTEN; i++) {
		if (i >= count)
			break;
		const __u32 *have = (const __u32 *)&set->keys[i];
		if (have[0] == head && have[1] == a0 && have[2] == a1 && have[3] == a2 && have[4] == a3)
			return 1;
	}
	return 0;
}

/* Word 0 of an xgslb_listen_key as the scan compares it. */
static __always_inline __u32 listen_head(__u8 family, __be16 port)
{
	return family | ((__u32)port << 16);
}

/* Returns XGSLB_COUNTER_COUNT when the packet is UDP to one of our DNS addresses (`set`, looked
 * up by the caller before any parsing, so no value parsed here has to survive a call); the
 * offsets are then in *out and the source in *source. Otherwise the reason to pass it. */
static __always_inline enum xgslb_counter parse_headers(struct xdp_md *ctx, const struct xgslb_listen_set *set,
							  struct xgslb_scratch *out, struct query_source *source)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return XGSLB_C_pass_not_ip;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		__be16 *tag = data + off;
		if ((void *)(tag + 2) > data_end)
			return XGSLB_C_pass_not_ip;
		proto = tag[1];
		off += VLAN_HLEN;
	}
	out->l3_off = off;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;
		if ((void *)(ip + 1) > data_end)
			return XGSLB_C_pass_malformed;
		if (ip->version != 4 || ip->ihl != 5 || (ip->frag_off & bpf_htons(IPV4_FRAGMENT_BITS)))
			return XGSLB_C_pass_ip_unsupported;
		if (ip->protocol != IPPROTO_UDP)
			return XGSLB_C_pass_not_udp;
		struct udphdr *udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > data_end)
			return XGSLB_C_pass_malformed;
		if (!listening(set, listen_head(XGSLB_FAMILY_IPV4, udp->dest), ip->daddr, 0, 0, 0))
			return XGSLB_C_pass_not_listen;
		__u32 tot_len = bpf_ntohs(ip->tot_len);
		__u32 udp_len = bpf_ntohs(udp->len);
		if (udp_len < sizeof(*udp) + DNS_HEADER_LEN || tot_len != sizeof(*ip) + udp_len ||
		    data + off + tot_len > data_end)
			return XGSLB_C_pass_malformed;
		source->addr[0] = ip->saddr;
		source->addr[1] = 0;
		source->addr[2] = 0;
		source->addr[3] = 0;
		source->port = bpf_ntohs(udp->source);
		out->family = XGSLB_FAMILY_IPV4;
		out->dns_off = off + sizeof(*ip) + sizeof(*udp);
		out->dns_len = udp_len - sizeof(*udp);
		return XGSLB_COUNTER_COUNT;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		if ((void *)(ip6 + 1) > data_end)
			return XGSLB_C_pass_malformed;
		if (ip6->version != 6)
			return XGSLB_C_pass_malformed;
		if (ip6->nexthdr != IPPROTO_UDP) {
			switch (ip6->nexthdr) {
			case IPPROTO_HOPOPTS: case IPPROTO_ROUTING: case IPPROTO_FRAGMENT:
			case IPPROTO_DSTOPTS: case IPPROTO_MH:
				return XGSLB_C_pass_ip_unsupported;
			}
			return XGSLB_C_pass_not_udp;
		}
		struct udphdr *udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end)
			return XGSLB_C_pass_malformed;
		const __u32 *daddr = (const __u32 *)&ip6->daddr;
		if (!listening(set, listen_head(XGSLB_FAMILY_IPV6, udp->dest), daddr[0], daddr[1], daddr[2], daddr[3]))
			return XGSLB_C_pass_not_listen;
		__u32 payload_len = bpf_ntohs(ip6->payload_len);
		__u32 udp_len = bpf_ntohs(udp->len);
		/* A zero UDP checksum is invalid over IPv6 (RFC 8200 8.1): leave it to the stack. */
		if (udp_len < sizeof(*udp) + DNS_HEADER_LEN || payload_len != udp_len ||
		    data + off + sizeof(*ip6) + payload_len > data_end || udp->check == 0)
			return XGSLB_C_pass_malformed;
		__builtin_memcpy(source->addr, &ip6->saddr, 16);
		source->port = bpf_ntohs(udp->source);
		out->family = XGSLB_FAMILY_IPV6;
		out->dns_off = off + sizeof(*ip6) + sizeof(*udp);
		out->dns_len = udp_len - sizeof(*udp);
		return XGSLB_COUNTER_COUNT;
	}
	return XGSLB_C_pass_not_ip;
}
