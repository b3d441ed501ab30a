/* SPDX-License-Identifier: Apache-2.0 */
/* The DNS query: header checks, the question name (walked, validated, hashed) and the one
 * optional EDNS0 OPT record. Only a standard query we can answer byte-exactly gets through;
 * everything else is passed to the slow path, which answers it (FORMERR, REFUSED, ...). */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/packet_headers.h"
#include "maps/name_hash.h"

/* The compiler must not forward a value just stored to the scratch map: the point of the
 * round trip is that the verifier sees a fresh load. */
#define READ_SCRATCH(field) (*(volatile typeof(field) *)&(field))

/* A value used as a packet offset, masked to its proven bound in a way the compiler may not
 * drop: the verifier only gives a packet pointer a range when the offset's bound is tight. */
static __always_inline __u32 bounded(__u32 value, __u32 mask)
{
	asm volatile("" : "+r"(value));
	return value & mask;
}

/* The frame's length, as a 64-bit difference of the two packet pointers: compiled for 32-bit
 * ALU (-mcpu=v3), the subtraction of truncated pointers would be 32-bit pointer arithmetic, which
 * the verifier refuses. */
static __always_inline int frame_length(void *data, void *data_end)
{
	long length = (long)data_end - (long)data;
	asm volatile("" : "+r"(length));
	return (int)length;
}

#define DNS_OFF_MASK 0x1ff /* the DNS header starts within 14+8+40+8 octets */

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE_MASK 0x7800
#define DNS_RCODE_NXDOMAIN 3
#define EDNS_FLAG_DO 0x8000
#define QUESTION_FIXED_LEN 4 /* QTYPE, QCLASS */
#define WORDS_PER_NAME ((XGSLB_NAME_WIRE_MAX + 7) / 8)
/* The OPT record's first 64 bits as one little-endian load: owner (octet 0) the root, TYPE
 * (octets 1-2) OPT, version (octet 6) 0; the payload size (3-4), extended rcode (5) and the DO
 * octet (7) are free. */
#define OPT_HEAD_MASK 0x00ff000000ffffffULL
#define OPT_HEAD_WANT ((__u64)XGSLB_DNS_TYPE_OPT << 16)

struct dns_header {
	__be16 id;
	__be16 flags;
	__be16 qdcount;
	__be16 ancount;
	__be16 nscount;
	__be16 arcount;
};

/* Everything the answer needs to know about the query. */
struct dns_query {
	__u32 dns_off;       /* frame offset of the DNS header */
	__u32 name_len;      /* wire octets of QNAME */
	__u32 question_end;  /* DNS-relative offset just past QTYPE/QCLASS */
	__u16 flags;         /* host order */
	__u16 qtype;
	__u16 arcount;
	__u16 max_response;  /* largest DNS message the client accepts */
	__u8  has_opt;
	__u8  dnssec_ok;
	__u8  family;
	__u8  l3_off;
	__u8  old_opt[12] __attribute__((aligned(4))); /* the query's OPT as it was (+ a zero), summed in words */
	__u8  ecs_len;       /* octets of the query's ECS option (code and length included), 0: none */
	__u8  pad;
	__u16 dns_len;       /* the express lane's (bpf/express_lane.h): UDP payload octets */
	__u8  ecs[XGSLB_ECS_MAX_LEN] __attribute__((aligned(4))); /* the ECS option as sent, zero-padded; echoed with our scope */
	struct xgslb_name_hash hash;
	struct query_source source; /* filled by parse_headers */
};

/* The OPT's options, when they are exactly one well-formed EDNS Client Subnet option (RFC 7871
 * 6): known family, source length within it, ADDRESS as long as the source length says with the
 * bits past it zero, scope 0. Anything else (other options such as COOKIE, two options, a
 * malformed ECS) returns nonzero: the slow path answers those. */
