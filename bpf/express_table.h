/* SPDX-License-Identifier: Apache-2.0 */
/* The express table's reader (xgslb_express, maps/xgslb_abi.h): a small Fixed or Rotate A/AAAA
 * set found by the question's name itself (a cheap fold of its words to a slot index, then an
 * exact masked compare with the name the slot holds: no name hash), copied under a seqlock to a
 * buffer no writer reaches (xgslb_xcopy, below), from which alone the packet is written. Any
 * doubt (empty, other name, odd or changed sequence) is a miss, and the caller asks
 * xgslb_rrsets, which holds every set: the table can be cleared or rebuilt at any time. */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/dns_query.h"
#include "bpf/strategy_select.h"
#include "maps/express_slot_index.h"

/* Slots in xgslb_express (a power of two), set by userspace before load with the map's size;
 * 0 turns the table off. Read-only data is frozen at load, so the verifier knows the value: the
 * mask is a constant and, when off, the whole path is dead code. */
const volatile __u32 xgslb_express_slots = XGSLB_DEFAULT_EXPRESS_SLOTS;

#define EXPRESS_WORDS (XGSLB_EXPRESS_WIRE_MAX / 8)

/* What an answer needs of a slot, copied out of it before the second sequence read: the
 * section (records from the rotation's start, `len` octets used) and its header fields. */
struct express_answer {
	__u64 records[EXPRESS_WORDS];
	__u32 len;
	__u16 csum;
	__u16 count;
	__u8  selection;
	__u8  pad[7];
};

/* Where that copy is kept: a per-CPU buffer, not the stack. The copy must outlive the call to
 * write_response, and on the stack it did not fit: the verifier allows 512 octets over a call
 * chain, and xgslb_xdp -> limit_response -> write_response already used 480. A per-CPU value
 * is as private as the stack (one program run at a time per CPU; userspace never writes it),
 * and its lookup is inlined. BPF-internal: not in the ABI, not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct express_answer);
} xgslb_xcopy SEC(".maps");

/* The eight octets of the name at `p`, or only four when eight run past the packet: QTYPE and
 * QCLASS follow every name we read (checked by read_question), so then fewer than four of them
 * are the name's, and the octets past the name are masked out by every user of the word. */
static __always_inline int express_tail_word(const __u8 *p, void *data_end, __u64 *word)
{
	if ((void *)(p + 8) <= data_end)
		*word = *(const __u64 *)p;
	else if ((void *)(p + 4) <= data_end)
		*word = *(const __u32 *)p;
	else
		return -1;
	return 0;
}

/* The home slot of the question's name and type (maps/express_slot_index.h), read from the
 * packet; -1 when the packet is shorter than the name (never, after read_question). Whole words
 * in the loop, the partial last one after it, as hash_wire_name does. */
static __always_inline int express_home_slot(const __u8 *qname, void *data_end, __u32 len, __u16 qtype,
					     __u64 seed, __u32 mask, __u32 *index, const __u32 proven)
{
	__u64 h = xgslb_express_fold_start(seed, qtype);
	__u32 whole = len / 8;
#pragma unroll
	for (__u32 i = 0; i < XGSLB_EXPRESS_NAME_WORDS; i++) {
		if (i >= whole)
			break;
		if (i * 8 + 8 > proven && (void *)(qname + i * 8 + 8) > data_end)
			return -1;
		h = xgslb_express_fold_word(h, *(const __u64 *)(qname + i * 8), ~0ULL);
	}
	__u32 rest = len % 8;
	if (rest) {
		__u64 w;
		if (express_tail_word(qname + bounded(whole * 8, 0x38), data_end, &w))
			return -1;
		h = xgslb_express_fold_word(h, w, xgslb_express_keep_mask(rest));
	}
	*index = xgslb_express_fold_index(h, mask);
	return 0;
}

/* Whether the question's name is the slot's, ignoring ASCII case: the masked word compare of
 * maps/express_slot_index.h (exact; the lengths are already equal). The slot's mask is zero
 * past its name, so the query's octets there (QTYPE, ...) need no masking of their own: when
 * the packet is known to hold `proven` octets from the name's start (EXPRESS_PROVEN, or 0) and
 * the name is no longer, all those words are compared, without a branch. */
