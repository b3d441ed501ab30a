/* SPDX-License-Identifier: Apache-2.0 */
/* The express table's reader (xgslb_express, maps/xgslb_abi.h): a small Fixed or Rotate A/AAAA
 * set found by the question's name itself (a cheap fold of its words to a slot index, then an
 * exact masked compare with the name the slot holds: no name hash), read under a seqlock by the
 * express program (bpf/express_answer.h). Any doubt (empty, other name, odd or changed sequence)
 * is a miss, and the general program asks xgslb_rrsets, which holds every set: the table can be
 * cleared or rebuilt at any time. */
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
