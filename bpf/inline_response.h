/* SPDX-License-Identifier: Apache-2.0 */
/* The common responses written inline in one straight pass (records_response.h for A/AAAA
 * sets, negative_response.h for NODATA/NXDOMAIN). write_response (dns_response.h) handles every
 * answer, but its generality (slip, ECS copy, growth at either end, every header field
 * recomputed) is paid per query; this path is about half its instructions. Anything it does not
 * cover is left to write_response with the frame untouched.
 *
 * Why the shape: the response is the query with octets inserted (owner pointer and section)
 * between the question and the OPT, and our OPT is as long as the client's, so the frame grows
 * by exactly the inserted octets, every length field grows by the same amount, and the checksum
 * updates need no load of the old lengths. The frame grows at the head and headers and question
 * move back (grow_at_question_end), so the client's OPT and ECS option stay where they are.
 * Every header value that changes is computed before the frame grows (plan_headers) and stored
 * after (apply_headers). IPv4 has IHL 5 and IPv6 no extension headers (packet_headers.h), so
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

/* The frame could not be grown here (no tailroom either): it is as it was, and write_response,
 * which can also grow it at the head for any size, takes over. */
#define INLINE_GROW_REFUSED (-1)

/* Head growth is used up to these sizes: drivers leave XDP_PACKET_HEADROOM (256) octets, less
 * the xdp_frame and any metadata, so more may be refused (and a refused call is a wasted helper
 * call); and the move grows with the prefix (headers and question) while the memset it saves
 * does not (measured: a 255-octet name's 341-octet prefix moves slower than adjust_tail
 * clears). */
#define HEAD_GROW_MAX 128
#define HEAD_GAP_MOVE_MAX 160

/* Every query's headers and question are at least this long: Ethernet, IPv4, UDP, DNS header,
 * the root name, QTYPE and QCLASS (59 octets), rounded down to words. */
#define HEAD_GAP_PREFIX_MIN 56

/* The DNS header's offset in the two common layouts: Ethernet without VLAN tags, then IPv4
 * without options (42) or IPv6 without extension headers (62); parsing allows no other layout
 * with these offsets. A writer given one of them as a constant (`fixed_dns_off`) finds every
 * header at a constant offset from the frame's start: one bounds check of a constant length
 * covers them all and no offset is loaded, masked and re-proven after the growth helper (that
 * re-proving is most of what the general writer executes). ANY_DNS_OFF: the layout from `q`. */
#define FIXED_DNS_OFF_IPV4 (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))
#define FIXED_DNS_OFF_IPV6 (ETH_HLEN + sizeof(struct ipv6hdr) + sizeof(struct udphdr))
#define ANY_DNS_OFF 0

static __always_inline __u32 dns_offset(const struct dns_query *q, const __u32 fixed_dns_off)
{
	return fixed_dns_off ? fixed_dns_off : RELOAD(q->dns_off);
}

static __always_inline int is_ipv4(const struct dns_query *q, const __u32 fixed_dns_off)
{
	return fixed_dns_off ? fixed_dns_off == FIXED_DNS_OFF_IPV4 : RELOAD(q->family) == XGSLB_FAMILY_IPV4;
}

/* A packet offset the verifier must see bounded: a compile-time constant is bounded already (and
 * folds into the address), anything else is masked after a barrier (bounded()). */
static __always_inline __u32 frame_offset(__u32 value, __u32 mask)
{
	if (__builtin_constant_p(value))
		return value;
	return bounded(value, mask);
}

/* The frame offset of the question's end: where the inserted octets go. */
static __always_inline __u32 question_end_offset(const struct dns_query *q, const __u32 fixed_dns_off)
{
	if (fixed_dns_off)
		return fixed_dns_off + bounded(RELOAD(q->question_end), 0x1ff);
	return bounded(RELOAD(q->dns_off) + RELOAD(q->question_end), 0x3ff);
}

/* Copies the 8-octet words [at, at + 8 * words) from `gap` octets on to where they belong, after
 * one bounds check for the source and one for the destination (verifier: two pointers). */