static __always_inline int read_ecs(struct xdp_md *ctx, __u32 off, __u32 rdlen, struct dns_query *q)
{
	rdlen = bounded(rdlen, 0x1f); /* checked after the barrier: the helper's length register */
	if (rdlen < 8 || rdlen > XGSLB_ECS_MAX_LEN)
		return -1;
	if (bpf_xdp_load_bytes(ctx, off, q->ecs, rdlen))
		return -1;
	__u8 *e = q->ecs;
	__u32 family = ((__u32)e[4] << 8) | e[5], source = e[6];
	__u32 addr_len = (source + 7) / 8;
	if (e[0] != 0 || e[1] != XGSLB_EDNS_OPTION_ECS || ((__u32)e[2] << 8 | e[3]) != rdlen - 4)
		return -1;
	if (!((family == 1 && source <= 32) || (family == 2 && source <= 128)) || e[7] != 0)
		return -1;
	if (rdlen != 8 + addr_len)
		return -1;
	if (source % 8 && (e[bounded(7 + addr_len, 0x1f) & 0x1f] & (0xff >> (source % 8))))
		return -1;
	q->ecs_len = rdlen;
	return 0;
}

/* The DNS header's four counts as one little-endian load of its octets 4..11: QDCOUNT 1,
 * ANCOUNT and NSCOUNT 0, and ARCOUNT 0 or 1 (its low octet is the word's top octet). */
#define DNS_COUNTS_ONE_QUESTION 0x0100ULL
#define DNS_COUNTS_ONE_ADDITIONAL 0x0100000000000000ULL

/* Header checks, then the label walk: finds where QNAME ends, rejecting compression pointers
 * (never legal in a question we answer), bad label types and names over 255 octets. The name's
 * length goes to the scratch map (see xgslb_scratch); the header's flags and ARCOUNT to `q`, so
 * read_question does not read the header again. Where each suffix starts is not recorded: only
 * an NXDOMAIN answer needs that, and it walks the labels again (name_suffix_at), instead of every
 * query storing them. */
static __always_inline enum xgslb_counter walk_question_name(struct xdp_md *ctx, struct xgslb_scratch *scratch,
							     struct dns_query *q)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 dns_off = READ_SCRATCH(scratch->dns_off);

	if (dns_off > DNS_OFF_MASK)
		return XGSLB_C_pass_malformed;
	struct dns_header *dns = data + bounded(dns_off, DNS_OFF_MASK);
	if ((void *)(dns + 1) > data_end)
		return XGSLB_C_pass_malformed;
	if (dns->flags & bpf_htons(DNS_FLAG_QR | DNS_OPCODE_MASK))
		return XGSLB_C_pass_not_query;
	/* Through an opaque pointer: the compiler would split a load at a 2-aligned field into
	 * four; the verifier and x86 take it whole. */
	const __u64 *counts_at = (const __u64 *)&dns->qdcount;
	asm volatile("" : "+r"(counts_at));
	__u64 counts = *counts_at;
	if ((counts & ~DNS_COUNTS_ONE_ADDITIONAL) != DNS_COUNTS_ONE_QUESTION)
		return XGSLB_C_pass_counts;
	q->flags = bpf_ntohs(dns->flags);
	q->arcount = counts >> 56;

	/* No label counter: every label moves `pos` on by at least 2 and pos < 255 ends the loop,
	 * which is also what bounds it for the verifier. 64-bit, so no zero-extension per label. */
	__u8 *qname = (__u8 *)(dns + 1);
	__u64 pos = 0;
	for (;;) {
		__u8 *length_octet = qname + pos;
		if ((void *)(length_octet + 1) > data_end)
			return XGSLB_C_pass_malformed;
		__u64 len = *length_octet;
		if (len == 0)
			break;
		if (len > 63) /* 0xc0 compression pointer, or the reserved 0x40/0x80 label types */
			return XGSLB_C_pass_bad_name;
		pos += len + 1;
		if (pos >= XGSLB_NAME_WIRE_MAX)
			return XGSLB_C_pass_bad_name;
	}
	scratch->name_len = pos + 1;
	return XGSLB_COUNTER_COUNT;
}

/* Where the suffix after the label at `at` (QNAME-relative) starts: `at` + the label's length
 * + 1, or 0 when `at` is the root label or outside the name (or the packet). For the NXDOMAIN
 * search, which probes a name's suffixes one by one. */
