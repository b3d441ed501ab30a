/* SPDX-License-Identifier: Apache-2.0 */
/* Turns the query frame into the response in place: the question stays where it is (echoed
 * byte for byte, so 0x20 case randomisation survives), the answer or authority section is
 * copied from the map value after it, then our OPT. The frame is resized once; every header is
 * rewritten; the UDP checksum is updated incrementally from precomputed section sums, so no
 * byte of the message is summed per packet. write_response is the general writer, for what the
 * inline ones (inline_response.h) leave: the RRL slip, negative answers with ECS, Weighted sets
 * with weight-0 groups, and frames the inline writers leave (padding after the query, no
 * headroom). */
#pragma once

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/checksum.h"
#include "bpf/dns_query.h"

/* Inputs read again after a helper that resizes the frame, not kept across it: BPF has four
 * callee-saved registers, so kept values are spilled, and the spill slots push the program's
 * stack toward the 512 octets that its deepest call chain may use. A reload is one load. */
#define RELOAD(field) (*(volatile typeof(field) *)&(field))

#define RESPONSE_IP_TTL 64
#define DNS_FLAG_TC 0x0200
#define PREFIX_MAX 1024 /* headers + question: at most 22 + 40 + 8 + 12 + 255 + 4 octets */

/* What goes after the question: `section_len` octets from a map value (an rrset's records, or a
 * zone's SOA record, which then gets a 2-octet owner pointer `soa_owner` in front). The caller
 * copies the section itself (store_section), bounded by its own map value's size. */
struct dns_answer {
	__u16 udp_payload_size; /* ours, for the OPT */
	__u16 truncated;        /* the RRL slip (bpf/rrl.h): TC=1 instead of AA=1, no section */
	__u32 section_len;
	__u16 section_csum; /* even-offset sum of the section, owner pointer included */
	__u16 soa_owner;    /* 0xc000 | offset of the zone apex in the question, or 0 */
	__u16 rcode;
	__u16 ancount;
	__u16 nscount;
	__u16 ecs_scope;    /* echoed in the query's ECS option: 0 unless a Geo set matched */
};

/* Sum of our OPT record (owner root, TYPE 41, CLASS = payload size, TTL = 0 | 0 | DO flag,
 * RDLENGTH) as its 11 octets and a zero pad octet would sum at an even offset: the 16-bit words
 * are 0x0000, 0x29 | size high, size low | 0, 0x00 | DO, 0x0000, RDLENGTH low | 0. */
static __always_inline __u32 csum_our_opt(__u16 payload_size, __u8 dnssec_ok, __u8 rdlen)
{
	return (XGSLB_DNS_TYPE_OPT << 8) + (payload_size >> 8) + ((payload_size & 0xff) << 8) +
		    (dnssec_ok ? (EDNS_FLAG_DO >> 8) : 0) + ((__u32)rdlen << 8);
}

/* Our OPT record, written into the packet at `dst` (11 octets, checked by the caller) with
 * 16-bit stores instead of a byte-wise copy from a stack buffer. */
static __always_inline void store_our_opt(__u8 *dst, __u16 payload_size, __u8 dnssec_ok, __u8 rdlen)
{
	dst[0] = 0;
	*(__be16 *)(dst + 1) = bpf_htons(XGSLB_DNS_TYPE_OPT);
	*(__be16 *)(dst + 3) = bpf_htons(payload_size);
	*(__be16 *)(dst + 5) = 0; /* extended RCODE, version */
	*(__be16 *)(dst + 7) = bpf_htons(dnssec_ok ? EDNS_FLAG_DO : 0);
	*(__be16 *)(dst + 9) = bpf_htons(rdlen);
}

/* Source and destination addresses swapped in 64-bit words through registers: a struct copy
 * would take 16 octets of stack. */
static __always_inline void swap_ipv6_addresses(struct ipv6hdr *ip6)
{
	__u64 *s = (__u64 *)&ip6->saddr, *d = (__u64 *)&ip6->daddr;
	__u64 s0 = s[0], s1 = s[1];
	s[0] = d[0];
	s[1] = d[1];
	d[0] = s0;
	d[1] = s1;
}

/* Destination and source MAC addresses swapped, 16 bits at a time. */
static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u16 *w = (__u16 *)eth;
	__u16 d0 = w[0], d1 = w[1], d2 = w[2];
	w[0] = w[3];
	w[1] = w[4];
	w[2] = w[5];
	w[3] = d0;
	w[4] = d1;
	w[5] = d2;
}

/* After bpf_xdp_adjust_head(-grow), moves the first `len` octets (headers and question) from
 * where they were, `grow` octets in, to the new start. Front to back is safe: the destination
 * is always before the source. */
