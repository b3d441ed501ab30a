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

/* Whether `k` is in the published listen set (`set`, NULL before the first publish: then
 * nothing is answered): a linear scan of a few 20-octet entries, cheaper than hashing the key. */
static __always_inline int listening(const struct xgslb_listen_set *set, const struct xgslb_listen_key *k)
{
	if (!set)
		return 0;
	const __u32 *want = (const __u32 *)k;
	__u32 count = set->count;
	for (__u32 i = 0; i < XGSLB_MAX_LISTEN; i++) {
		if (i >= count)
			break;
		const __u32 *have = (const __u32 *)&set->keys[i];
		if (have[0] == want[0] && have[1] == want[1] && have[2] == want[2] && have[3] == want[3] &&
		    have[4] == want[4])
			return 1;
	}
	return 0;
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
	struct xgslb_listen_key listen = {};
	__u32 off = sizeof(*eth);
	__u16 proto;
	/* Checked after the listen set, so traffic for others is passed as not ours. */
	int lengths_ok;

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
		listen.family = XGSLB_FAMILY_IPV4;
		listen.port = udp->dest;
		__builtin_memcpy(listen.addr, &ip->daddr, 4);
		source->addr[0] = ip->saddr;
		source->addr[1] = 0;
		source->addr[2] = 0;
		source->addr[3] = 0;
		source->port = bpf_ntohs(udp->source);
		__u32 tot_len = bpf_ntohs(ip->tot_len);
		__u32 udp_len = bpf_ntohs(udp->len);
		lengths_ok = udp_len >= sizeof(*udp) + DNS_HEADER_LEN && tot_len == sizeof(*ip) + udp_len &&
			     data + off + tot_len <= data_end;
		out->family = XGSLB_FAMILY_IPV4;
		out->dns_off = off + sizeof(*ip) + sizeof(*udp);
		out->dns_len = udp_len - sizeof(*udp);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
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
		listen.family = XGSLB_FAMILY_IPV6;
		listen.port = udp->dest;
		__builtin_memcpy(listen.addr, &ip6->daddr, 16);
		__builtin_memcpy(source->addr, &ip6->saddr, 16);
		source->port = bpf_ntohs(udp->source);
		__u32 payload_len = bpf_ntohs(ip6->payload_len);
		__u32 udp_len = bpf_ntohs(udp->len);
		/* A zero UDP checksum is invalid over IPv6 (RFC 8200 8.1): leave it to the stack. */
		lengths_ok = udp_len >= sizeof(*udp) + DNS_HEADER_LEN && payload_len == udp_len &&
			     data + off + sizeof(*ip6) + payload_len <= data_end && udp->check != 0;
		out->family = XGSLB_FAMILY_IPV6;
		out->dns_off = off + sizeof(*ip6) + sizeof(*udp);
		out->dns_len = udp_len - sizeof(*udp);
	} else {
		return XGSLB_C_pass_not_ip;
	}
	if (!listening(set, &listen))
		return XGSLB_C_pass_not_listen;
	if (!lengths_ok)
		return XGSLB_C_pass_malformed;
	return XGSLB_COUNTER_COUNT;
}
