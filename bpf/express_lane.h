/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The express lane: the common query, read at constant offsets and found in the express table
 * without walking its name. It handles one shape only: Ethernet without VLAN tags, IPv4 with a
 * 20-octet header (the DNS header at frame offset 42) or IPv6 without extension headers (62), a
 * standard query whose question is followed either by nothing or by one 11-octet EDNS0 OPT
 * record without options, for an A or AAAA set the express table holds. Anything else, or any
 * doubt, returns NULL and the express program (bpf/express_answer.h) hands the frame to the
 * general program, which runs from the start; of the lane's work only the header checks' results
 * go with it (q->dns_off nonzero: the headers passed every check parse_headers makes).
 *
 * Why the name is not walked. In that shape the name's length follows from the UDP length:
 * name_len = dns_len - 12 - 4 - (11 with the OPT, else 0). The lane checks QTYPE/QCLASS and the
 * OPT's fixed octets where that length puts them, then looks the name up with that length. A
 * match proves the guess. The slot's name is a valid wire name (userspace writes it from
 * name_to_wire: labels of 1..63 octets, the root label last, nothing after it), compared with
 * the same name_len, and its mask is 0xff on every label-length octet (those are 0..63, never a
 * letter; maps/express_slot_index.h): so the query's length octets equal the slot's, and the
 * label walk, which reads only length octets, follows the slot's labels and stops at the same
 * root octet, name_len - 1. The general path would therefore find the same name_len, read
 * QTYPE/QCLASS and the OPT at the same places, the same `rest` and ARCOUNT, and probe the same
 * slots: it fills `q` exactly as the lane does. A query whose layout differs (options in the OPT,
 * ARCOUNT 1 without an OPT, octets after the question, a compression pointer, a name of another
 * length) either fails a check here or puts at the name's place octets that are no held name
 * of that length, and falls through. The match is only a proof if the compare read the slot
 * whole: the sequence read before the compare (odd: a miss) is read again after the answer was
 * written from the slot (bpf/express_answer.h), and a change drops the frame.
 */
#pragma once

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/dns_query.h"
#include "bpf/express_table.h"
#include "bpf/packet_headers.h"

#define LANE_IPV4_DNS_OFF (ETH_HLEN + 20 + 8)
#define LANE_IPV6_DNS_OFF (ETH_HLEN + 40 + 8)
#define LANE_NAME_BOUND 0x7f /* a mask covering XGSLB_EXPRESS_NAME_MAX, for the verifier */


/* The DNS message at the constant `dns_off` (`dns_len` octets, from the UDP length, which the
 * caller checked against the IP length): header, question, OPT, then the express table. The
 * bounds check of the question's end is also the check that the whole datagram is in the frame.
 * Fills every field of `q` but the source, family, l3_off and dns_off (the caller's). */
static __always_inline struct xgslb_express_slot *lane_question(struct xdp_md *ctx,
								const struct xgslb_settings *settings,
								const __u32 dns_off, __u32 dns_len,
								struct dns_query *q, __u32 *sequence)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct dns_header *dns = data + dns_off;
	if ((void *)(dns + 1) > data_end)
		return 0;
	if (dns->flags & bpf_htons(DNS_FLAG_QR | DNS_OPCODE_MASK))
		return 0;
	const __u64 *counts_at = (const __u64 *)&dns->qdcount;
	asm volatile("" : "+r"(counts_at)); /* one load, as in walk_question_name */
	__u64 counts = *counts_at;
	if ((counts & ~DNS_COUNTS_ONE_ADDITIONAL) != DNS_COUNTS_ONE_QUESTION)
		return 0;
	__u32 arcount = counts >> 56;
	__u32 after_name = QUESTION_FIXED_LEN + (arcount ? XGSLB_OPT_RR_LEN : 0);
	/* Unsigned: a message shorter than its fixed parts wraps to a huge length, refused here. */
	__u32 name_len = dns_len - sizeof(struct dns_header) - after_name;
	if (name_len - 1 >= XGSLB_EXPRESS_NAME_MAX)
		return 0;
	const __u8 *qname = (const __u8 *)(dns + 1);
	const __u8 *fixed = qname + bounded(name_len, LANE_NAME_BOUND);
	if ((void *)(fixed + QUESTION_FIXED_LEN) > data_end)
		return 0;
	__u32 type_class = *(const __u32 *)fixed;
	__u16 qtype = bpf_ntohs((__u16)type_class);
	if ((type_class >> 16) != bpf_htons(XGSLB_DNS_CLASS_IN) ||
	    (qtype != XGSLB_DNS_TYPE_A && qtype != XGSLB_DNS_TYPE_AAAA))
		return 0;
	q->has_opt = 0;
	q->dnssec_ok = 0;
	q->max_response = XGSLB_MIN_UDP_PAYLOAD;
	if (arcount) {
		const __u8 *opt = fixed + QUESTION_FIXED_LEN;
		if ((void *)(opt + XGSLB_OPT_RR_LEN) > data_end)
			return 0;
		__u64 head = *(const __u64 *)opt;
		__u32 tail = *(const __u32 *)(opt + 7);
		/* The OPT's fixed octets as read_question checks them, and RDLENGTH (octets 9-10) 0. */
		if ((head & OPT_HEAD_MASK) != OPT_HEAD_WANT || (tail >> 16) != 0)
			return 0;
		take_opt(q, settings, head, tail);
	}
	struct xgslb_express_slot *slot = express_find(qname, data_end, name_len, qtype, settings, sequence);
	if (!slot || (*sequence & 1))
		return 0;
	q->name_len = name_len;
	q->question_end = sizeof(struct dns_header) + name_len + QUESTION_FIXED_LEN;
	q->flags = bpf_ntohs(dns->flags);
	q->qtype = qtype;
	q->arcount = arcount;
	q->ecs_len = 0;
	return slot;
}

