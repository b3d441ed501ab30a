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
 * hashing the key. An entry (xgslb_listen_key: family, pad and port, then the address) is
 * compared as two 64-bit words and one 32-bit word (the map value's alignment does not matter to
 * x86 loads); `head` is its first 64 bits (listen_head), `mid` the next 64 and `last` the final 32,
 * so for IPv4 the zero words are one constant compare. */
static __always_inline int listening(const struct xgslb_listen_set *set, __u64 head, __u64 mid, __u32 last)
{
	if (!set)
		return 0;
	__u32 count = set->count;
	for (__u32 i = 0; i < XGSLB_MAX_LISTEN; i++) {
		if (i >= count)
			break;
		const __u8 *have = (const __u8 *)&set->keys[i];
		if (*(const __u64 *)have == head && *(const __u64 *)(have + 8) == mid && *(const __u32 *)(have + 16) == last)
			return 1;
	}
	return 0;
}

/* The first 64 bits of an xgslb_listen_key as the scan loads them (little-endian, as the program
 * is built): family, pad, port (network order), then the address's first word. */
static __always_inline __u64 listen_head(__u8 family, __u32 port_field, __u32 addr0)
{
	return family | (port_field & 0xffff0000) | (__u64)addr0 << 32;
}

/* IPv4: version 4 and IHL 5 (octet 0) and no fragment bits (octets 6-7: MF and the offset), as
 * one masked compare of the header's first 64 bits (little-endian). */
#define IPV4_HEAD_MASK 0xff3f0000000000ffULL
#define IPV4_HEAD_WANT 0x45ULL

/* Returns XGSLB_COUNTER_COUNT when the packet is UDP to one of our DNS addresses (`set`, looked
 * up by the caller before any parsing, so no value parsed here has to survive a call); the
 * offsets are then in *out and the source in *source. Otherwise the reason to pass it.
 * Headers are read a 64-bit word at a time and compared under masks: one load and one compare
 * where field-by-field reads cost one of each per field. */
static __always_inline enum xgslb_counter parse_headers(struct xdp_md *ctx, const struct xgslb_listen_set *set,
							  struct xgslb_scratch *out, struct query_source *source)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = ETH_HLEN;

	if (data + ETH_HLEN > data_end)
		return XGSLB_C_pass_not_ip;
	/* Not through struct ethhdr: it is packed, and the compiler reads its fields an octet at a time. */
	__be16 proto = *(__be16 *)(data + 12);
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
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
	}
	out->l3_off = off;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;
		if ((void *)(ip + 1) > data_end)
			return XGSLB_C_pass_malformed;
		__u64 w0 = *(__u64 *)ip;                  /* version, IHL, TOS, total length, id, fragment */
		__u64 w1 = *(__u64 *)((__u8 *)ip + 8);    /* TTL, protocol, checksum, source address */
		if ((w0 & IPV4_HEAD_MASK) != IPV4_HEAD_WANT)
			return XGSLB_C_pass_ip_unsupported;
		if ((__u8)(w1 >> 8) != IPPROTO_UDP)
			return XGSLB_C_pass_not_udp;
		struct udphdr *udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > data_end)
			return XGSLB_C_pass_malformed;
		__u64 u = *(__u64 *)udp;                  /* source port, destination port, length, checksum */
		if (!listening(set, listen_head(XGSLB_FAMILY_IPV4, u, ip->daddr), 0, 0))
			return XGSLB_C_pass_not_listen;
		__u32 tot_len = bpf_ntohs((__u16)(w0 >> 16));
		__u32 udp_len = bpf_ntohs((__u16)(u >> 32));
		if (udp_len < sizeof(*udp) + DNS_HEADER_LEN || tot_len != sizeof(*ip) + udp_len ||
		    data + off + tot_len > data_end)
			return XGSLB_C_pass_malformed;
		source->addr[0] = w1 >> 32;
		source->addr[1] = 0;
		source->addr[2] = 0;
		source->addr[3] = 0;
		source->port = bpf_ntohs((__u16)u);
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
		__u64 u = *(__u64 *)udp;
		const __u64 *daddr = (const __u64 *)&ip6->daddr;
		__u64 d0 = daddr[0], d1 = daddr[1];
		if (!listening(set, listen_head(XGSLB_FAMILY_IPV6, u, (__u32)d0), (d0 >> 32) | (d1 << 32), d1 >> 32))
			return XGSLB_C_pass_not_listen;
		__u32 payload_len = bpf_ntohs(ip6->payload_len);
		__u32 udp_len = bpf_ntohs((__u16)(u >> 32));
		/* A zero UDP checksum is invalid over IPv6 (RFC 8200 8.1): leave it to the stack. */
		if (udp_len < sizeof(*udp) + DNS_HEADER_LEN || payload_len != udp_len ||
		    data + off + sizeof(*ip6) + payload_len > data_end || (u >> 48) == 0)
			return XGSLB_C_pass_malformed;
		__builtin_memcpy(source->addr, &ip6->saddr, 16);
		source->port = bpf_ntohs((__u16)u);
		out->family = XGSLB_FAMILY_IPV6;
		out->dns_off = off + sizeof(*ip6) + sizeof(*udp);
		out->dns_len = udp_len - sizeof(*udp);
		return XGSLB_COUNTER_COUNT;
	}
	return XGSLB_C_pass_not_ip;
}