static __always_inline int move_prefix_to_front(struct xdp_md *ctx, __u32 grow, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 at = 0;

	for (int i = 0; i < (PREFIX_MAX / 8); i++) {
		if (at + 8 > len)
			break;
		__u8 *dst = data + bounded(at, PREFIX_MAX - 1);
		__u8 *src = data + bounded(at + grow, 0x7ff);
		if ((void *)(src + 8) > data_end || (void *)(dst + 8) > data_end)
			return -1;
		__u64 word = *(__u64 *)src;
		*(__u64 *)dst = word;
		at += 8;
	}
	for (int i = 0; i < 7; i++) {
		if (at >= len)
			break;
		__u8 *dst = data + bounded(at, PREFIX_MAX - 1);
		__u8 *src = data + bounded(at + grow, 0x7ff);
		if ((void *)(src + 1) > data_end || (void *)(dst + 1) > data_end)
			return -1;
		*dst = *src;
		at++;
	}
	return 0;
}

/* The header checksum to store, summed in 32-bit words (the header is 20 octets). */
static __always_inline __u16 ipv4_header_checksum(struct iphdr *ip)
{
	ip->check = 0;
	return bpf_htons((__u16)~csum_fold(csum_words((const __u32 *)ip, sizeof(*ip) / 4)));
}

/* Frame offset where the section goes. */
static __always_inline __u32 section_offset(const struct dns_query *q, const struct dns_answer *a)
{
	return q->dns_off + q->question_end + (a->soa_owner ? 2 : 0);
}

/* Everything but the section's octets. Returns 0 on success; pass_too_large / pass_no_room when
 * the frame was left as it was; dropped when it was already resized and could not be completed.
 * A global function, so the verifier checks it once for all the kinds of answer. */