/* The UDP header `u` (one load: ports, length, checksum) checked: what parse_headers would store,
 * kept for the general path, then the DNS message. */
static __always_inline struct xgslb_express_slot *lane_udp(struct xdp_md *ctx, const struct xgslb_settings *settings,
							   __u8 family, const __u32 dns_off, __u64 u,
							   struct dns_query *q, __u32 *sequence)
{
	__u32 dns_len = bpf_ntohs((__u16)(u >> 32)) - 8;
	q->source.port = bpf_ntohs((__u16)u);
	q->family = family;
	q->l3_off = ETH_HLEN;
	q->dns_off = dns_off;
	q->dns_len = dns_len;
	return lane_question(ctx, settings, dns_off, dns_len, q, sequence);
}

/* The slot holding the query's set, its sequence (even) in *sequence, with `q` filled as the
 * general path would fill it; NULL: the general program's (q->dns_off says whether the headers
 * passed). `set`: the published listen set, as parse_headers takes it. */
static __always_inline struct xgslb_express_slot *express_lane(struct xdp_md *ctx,
							       const struct xgslb_settings *settings,
							       const struct xgslb_listen_set *set,
							       struct dns_query *q, __u32 *sequence)
{
	if (!xgslb_express_slots)
		return 0;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* One check for Ethernet, IPv4 and UDP; IPv6 checks its longer headers below. */
	if (data + LANE_IPV4_DNS_OFF > data_end)
		return 0;
	__be16 proto = *(__be16 *)(data + 12);
	if (proto == bpf_htons(ETH_P_IP)) {
		/* The checks of parse_headers, on the same words, at their constant places. */
		__u64 w0 = *(__u64 *)(data + ETH_HLEN);
		__u64 w1 = *(__u64 *)(data + ETH_HLEN + 8);
		__u64 u = *(__u64 *)(data + ETH_HLEN + 20);
		if ((w0 & IPV4_HEAD_MASK) != IPV4_HEAD_WANT || (__u8)(w1 >> 8) != IPPROTO_UDP)
			return 0;
		__u32 daddr = *(__u32 *)(data + ETH_HLEN + 16);
		if (!listening(set, listen_head(XGSLB_FAMILY_IPV4, u, daddr), 0, 0))
			return 0;
		__u32 tot_len = bpf_ntohs((__u16)(w0 >> 16));
		__u32 udp_len = bpf_ntohs((__u16)(u >> 32));
		if (udp_len < 8 + DNS_HEADER_LEN || tot_len != 20 + udp_len || data + ETH_HLEN + tot_len > data_end)
			return 0;
		q->source.addr[0] = w1 >> 32;
		q->source.addr[1] = 0;
		q->source.addr[2] = 0;
		q->source.addr[3] = 0;
		return lane_udp(ctx, settings, XGSLB_FAMILY_IPV4, LANE_IPV4_DNS_OFF, u, q, sequence);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		if (data + LANE_IPV6_DNS_OFF > data_end)
			return 0;
		struct ipv6hdr *ip6 = data + ETH_HLEN;
		if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
			return 0;
		__u64 u = *(__u64 *)(data + ETH_HLEN + 40);
		const __u64 *daddr = (const __u64 *)&ip6->daddr;
		__u64 d0 = daddr[0], d1 = daddr[1];
		if (!listening(set, listen_head(XGSLB_FAMILY_IPV6, u, (__u32)d0), (d0 >> 32) | (d1 << 32), d1 >> 32))
			return 0;
		__u32 payload_len = bpf_ntohs(ip6->payload_len);
		__u32 udp_len = bpf_ntohs((__u16)(u >> 32));
		/* A zero UDP checksum is invalid over IPv6: the general path passes it. */
		if (udp_len < 8 + DNS_HEADER_LEN || payload_len != udp_len || (u >> 48) == 0 ||
		    data + ETH_HLEN + 40 + payload_len > data_end)
			return 0;
		__builtin_memcpy(q->source.addr, &ip6->saddr, 16);
		return lane_udp(ctx, settings, XGSLB_FAMILY_IPV6, LANE_IPV6_DNS_OFF, u, q, sequence);
	}
	return 0;
}