#define MOVE_WORDS(data, data_end, src, at, words)                                                 \
	do {                                                                                       \
		if ((void *)((src) + (at) + 8 * (words)) > (data_end) ||                           \
		    (void *)((data) + (at) + 8 * (words)) > (data_end))                            \
			return -1;                                                                 \
		_Pragma("unroll") for (__u32 w = 0; w < (words); w++)                              \
			*(__u64 *)((data) + (at) + 8 * w) = *(__u64 *)((src) + (at) + 8 * w);       \
	} while (0)

/* After bpf_xdp_adjust_head(-gap): moves the first `len` octets (headers and question) back from
 * `gap` octets in to the frame's start, leaving the gap between the question and the OPT. Front
 * to back (the destination is before the source): the words every query has, then blocks of
 * four, then single words, then one word ending at `len`, which overlaps words already moved but
 * reads no octet they overwrote as long as gap >= 8. Two bounds checks per block, not per word:
 * per word they cost as much as the memset this saves. Nonzero when the frame is shorter than
 * that (a broken invariant: nothing sensible can be sent). */
static __always_inline int close_head_gap(struct xdp_md *ctx, __u32 gap, __u32 len)
{
	__u8 *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	gap = bounded(gap, 0x3ff);
	len = bounded(len, 0x1ff);
	if (gap < 8 || len < HEAD_GAP_PREFIX_MIN || len > HEAD_GAP_MOVE_MAX)
		return -1;
	__u8 *src = data + gap;
	MOVE_WORDS(data, data_end, src, 0, HEAD_GAP_PREFIX_MIN / 8);
	__u32 at = HEAD_GAP_PREFIX_MIN;
#pragma unroll
	for (__u32 i = 0; i < (HEAD_GAP_MOVE_MAX - HEAD_GAP_PREFIX_MIN) / 32; i++) {
		if (HEAD_GAP_PREFIX_MIN + 32 * i + 32 > len)
			break;
		MOVE_WORDS(data, data_end, src, HEAD_GAP_PREFIX_MIN + 32 * i, 4);
		at = HEAD_GAP_PREFIX_MIN + 32 * (i + 1);
	}
	/* Fewer than 32 octets left: up to three words, then the last (overlapping) one. */
#pragma unroll
	for (__u32 i = 0; i < 3; i++) {
		if (at + 8 > len)
			break;
		__u32 off = bounded(at, 0x1ff);
		MOVE_WORDS(data, data_end, src, off, 1);
		at += 8;
	}
	if (at < len) {
		__u32 last = bounded(len - 8, 0x1ff);
		MOVE_WORDS(data, data_end, src, last, 1);
	}
	return 0;
}

/* How grow_at_question_end made room: the client's OPT (and ECS option) stayed in the frame, or
 * the frame grew at the tail and the client's OPT is where the inserted octets go. */
#define GREW_AT_HEAD 0
#define GREW_AT_TAIL 1

/* Makes room for `grow` octets of DNS message at the question's end. Usually at the head: the
 * frame grows there and headers and question move back to its start, so the client's OPT and
 * ECS option stay in the frame and end up `grow` octets further on, right after the inserted
 * octets, where the response has them (GREW_AT_HEAD). bpf_xdp_adjust_tail clears the octets it
 * adds (a memset per query, ~10 ns measured), bpf_xdp_adjust_head does not, and the move is a
 * few independent loads and stores. At the tail (GREW_AT_TAIL) for large answers, long
 * prefixes and frames with padding after the query (the new length is set, not added to, so the
 * padding goes). `at_tail` (a constant) says which: the writers are inlined for the head and
 * called out of line for the tail (records_response.h). Returns GREW_AT_HEAD or GREW_AT_TAIL;
 * INLINE_GROW_REFUSED or pass_too_large with the frame untouched; dropped when it was grown but
 * could not be completed. */