static __always_inline int express_same_name(const __u8 *qname, void *data_end, __u32 len,
					     const struct xgslb_express_slot *slot, const __u32 proven)
{
	__u64 diff = 0;
	if (proven) {
#pragma unroll
		for (__u32 i = 0; i < proven / 8; i++)
			diff |= (*(const __u64 *)(qname + i * 8) ^ slot->name[i]) & slot->name_mask[i];
		return diff == 0;
	}
	__u32 whole = len / 8;
#pragma unroll
	for (__u32 i = 0; i < XGSLB_EXPRESS_NAME_WORDS; i++) {
		if (i >= whole)
			break;
		if ((void *)(qname + i * 8 + 8) > data_end)
			return 0;
		diff |= (*(const __u64 *)(qname + i * 8) ^ slot->name[i]) & slot->name_mask[i];
	}
	if (len % 8) {
		__u64 w;
		__u32 last = whole & (XGSLB_EXPRESS_NAME_WORDS - 1); /* < 8: len <= 64 and not a multiple of 8 */
		if (express_tail_word(qname + bounded(whole * 8, 0x38), data_end, &w))
			return 0;
		diff |= (w ^ slot->name[last]) & slot->name_mask[last];
	}
	return diff == 0;
}

/* Slot `index`, and its sequence as read before anything else of it, when it holds the name
 * `qname` (`name_len` octets) and type `qtype` (a mismatch read mid-write is only a miss, which
 * is always safe; a match read mid-write is caught by a later sequence read, which comes after
 * this compare); NULL otherwise. `*empty` says whether the slot holds no set at all. */
static __always_inline struct xgslb_express_slot *express_match(__u32 index, __u16 qtype, __u32 name_len,
								 const __u8 *qname, void *data_end,
								 __u32 *sequence, int *empty, const __u32 proven)
{
	struct xgslb_express_slot *slot = bpf_map_lookup_elem(&xgslb_express, &index);
	if (!slot)
		return 0;
	*sequence = *(volatile __u32 *)&slot->sequence;
	__u16 have = slot->qtype;
	*empty = have == 0;
	if (have != qtype || slot->name_len != name_len)
		return 0;
	if (!express_same_name(qname, data_end, name_len, slot, proven))
		return 0;
	return slot;
}

/* The slot holding the set of the name at `qname` (`name_len` octets, at most
 * XGSLB_EXPRESS_NAME_MAX) and type `qtype`, and its sequence as read before the compare; NULL on
 * a miss. Its home slot first, then the next one, unless home is empty (the writer keeps a set
 * home whenever that is free, so a miss on an empty slot costs one probe). A set is in one slot
 * only: a torn read of it is a miss, not a reason to look further. Shared by express_lookup and
 * the express lane (bpf/express_lane.h), so both probe exactly the same slots. */
static __always_inline struct xgslb_express_slot *express_probe(const __u8 *qname, void *data_end, __u32 name_len,
								 __u16 qtype, const struct xgslb_settings *settings,
								 __u32 *sequence, const __u32 proven)
{
	__u32 mask = xgslb_express_slots - 1;
	__u32 index;
	if (express_home_slot(qname, data_end, name_len, qtype, xgslb_express_seed(settings->hash_seed), mask, &index,
			      proven))
		return 0;
	int empty = 1;
	struct xgslb_express_slot *slot =
		express_match(index, qtype, name_len, qname, data_end, sequence, &empty, proven);
	if (!slot && !empty)
		slot = express_match((index + 1) & mask, qtype, name_len, qname, data_end, sequence, &empty, proven);
	return slot;
}

/* Names up to this many octets, in a packet holding as many from the name's start (most
 * queries: a 17-octet name and an OPT or a 28-octet name without one fill them), are read with
 * one bounds check instead of one per word. */
#define EXPRESS_PROVEN 32

static __always_inline struct xgslb_express_slot *express_find(const __u8 *qname, void *data_end, __u32 name_len,
								__u16 qtype, const struct xgslb_settings *settings,
								__u32 *sequence)
{
	if (name_len <= EXPRESS_PROVEN && (void *)(qname + EXPRESS_PROVEN) <= data_end)
		return express_probe(qname, data_end, name_len, qtype, settings, sequence, EXPRESS_PROVEN);
	return express_probe(qname, data_end, name_len, qtype, settings, sequence, 0);
}