static __always_inline __u32 name_suffix_at(struct xdp_md *ctx, const struct dns_query *q, __u32 at)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (at >= q->name_len || q->dns_off > DNS_OFF_MASK)
		return 0;
	__u8 *length_octet = data + bounded(q->dns_off, DNS_OFF_MASK) + sizeof(struct dns_header) +
			     bounded(at, XGSLB_NAME_WIRE_MAX);
	if ((void *)(length_octet + 1) > data_end)
		return 0;
	__u32 len = *length_octet;
	if (len == 0 || len > 63)
		return 0;
	return at + len + 1;
}

/* The name hash of maps/name_hash.h over the `len` octets at packet pointer `name`, `h` coming
 * in holding the seeds (xgslb_hash_init). Whole words in the loop, the partial last word once
 * after it: masking and the short-read fallback in every iteration cost about a third of the
 * loop (measured). The caller has checked that the 4 octets after the name are in the packet
 * (QTYPE/QCLASS follow every name we hash), so when 8 octets from the last word's start run
 * past the packet, fewer than 4 of them are the name's and 4 can be read instead. Inlined for
 * the question (a call, its argument checks and the state through memory cost more than the
 * loop's own work), and as hash_name_at for the NXDOMAIN search. */
static __always_inline int hash_wire_name(const __u8 *name, void *data_end, __u32 len, struct xgslb_name_hash *h)
{
	/* A local copy stays in registers through the loop; through `h` every word would be a
	 * load and a store of both states. */
	struct xgslb_name_hash state = *h;
	__u32 whole = len / 8;
	for (__u32 i = 0; i < WORDS_PER_NAME; i++) {
		if (i >= whole)
			break;
		const __u8 *p = name + i * 8;
		/* Opaque to the compiler, which would otherwise turn the per-word bounds check into
		 * a trip count computed from data_end: arithmetic on pkt_end the verifier refuses. */
		asm volatile("" : "+r"(p));
		if ((void *)(p + 8) > data_end)
			return -1;
		xgslb_hash_word(&state, xgslb_lower8(*(const __u64 *)p));
	}
	__u32 rest = len % 8;
	if (rest) {
		const __u8 *p = name + bounded(whole * 8, 0xf8);
		__u64 word;
		if ((void *)(p + 8) <= data_end)
			word = *(const __u64 *)p;
		else if ((void *)(p + 4) <= data_end)
			word = *(const __u32 *)p;
		else
			return -1;
		xgslb_hash_word(&state, xgslb_keep_octets(xgslb_lower8(word), rest));
	}
	xgslb_hash_finish(&state, len);
	*h = state;
	return 0;
}

/* hash_wire_name of the name at frame offset `off`, `len` octets. A global function: the
 * verifier checks it once, not once per caller and loop iteration. */
__noinline int hash_name_at(struct xdp_md *ctx, __u32 off, __u32 len, struct xgslb_name_hash *h)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!h || len == 0 || len > XGSLB_NAME_WIRE_MAX)
		return -1;
	return hash_wire_name(data + bounded(off, 0x3ff), data_end, len, h);
}

/* What the answer needs of a checked OPT record, from its two loads (octets 0-7 as `head`,
 * 7-10 as `tail`, little-endian): the response size limit, DO, and the record as it was. Shared
 * by read_question and the express lane (bpf/express_lane.h), so both fill `q` alike. */
static __always_inline void take_opt(struct dns_query *q, const struct xgslb_settings *settings, __u64 head,
				     __u32 tail)
{
	__u32 client = bpf_ntohs((__u16)(head >> 24));
	__u32 ours = settings->udp_payload_size;
	if (client < XGSLB_MIN_UDP_PAYLOAD)
		client = XGSLB_MIN_UDP_PAYLOAD;
	if (ours < XGSLB_MIN_UDP_PAYLOAD)
		ours = XGSLB_MIN_UDP_PAYLOAD;
	q->max_response = client < ours ? client : ours;
	q->has_opt = 1;
	q->dnssec_ok = head >> 63; /* DO: the top bit of octet 7 */
	__u32 *old = (__u32 *)q->old_opt;
	old[0] = (__u32)head;
	old[1] = head >> 32;
	old[2] = tail >> 8; /* octets 8-10 and a zero */
}

/* The question's type and class, and the OPT record. Offsets are re-read from
 * the scratch map, so this is verified once for every parse path that led here. */
