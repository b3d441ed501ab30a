/* SPDX-License-Identifier: Apache-2.0 */
/* The common answer, written inline in one straight pass: an A or AAAA set's records for a query
 * without EDNS options, in a frame that can grow at the tail. write_response (dns_response.h)
 * handles every answer, but as a global function it reloads each input through pointers, and its
 * generality (owner pointer, slip, ECS, growth at the head) is paid per query; this path is
 * about half its instructions. Anything it does not cover is left to write_response with the
 * frame untouched.
 *
 * Why the shape: the response is the query with the section inserted before the OPT, and our OPT
 * is as long as the client's when neither has options, so the frame grows by exactly the
 * section, every length field grows by the same amount, and the UDP checksum update needs no
 * load of the old lengths. IPv4 adds IHL 5 and IPv6 no extension headers (packet_headers.h), so
 * one bounds check covers IP, UDP and DNS headers at constant offsets from the IP header. */
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
#include "bpf/dns_response.h"
#include "bpf/profile_stage.h"
#include "bpf/strategy_select.h"

/* bpf_xdp_adjust_tail refused: the frame is as it was; write_response grows it at the head. */
#define RECORDS_TAIL_REFUSED (-1)

/* `len` octets from `src` (a constant after inlining, a multiple of 4) to `dst`, checked by the
 * caller: 8-octet words and a last 4-octet one. */
static __always_inline void copy_words(__u8 *dst, const __u8 *src, const __u32 len)
{
#pragma unroll
	for (__u32 i = 0; i < len / 8; i++)
		((__u64 *)dst)[i] = ((const __u64 *)src)[i];
	if (len % 8)
		*(__u32 *)(dst + len - 4) = *(const __u32 *)(src + len - 4);
}

/* Our OPT (owner root, TYPE 41, CLASS = payload size, TTL 0 but the DO flag, RDLENGTH 0) as two
 * overlapping stores: octets 0-7 in `lo`, octets 7-10 in `hi` (octet 7 in both, the same). */
struct opt_words {
	__u64 lo;
	__u32 hi;
};

/* Section, then our OPT when the query had one, at `sec`; `len` a constant, so a bounds check of
 * the verifier's own kind covers the copy. Nonzero when the frame is shorter than that. */
static __always_inline int put_records(__u8 *sec, void *data_end, const __u8 *src, const __u32 len, __u8 has_opt,
				       struct opt_words opt)
{
	if ((void *)(sec + len) > data_end)
		return -1;
	copy_words(sec, src, len);
	if (!has_opt)
		return 0;
	__u8 *o = sec + len;
	if ((void *)(o + XGSLB_OPT_RR_LEN) > data_end)
		return -1;
	*(__u64 *)o = opt.lo;
	*(__u32 *)(o + 7) = opt.hi;
	return 0;
}

/* Addresses (or ports) side by side in one word swap places by a rotation. */
static __always_inline __u64 swap_halves64(__u64 w)
{
	return (w >> 32) | (w << 32);
}

static __always_inline __u32 swap_halves32(__u32 w)
{
	return (w >> 16) | (w << 16);
}

/* Inputs read again after bpf_xdp_adjust_tail, not kept across it: BPF has four callee-saved
 * registers, so kept values are spilled, and the spill slots push the program's stack past the
 * 512 octets that its deepest call chain may use. A reload from `q` is one load. */
#define RELOAD(field) (*(volatile typeof(field) *)&(field))

/* Writes the whole response: the selected records of `rrset` (sel: `len` octets from `off` into
 * its wire, `count` records summing to `csum` at an even offset). Returns 0 when the frame is
 * the response; RECORDS_TAIL_REFUSED or pass_too_large with the frame untouched; dropped when it
 * was resized but could not be completed. The caller has checked: no ECS option,
 * 0 < sel->len <= the wire max. */