/* The rest of a seqlock read of a matching slot: this CPU's copy buffer filled, or NULL when the
 * slot was being written (odd or changed sequence). The buffer is out of every table writer's
 * reach, so what passed the checks stays what was checked.
 *
 * Ordering: on x86 loads are not reordered with other loads (TSO) and the JIT keeps the
 * program's load order, so a compiler barrier between the copy and the second sequence read is
 * all the reader needs. An arm64 port needs the first sequence read to be a load-acquire
 * (BPF_LOAD_ACQ, or an atomic read) and a read barrier before the second read, which BPF does
 * not offer yet: there, e.g., make the second read an atomic fetch-add of 0 (a full barrier). */
static __always_inline const struct express_answer *express_copy_slot(const struct xgslb_express_slot *slot,
								       __u32 sequence)
{
	if (sequence & 1)
		return 0;
	__u32 zero = 0;
	struct express_answer *copy = bpf_map_lookup_elem(&xgslb_xcopy, &zero);
	if (!copy)
		return 0;
	__u32 count = slot->count, selection = slot->selection;
	__u32 start = 0, turn = 0;
	__u32 *rotation = 0;
	if (selection == XGSLB_SELECT_ROTATE) {
		/* The same per-CPU counter as xgslb_rrsets' sets, read now and advanced only once the
		 * slot proved untorn, so a miss leaves it for the fallback exactly as it was. */
		rotation = bpf_map_lookup_elem(&xgslb_rotation, &zero);
		if (!rotation || !count)
			return 0;
		turn = *rotation;
		start = turn % count;
	}
	/* A torn read can make these anything: bounded before use, checked for sense after. */
	__u32 off = start * slot->record_len;
	if (off > XGSLB_EXPRESS_WIRE_MAX)
		return 0;
	/* Only the octets an answer can use: 64 cover 1-4 A records (the common sets), the rest is
	 * copied only for longer ones; the writers copy `len` octets, never what lies past them. */
	const __u8 *src = slot->wire + off;
	__u32 len = slot->wire_len;
#pragma unroll
	for (__u32 i = 0; i < 8; i++)
		copy->records[i] = ((const __u64 *)src)[i];
	if (len > 64) {
#pragma unroll
		for (__u32 i = 8; i < EXPRESS_WORDS; i++)
			copy->records[i] = ((const __u64 *)src)[i];
	}
	copy->len = len;
	copy->csum = slot->wire_csum;
	copy->count = count;
	copy->selection = selection;
	asm volatile("" ::: "memory");
	if (*(volatile __u32 *)&slot->sequence != sequence)
		return 0;
	if (copy->len == 0 || copy->len > XGSLB_EXPRESS_WIRE_MAX)
		return 0;
	if (rotation)
		*rotation = turn + 1;
	return copy;
}

/* The question's set from the table, copied to this CPU's buffer; NULL on a miss (the caller
 * then hashes the name and asks xgslb_rrsets). Names longer than the slots hold are never in
 * the table. */
static __always_inline const struct express_answer *express_lookup(struct xdp_md *ctx,
								    const struct xgslb_settings *settings,
								    const struct dns_query *q)
{
	if (!xgslb_express_slots)
		return 0;
	if (q->name_len > XGSLB_EXPRESS_NAME_MAX || q->dns_off > DNS_OFF_MASK)
		return 0;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const __u8 *qname = data + bounded(q->dns_off, DNS_OFF_MASK) + sizeof(struct dns_header);
	__u32 sequence = 0;
	struct xgslb_express_slot *slot = express_find(qname, data_end, q->name_len, q->qtype, settings, &sequence);
	if (!slot)
		return 0;
	return express_copy_slot(slot, sequence);
}

/* The section, from the copy: every length a table set can have, each a constant copy. */
static __always_inline int express_store(struct xdp_md *ctx, __u32 at, const struct express_answer *ex)
{
	switch (ex->len) {
	case 1 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 1 * XGSLB_RR_A_LEN);
	case 2 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 2 * XGSLB_RR_A_LEN);
	case 3 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 3 * XGSLB_RR_A_LEN);
	case 4 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 4 * XGSLB_RR_A_LEN);
	case 5 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 5 * XGSLB_RR_A_LEN);
	case 6 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 6 * XGSLB_RR_A_LEN);
	case 7 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 7 * XGSLB_RR_A_LEN); /* = 4 AAAA */
	case 1 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 1 * XGSLB_RR_AAAA_LEN);
	case 2 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 2 * XGSLB_RR_AAAA_LEN);
	case 3 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, (const __u8 *)ex->records, 3 * XGSLB_RR_AAAA_LEN);
	}
	return -1;
}