static __always_inline enum xgslb_counter read_question(struct xdp_md *ctx, struct xgslb_scratch *scratch,
						       const struct xgslb_settings *settings, struct dns_query *q)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	q->dns_off = READ_SCRATCH(scratch->dns_off);
	q->name_len = READ_SCRATCH(scratch->name_len);
	q->family = READ_SCRATCH(scratch->family);
	q->l3_off = READ_SCRATCH(scratch->l3_off);
	__u32 dns_len = READ_SCRATCH(scratch->dns_len);
	if (q->dns_off > DNS_OFF_MASK || q->name_len == 0 || q->name_len > XGSLB_NAME_WIRE_MAX)
		return XGSLB_C_pass_malformed;

	q->question_end = sizeof(struct dns_header) + q->name_len + QUESTION_FIXED_LEN;
	if (q->question_end > dns_len)
		return XGSLB_C_pass_malformed;
	/* name_len <= 255 was checked; the masks restate the bounds where the verifier needs them. */
	__u8 *qname = data + bounded(q->dns_off, DNS_OFF_MASK) + sizeof(struct dns_header);
	__u8 *fixed = qname + bounded(q->name_len, XGSLB_NAME_WIRE_MAX);
	if ((void *)(fixed + QUESTION_FIXED_LEN) > data_end)
		return XGSLB_C_pass_malformed;
	__u32 type_class = *(__u32 *)fixed;
	q->qtype = bpf_ntohs((__u16)type_class);

	__u32 rest = dns_len - q->question_end;
	q->has_opt = 0;
	q->dnssec_ok = 0;
	q->ecs_len = 0;
	q->max_response = XGSLB_MIN_UDP_PAYLOAD;
	if (q->arcount == 0) {
		if (rest)
			return XGSLB_C_pass_trailing_data;
	} else {
		__u8 *opt = fixed + QUESTION_FIXED_LEN;
		if (rest < XGSLB_OPT_RR_LEN || (void *)(opt + XGSLB_OPT_RR_LEN) > data_end)
			return XGSLB_C_pass_malformed;
		/* owner root, TYPE OPT, CLASS = payload size, TTL = ext-rcode|version|flags, RDLEN, in
		 * two loads (octets 0-7 and 7-10, little-endian): the owner, the type and the version
		 * compared as one masked word, the rest shifted out of the two. */
		__u64 head = *(__u64 *)opt;
		__u32 tail = *(__u32 *)(opt + 7);
		if ((head & OPT_HEAD_MASK) != OPT_HEAD_WANT)
			return XGSLB_C_pass_edns;
		__u32 rdlen = bpf_ntohs((__u16)(tail >> 16));
		if (rest != XGSLB_OPT_RR_LEN + rdlen)
			return rdlen ? XGSLB_C_pass_edns : XGSLB_C_pass_trailing_data;
		/* ECS is the one option answered here; every other goes to the slow path. The
		 * option's buffer is zeroed only when there is one: write_response and the Geo
		 * strategy read it only when ecs_len says so. */
		if (rdlen) {
			__builtin_memset(q->ecs, 0, sizeof(q->ecs));
			if (read_ecs(ctx, q->dns_off + q->question_end + XGSLB_OPT_RR_LEN, rdlen, q))
				return XGSLB_C_pass_edns;
		}
		take_opt(q, settings, head, tail);
	}

	if ((type_class >> 16) != bpf_htons(XGSLB_DNS_CLASS_IN))
		return XGSLB_C_pass_qclass;
	/* Meta and query-only types (128-255: ANY, AXFR, IXFR, TSIG...), OPT as a question, and DS,
	 * which the parent zone answers, all go to the slow path. */
	if (q->qtype == 0 || q->qtype == XGSLB_DNS_TYPE_OPT || q->qtype == 43 ||
	    (q->qtype >= 128 && q->qtype <= 255))
		return XGSLB_C_pass_qtype;

	/* The name hash is not computed here: an express-table hit never needs it (answer_query
	 * hashes the name only after the table missed, bpf/xgslb.bpf.c hash_question). */
	return XGSLB_COUNTER_COUNT;
}