static __always_inline int write_records_response(struct xdp_md *ctx, const struct dns_query *q,
						  const struct xgslb_settings *settings,
						  const struct xgslb_rrset *rrset, const struct selected_records *sel)
{
	__u32 dns_len = q->question_end + sel->len + (q->has_opt ? XGSLB_OPT_RR_LEN : 0);
	if (dns_len > q->max_response)
		return XGSLB_C_pass_too_large;
	/* The frame may carry padding past the UDP payload: the new length is set, not added to. */
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int delta = (int)(q->dns_off + dns_len) - (int)(data_end - data);
	if (bpf_xdp_adjust_tail(ctx, delta))
		return RECORDS_TAIL_REFUSED;

	__u8 has_opt = RELOAD(q->has_opt), ipv4 = RELOAD(q->family) == XGSLB_FAMILY_IPV4;
	__u32 question_end = RELOAD(q->question_end), len = RELOAD(sel->len);
	__u32 l3_off = RELOAD(q->l3_off), dns_off = RELOAD(q->dns_off);
	__u32 off = bounded(RELOAD(sel->off), 0x3ff); /* checked after the barrier: the register the copy uses */
	dns_len = question_end + len + (has_opt ? XGSLB_OPT_RR_LEN : 0);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/* What parsing guarantees, restated: the headers sit at constant offsets from the IP one. */
	if (dns_off != l3_off + (ipv4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) + sizeof(struct udphdr) ||
	    l3_off > 22 || off > XGSLB_RRSET_WIRE_MAX)
		return XGSLB_C_dropped;
	/* Resized: any failure from here must drop. */
	if (data + sizeof(struct ethhdr) > data_end)
		return XGSLB_C_dropped;
	/* MAC addresses swapped as 4 + 2 octets each. */
	__u32 d_hi = *(__u32 *)data, s_hi = *(__u32 *)(data + 6);
	__u16 d_lo = *(__u16 *)(data + 4), s_lo = *(__u16 *)(data + 10);
	*(__u32 *)data = s_hi;
	*(__u16 *)(data + 4) = s_lo;
	*(__u32 *)(data + 6) = d_hi;
	*(__u16 *)(data + 10) = d_lo;

	__u32 udp_len = sizeof(struct udphdr) + dns_len;
	void *l3 = data + bounded(l3_off, 0x1f);
	struct udphdr *udp;
	if (ipv4) {
		struct iphdr *ip = l3;
		if ((void *)ip + sizeof(*ip) + sizeof(struct udphdr) + sizeof(struct dns_header) > data_end)
			return XGSLB_C_dropped;
		/* RFC 1624: the header sum changes by the length's growth and the TTL's change (the
		 * addresses only swap places), so no word of it is summed again. */
		__u32 sum = (__u16)~bpf_ntohs(ip->check);
		sum += len + 0xffff + (RESPONSE_IP_TTL << 8) - ((__u32)ip->ttl << 8);
		ip->ttl = RESPONSE_IP_TTL;
		ip->tot_len = bpf_htons(sizeof(*ip) + udp_len);
		ip->check = bpf_htons((__u16)~csum_fold32(sum));
		*(__u64 *)&ip->saddr = swap_halves64(*(__u64 *)&ip->saddr);
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = l3;
		if ((void *)ip6 + sizeof(*ip6) + sizeof(struct udphdr) + sizeof(struct dns_header) > data_end)
			return XGSLB_C_dropped;
		__u64 *s = (__u64 *)&ip6->saddr, *d = (__u64 *)&ip6->daddr;
		__u64 s0 = s[0], s1 = s[1];
		s[0] = d[0];
		s[1] = d[1];
		d[0] = s0;
		d[1] = s1;
		ip6->hop_limit = RESPONSE_IP_TTL;
		ip6->payload_len = bpf_htons(udp_len);
		udp = (void *)(ip6 + 1);
	}
	struct dns_header *dns = (void *)(udp + 1);
	*(__u32 *)udp = swap_halves32(*(__u32 *)udp);
	udp->len = bpf_htons(udp_len);
	__u16 flags = DNS_FLAG_QR | DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	dns->flags = bpf_htons(flags);
	__u16 count = RELOAD(sel->count);
	dns->ancount = bpf_htons(count);
	/* NSCOUNT stays 0 and ARCOUNT stays the query's (its OPT, answered by ours). */

	/* Our OPT from the client's, read before the records overwrite it (it starts where the
	 * section will): the DO flag is echoed, the other fields are ours. In the UDP sum, the two
	 * OPTs differ only in CLASS, the extended RCODE and the flags: read as little-endian
	 * words, the client's CLASS and flags are byte-swapped, which is how they sum at those
	 * (odd) offsets. */
	__u8 *sec = data + bounded(dns_off + question_end, 0x3ff);
	struct opt_words opt = {};
	__u32 opt_change = 0;
	if (has_opt) {
		if ((void *)(sec + XGSLB_OPT_RR_LEN) > data_end)
			return XGSLB_C_dropped;
		__u32 client_class = *(__u16 *)(sec + 3), ext_rcode = sec[5], client_flags = *(__u16 *)(sec + 7);
		__u32 ours = bpf_htons(settings->udp_payload_size), dnssec_ok = client_flags & (EDNS_FLAG_DO >> 8);
		opt.lo = ((__u64)XGSLB_DNS_TYPE_OPT << 16) | ((__u64)ours << 24) | ((__u64)dnssec_ok << 56);
		opt.hi = dnssec_ok;
		/* 3 x 0xffff keeps it positive, and is 0 modulo 0xffff. */
		opt_change = 3 * 0xffff + ours + dnssec_ok - client_class - ext_rcode - client_flags;
	}
	__u16 old_csum = bpf_ntohs(udp->check);
	if (old_csum || !ipv4) {
		/* RFC 1624 from the query's sum: both length words grow by len, the flags and ANCOUNT
		 * change, and at the section's offset the records come in and the OPT changes (the
		 * records being an even number of octets, both OPTs start at the same parity). Every
		 * term is below 2^20, so the sum stays below 2^32. */
		__u32 sum = (__u16)~old_csum;
		sum += 2 * len + flags + (__u16)~q->flags + count;
		sum += csum_at_offset(RELOAD(sel->csum) + opt_change, question_end);
		__u16 c = ~csum_fold32(sum);
		udp->check = bpf_htons(c ? c : 0xffff);
	}
	PROFILE_STAGE(7);

	/* The records: up to four A or AAAA, the common answers, with plain stores after one bounds
	 * check of a constant length; longer sets through the helper. */
	const __u8 *src = rrset->wire + off;
	int bad;
	switch (len) {
	case 1 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 1 * XGSLB_RR_A_LEN, has_opt, opt); break;
	case 2 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 2 * XGSLB_RR_A_LEN, has_opt, opt); break;
	case 3 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 3 * XGSLB_RR_A_LEN, has_opt, opt); break;
	case 4 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 4 * XGSLB_RR_A_LEN, has_opt, opt); break;
	case 1 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 1 * XGSLB_RR_AAAA_LEN, has_opt, opt); break;
	case 2 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 2 * XGSLB_RR_AAAA_LEN, has_opt, opt); break;
	case 3 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 3 * XGSLB_RR_AAAA_LEN, has_opt, opt); break;
	case 4 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 4 * XGSLB_RR_AAAA_LEN, has_opt, opt); break;
	default: {
		__u32 n = bounded(len, 0x3ff);
		if (n == 0 || n > XGSLB_RRSET_WIRE_MAX ||
		    bpf_xdp_store_bytes(ctx, bounded(dns_off + question_end, 0x3ff), (void *)src, n))
			return XGSLB_C_dropped;
		bad = 0;
		if (has_opt) {
			__u8 *o = data + bounded(dns_off + question_end + n, 0x7ff);
			if ((void *)(o + XGSLB_OPT_RR_LEN) > data_end)
				return XGSLB_C_dropped;
			*(__u64 *)o = opt.lo;
			*(__u32 *)(o + 7) = opt.hi;
		}
	}
	}
	return bad ? XGSLB_C_dropped : 0;
}