static __always_inline int grow_at_question_end(struct xdp_md *ctx, const struct dns_query *q, __u32 grow,
						const int at_tail)
{
	__u32 dns_len = q->question_end + (q->has_opt ? XGSLB_OPT_RR_LEN + q->ecs_len : 0);
	if (dns_len + grow > q->max_response)
		return XGSLB_C_pass_too_large;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int delta = (int)(q->dns_off + dns_len + grow) - frame_length(data, data_end);
	if (at_tail)
		return bpf_xdp_adjust_tail(ctx, delta) ? INLINE_GROW_REFUSED : GREW_AT_TAIL;
	if (bpf_xdp_adjust_head(ctx, -(int)grow))
		return INLINE_GROW_REFUSED;
	if (close_head_gap(ctx, grow, RELOAD(q->dns_off) + RELOAD(q->question_end)))
		return XGSLB_C_dropped;
	return GREW_AT_HEAD;
}

/* Whether grow_at_question_end may grow the frame at the head: no padding after the query, an
 * answer and a prefix within the limits above. Asked before anything is computed, so that what
 * the head refuses goes to the tail writer without doing the work twice. */
static __always_inline int head_growth_fits(struct xdp_md *ctx, const struct dns_query *q, __u32 grow)
{
	__u32 dns_len = q->question_end + (q->has_opt ? XGSLB_OPT_RR_LEN + q->ecs_len : 0);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	return data + q->dns_off + dns_len == data_end && grow <= HEAD_GROW_MAX &&
	       q->dns_off + q->question_end <= HEAD_GAP_MOVE_MAX;
}

/* Our OPT (owner root, TYPE 41, CLASS = our payload size, TTL 0 but the DO flag, RDLENGTH the
 * ECS option's or 0) as two overlapping stores: octets 0-7, then 7-10 (octet 7 in both, the
 * same). `dnssec_ok` is the flag's octet, 0x80 or 0. */
static __always_inline void put_opt(__u8 *dst, const struct xgslb_settings *settings, __u32 dnssec_ok, __u32 ecs_len)
{
	__u64 ours = bpf_htons(settings->udp_payload_size);
	*(__u64 *)dst = ((__u64)XGSLB_DNS_TYPE_OPT << 16) | (ours << 24) | ((__u64)dnssec_ok << 56);
	*(__u32 *)(dst + 7) = dnssec_ok | ((__u32)bpf_htons(ecs_len) << 16);
}

/* Where the caller writes after the headers: the inserted octets at the question's end
 * (data + dns_off + question_end), then our OPT when the query had one. */