__noinline int write_response(struct xdp_md *ctx, const struct dns_query *q, const struct dns_answer *a)
{
	if (!q || !a)
		return XGSLB_C_pass_malformed;
	if (a->section_len > XGSLB_RRSET_WIRE_MAX || q->question_end > sizeof(struct dns_header) + XGSLB_NAME_WIRE_MAX + QUESTION_FIXED_LEN)
		return XGSLB_C_pass_malformed;
	__u32 ecs_len = q->ecs_len;
	if (ecs_len > XGSLB_ECS_MAX_LEN)
		return XGSLB_C_pass_malformed;
	__u32 opt_len = q->has_opt ? XGSLB_OPT_RR_LEN + ecs_len : 0;
	__u32 owner_len = a->soa_owner ? 2 : 0;
	__u32 dns_len = q->question_end + owner_len + a->section_len + opt_len;
	if (dns_len > q->max_response)
		return XGSLB_C_pass_too_large;

	/* Grow at the tail where the driver left room; otherwise at the head, which XDP guarantees
	 * (XDP_PACKET_HEADROOM), moving headers and question forward. veth, for one, hands over
	 * socket-sent frames in buffers cut to size, with almost no tailroom. The frame may carry
	 * padding past the UDP payload: the new length is set, not added to. */
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int delta = (int)(q->dns_off + dns_len) - frame_length(data, data_end);
	if (bpf_xdp_adjust_tail(ctx, delta)) {
		if (delta <= 0 || bpf_xdp_adjust_head(ctx, -delta))
			return XGSLB_C_pass_no_room;
		if (move_prefix_to_front(ctx, delta, q->dns_off + q->question_end))
			return XGSLB_C_dropped;
	}

	/* From here the frame is resized: any failure must drop it. The inputs are read again, not
	 * kept across the helper calls: kept, they would be spilled (BPF has four callee-saved
	 * registers), and this frame's stack adds to the deepest call chain's 512 octets. The
	 * headers did not change, nor did their offsets from the (new) start. */
	ecs_len = RELOAD(q->ecs_len);
	owner_len = RELOAD(a->soa_owner) ? 2 : 0;
	__u32 section_len = RELOAD(a->section_len), question_end = RELOAD(q->question_end);
	__u32 dns_off = RELOAD(q->dns_off), l3_off = RELOAD(q->l3_off);
	if (ecs_len > XGSLB_ECS_MAX_LEN || section_len > XGSLB_RRSET_WIRE_MAX || dns_off > DNS_OFF_MASK ||
	    l3_off > 22 || question_end > sizeof(struct dns_header) + XGSLB_NAME_WIRE_MAX + QUESTION_FIXED_LEN)
		return XGSLB_C_dropped;
	opt_len = RELOAD(q->has_opt) ? XGSLB_OPT_RR_LEN + ecs_len : 0;
	dns_len = question_end + owner_len + section_len + opt_len;
	__u32 udp_off = bounded(dns_off - sizeof(struct udphdr), DNS_OFF_MASK);
	dns_off = bounded(dns_off, DNS_OFF_MASK);
	l3_off = bounded(l3_off, 0x1f);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + udp_off;
	if ((void *)(udp + 1) > data_end)
		return XGSLB_C_dropped;
	__u16 old_udp_csum = bpf_ntohs(udp->check);
	__u16 old_udp_len = bpf_ntohs(udp->len);
	__u16 udp_len = sizeof(struct udphdr) + dns_len;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XGSLB_C_dropped;
	swap_mac(eth);

	if (q->family == XGSLB_FAMILY_IPV4) {
		struct iphdr *ip = data + l3_off;
		if ((void *)(ip + 1) > data_end)
			return XGSLB_C_dropped;
		__be32 addr = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = addr;
		ip->ttl = RESPONSE_IP_TTL;
		ip->tot_len = bpf_htons(sizeof(*ip) + udp_len);
		ip->check = ipv4_header_checksum(ip);
	} else {
		struct ipv6hdr *ip6 = data + l3_off;
		if ((void *)(ip6 + 1) > data_end)
			return XGSLB_C_dropped;
		swap_ipv6_addresses(ip6);
		ip6->hop_limit = RESPONSE_IP_TTL;
		ip6->payload_len = bpf_htons(udp_len);
	}

	struct dns_header *dns = data + dns_off;
	if ((void *)(dns + 1) > data_end)
		return XGSLB_C_dropped;
	__be16 port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	udp->len = bpf_htons(udp_len);

	__u16 flags = DNS_FLAG_QR | (a->truncated ? DNS_FLAG_TC : DNS_FLAG_AA) | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) | a->rcode;
	__u16 arcount = q->has_opt;
	dns->flags = bpf_htons(flags);
	dns->ancount = bpf_htons(a->ancount);
	dns->nscount = bpf_htons(a->nscount);
	dns->arcount = bpf_htons(arcount);

	/* Offsets relative to the UDP header decide which octet of a checksum word a byte is. */
	__u32 section_at = sizeof(struct udphdr) + question_end;
	__u32 opt_at = section_at + owner_len + section_len;

	if (old_udp_csum || q->family == XGSLB_FAMILY_IPV6) {
		/* RFC 1624: new = ~(~old + sum(new words) - sum(old words)). Addresses and ports
		 * only swap places, which leaves the sum as it was. */
		__u64 sum = (__u16)~old_udp_csum;
		sum = csum_sub(sum, old_udp_len); /* pseudo-header length */
		sum = csum_sub(sum, old_udp_len); /* UDP header length */
		sum = csum_sub(sum, q->flags);
		sum = csum_sub(sum, q->arcount);
		if (q->has_opt)
			sum = csum_sub_wide(sum, csum_at_offset(csum_words((const __u32 *)q->old_opt, 3), section_at));
		if (ecs_len)
			sum = csum_sub_wide(sum, csum_at_offset(csum_words((const __u32 *)q->ecs, XGSLB_ECS_MAX_LEN / 4),
							   section_at + XGSLB_OPT_RR_LEN));
		sum += udp_len;
		sum += udp_len;
		sum += flags;
		sum += a->ancount + a->nscount + arcount;
		sum += csum_at_offset(a->section_csum, section_at);
		if (q->has_opt)
			sum += csum_at_offset(csum_our_opt(a->udp_payload_size, q->dnssec_ok, ecs_len), opt_at);
		/* Our ECS option is the client's (whose scope read_ecs checked is 0) with our scope in
		 * its octet 7, the low octet of its fourth word. */
		if (ecs_len)
			sum += csum_at_offset(csum_words((const __u32 *)q->ecs, XGSLB_ECS_MAX_LEN / 4) + a->ecs_scope,
					      opt_at + XGSLB_OPT_RR_LEN);
		__u16 csum = ~csum_fold(sum);
		udp->check = bpf_htons(csum ? csum : 0xffff);
	}

	/* Owner pointer and OPT written directly: a helper call per small store costs more than
	 * the stores. */
	if (owner_len) {
		__u8 *owner = data + bounded(dns_off + question_end, 0x3ff);
		if ((void *)(owner + 2) > data_end)
			return XGSLB_C_dropped;
		owner[0] = a->soa_owner >> 8;
		owner[1] = a->soa_owner & 0xff;
	}
	if (q->has_opt) {
		__u8 *dst = data + bounded(dns_off + opt_at - sizeof(struct udphdr), 0x7ff);
		if ((void *)(dst + XGSLB_OPT_RR_LEN) > data_end)
			return XGSLB_C_dropped;
		store_our_opt(dst, a->udp_payload_size, q->dnssec_ok, ecs_len);
		if (ecs_len) {
			/* Straight from the query's copy, then our scope: no second copy on the stack. */
			__u32 ecs_at = bounded(dns_off + opt_at - sizeof(struct udphdr) + XGSLB_OPT_RR_LEN, 0x7ff);
			if (bpf_xdp_store_bytes(ctx, ecs_at, (void *)q->ecs, ecs_len))
				return XGSLB_C_dropped;
			__u8 *scope = data + bounded(ecs_at + 7, 0x7ff);
			if ((void *)(scope + 1) > data_end)
				return XGSLB_C_dropped;
			*scope = a->ecs_scope;
		}
	}
	return 0;
}

/* Copies `len` octets (already checked against the map value's size) to the section. One helper
 * call: for sections past a few words it beats a verifier-friendly copy loop (measured). */
#define store_section(ctx, q, a, src, len)                                                          \
	(bpf_xdp_store_bytes((ctx), bounded(section_offset((q), (a)), 0x7ff), (void *)(src), (len)) ? \
		 XGSLB_C_dropped : 0)