static __always_inline __u8 *section_start(struct xdp_md *ctx, const struct dns_query *q, const __u32 fixed_dns_off)
{
	return (void *)(long)ctx->data + question_end_offset(q, fixed_dns_off);
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

/* Every header value that changes and is not known without the query frame: the two checksums
 * as they will be stored, the UDP length, the client's DO flag octet (0x80 or 0), in one 64-bit
 * value. plan_headers computes it from the frame before it grows; apply_headers stores it after.
 * Why: the helper that grows the frame clobbers the argument registers and makes the verifier
 * forget every packet bound; computed before it, the sums use registers free at that point, and
 * one value crosses the call instead of the dozen the computation needs. */
#define PLAN_IP_CSUM(plan) ((__u16)(plan))         /* IPv4 header checksum, in stored byte order */
#define PLAN_UDP_CSUM(plan) ((__u16)((plan) >> 16)) /* in stored byte order */
#define PLAN_UDP_LEN(plan) ((__u16)((plan) >> 32))  /* host order */
#define PLAN_DNSSEC_OK(plan) ((__u32)((plan) >> 48))

/* The plan of a response that is the query with `grow` octets summing to `inserted_sum` (at an
 * even offset) inserted at the question's end (section_start()), then our OPT, then the query's
 * ECS option (if any) with `ecs_scope`; `flags`, `ancount` and `nscount` are the response's.
 * With an ECS option `grow` must be even (the option then sums as it did but for the scope).
 * Returns 0, or pass_malformed when the frame is not what parsing said (nothing is written).
 *
 * Sums are 64-bit values known to stay below 2^32: a 32-bit value's shift needs its upper half
 * cleared first, and in BPF that mask is a 64-bit immediate. */
static __always_inline int plan_headers(struct xdp_md *ctx, const struct dns_query *q,
					const struct xgslb_settings *settings, __u32 grow, __u16 flags, __u16 ancount,
					__u16 nscount, __u32 inserted_sum, __u8 ecs_scope, __u64 *plan,
					const __u32 fixed_dns_off)
{
	__u64 question_end = q->question_end, ecs_len = q->ecs_len, has_opt = q->has_opt;
	__u64 section_at = sizeof(struct udphdr) + question_end;
	__u64 udp_len = section_at + grow + (has_opt ? XGSLB_OPT_RR_LEN + ecs_len : 0);
	/* RFC 1624 from the query's UDP sum: both length words grow by `grow`, the flags and
	 * counts change (from QR=0 and zero counts: the query had no answers), the inserted octets
	 * come in at the section's offset, our scope goes into octet 7 of the ECS option (the low
	 * octet of its fourth word; the client's was 0: read_ecs), and the OPT moves `grow` octets
	 * on and changes (below). 4 x 0xffff (0 modulo 0xffff) keeps subtractions positive; every
	 * term is below 2^27, so the sum stays below 2^32. */
	__u64 change = 2 * (__u64)grow + flags + (__u16)~q->flags + ancount + nscount;
	change += csum_at_offset(inserted_sum + 4 * 0xffff, section_at);
	if (ecs_len) { /* a Geo set's scope is set whether or not the query has an ECS option */
		if (grow & 1)
			return XGSLB_C_pass_malformed;
		change += csum_at_offset(ecs_scope, section_at + grow + XGSLB_OPT_RR_LEN);
	}

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 dns_off = fixed_dns_off ? fixed_dns_off : q->dns_off;
	/* The client's OPT: its DO flag is echoed, the other fields are ours (put_opt). The two
	 * differ in CLASS, the extended RCODE and the flags; read as little-endian words, the
	 * client's CLASS and flags are byte-swapped, which is how they sum at those (odd) offsets
	 * of the record. The words both share sum to TYPE's octet, 41 << 8: it stays in both sums,
	 * as the OPT may move by an odd number of octets. */
	__u64 dnssec_ok = 0;
	if (has_opt) {
		__u8 *old = data + question_end_offset(q, fixed_dns_off);
		if ((void *)(old + XGSLB_OPT_RR_LEN) > data_end)
			return XGSLB_C_pass_malformed;
		__u64 client_flags = *(__u16 *)(old + 7);
		dnssec_ok = client_flags & (EDNS_FLAG_DO >> 8);
		__u64 old_opt_sum = (XGSLB_DNS_TYPE_OPT << 8) + *(__u16 *)(old + 3) + old[5] + client_flags;
		__u64 new_opt_sum = (XGSLB_DNS_TYPE_OPT << 8) + bpf_htons(settings->udp_payload_size) + dnssec_ok;
		change += csum_at_offset(4 * 0xffff - old_opt_sum, section_at);
		change += csum_at_offset(new_opt_sum, section_at + grow);
	}

	/* The headers from the DNS header's offset back: parsing guarantees IPv4 without options
	 * and IPv6 without extension headers (packet_headers.h), so each sits at a constant offset
	 * from it, and apply_headers finds them the same way. */
	__u64 ip_csum = 0;
	struct udphdr *udp;
	int ipv4 = fixed_dns_off ? fixed_dns_off == FIXED_DNS_OFF_IPV4 : q->family == XGSLB_FAMILY_IPV4;
	if (ipv4) {
		struct iphdr *ip = data + frame_offset(dns_off - sizeof(struct udphdr) - sizeof(struct iphdr), 0x1f);
		if ((void *)ip + sizeof(*ip) + sizeof(struct udphdr) > data_end)
			return XGSLB_C_pass_malformed;
		/* RFC 1624 on the header sum as stored (little-endian loads: every word byte-swapped,
		 * which ones'-complement sums do not mind, and a swap is a multiplication by 256
		 * modulo 0xffff): the length grows by `grow`, the TTL (the low octet of its swapped
		 * word) becomes ours; the addresses only swap places. Below 2^19: two fold steps. */
		__u64 sum = (__u16)~*(__u16 *)&ip->check;
		sum += ((__u64)grow << 8) + 0xffff + RESPONSE_IP_TTL - ip->ttl;
		ip_csum = (__u16)~csum_fold32(sum);
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = data + frame_offset(dns_off - sizeof(struct udphdr) - sizeof(struct ipv6hdr), 0x1f);
		if ((void *)ip6 + sizeof(*ip6) + sizeof(struct udphdr) > data_end)
			return XGSLB_C_pass_malformed;
		udp = (void *)(ip6 + 1);
	}
	/* IPv4's "no checksum" (0) stays. */
	__u64 udp_csum = 0;
	__u16 old_csum = bpf_ntohs(udp->check);
	if (old_csum || !ipv4) {
		__u16 c = ~csum_fold32((__u16)~old_csum + change);
		udp_csum = bpf_htons(c ? c : 0xffff);
	}
	*plan = ip_csum | udp_csum << 16 | udp_len << 32 | dnssec_ok << 48;
	return 0;
}

/* After grow_at_question_end: every header of the response from the plan (plan_headers) and the
 * response's `flags`, `ancount` and `nscount`. Returns 0, or dropped (the frame is resized:
 * nothing else is possible). */
static __always_inline int apply_headers(struct xdp_md *ctx, const struct dns_query *q, __u64 plan, __u16 flags,
					 __u16 ancount, __u16 nscount, const __u32 fixed_dns_off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) > data_end)
		return XGSLB_C_dropped;
	/* MAC addresses swapped as 4 + 2 octets each. */
	__u32 d_hi = *(__u32 *)data, s_hi = *(__u32 *)(data + 6);
	__u16 d_lo = *(__u16 *)(data + 4), s_lo = *(__u16 *)(data + 10);
	*(__u32 *)data = s_hi;
	*(__u16 *)(data + 4) = s_lo;
	*(__u32 *)(data + 6) = d_hi;
	*(__u16 *)(data + 10) = d_lo;

	__u64 dns_off = dns_offset(q, fixed_dns_off);
	__u32 udp_len = PLAN_UDP_LEN(plan);
	struct udphdr *udp;
	if (is_ipv4(q, fixed_dns_off)) {
		struct iphdr *ip = data + frame_offset(dns_off - sizeof(struct udphdr) - sizeof(struct iphdr), 0x1f);
		if ((void *)ip + sizeof(*ip) + sizeof(struct udphdr) + sizeof(struct dns_header) > data_end)
			return XGSLB_C_dropped;
		ip->ttl = RESPONSE_IP_TTL;
		ip->tot_len = bpf_htons(sizeof(*ip) + udp_len);
		*(__u16 *)&ip->check = PLAN_IP_CSUM(plan);
		*(__u64 *)&ip->saddr = swap_halves64(*(__u64 *)&ip->saddr);
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = data + frame_offset(dns_off - sizeof(struct udphdr) - sizeof(struct ipv6hdr), 0x1f);
		if ((void *)ip6 + sizeof(*ip6) + sizeof(struct udphdr) + sizeof(struct dns_header) > data_end)
			return XGSLB_C_dropped;
		swap_ipv6_addresses(ip6);
		ip6->hop_limit = RESPONSE_IP_TTL;
		ip6->payload_len = bpf_htons(udp_len);
		udp = (void *)(ip6 + 1);
	}
	struct dns_header *dns = (void *)(udp + 1);
	*(__u32 *)udp = swap_halves32(*(__u32 *)udp);
	udp->len = bpf_htons(udp_len);
	*(__u16 *)&udp->check = PLAN_UDP_CSUM(plan);
	dns->flags = bpf_htons(flags);
	/* ARCOUNT stays the query's: its OPT, answered by ours. */
	dns->ancount = bpf_htons(ancount);
	dns->nscount = bpf_htons(nscount);
	return 0;
}
