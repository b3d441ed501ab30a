/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a set may sit in xgslb_express (the express table, maps/xgslb_abi.h) and how a query's
 * name is matched against a slot's, shared by the XDP program and the userspace writer so both
 * probe the same two slots: xgslb_express_slot_index() or the next one (wrapping).
 *
 * The match is exact, so the index needs no strong hash, only spread. A query matches a slot
 * when the names are equal ignoring ASCII case (xgslb_express_octets_match, proved below): a
 * weak or guessable index can never make the table answer for another name. An attacker who
 * knew the seed could only learn which of OUR names share home slots (the daemon places them;
 * a crowded pair costs the second one the table, and it is answered from xgslb_rrsets), and a
 * query for a foreign name only costs a miss, whatever slot it lands on. The seed is the
 * instance's random hash seed anyway, so even that placement is not predictable from outside.
 */
#ifndef XGSLB_EXPRESS_SLOT_INDEX_H
#define XGSLB_EXPRESS_SLOT_INDEX_H

#include <linux/types.h>

#include "maps/name_hash.h"

#define XGSLB_EXPRESS_PROBES 2

#define XGSLB_EXPRESS_LOWER_BITS 0x2020202020202020ULL

/*
 * The name compare. A slot stores, per octet of its owner, s = lowercase(o) and a mask octet
 * m = 0xdf when s is a letter 'a'..'z', 0xff for any other octet of the name, 0x00 past it.
 * A query octet q matches when ((q ^ s) & m) == 0. Claim: within the name that holds exactly
 * when lowercase(q) == s (the case-insensitive equality of RFC 1035 2.3.3 / RFC 4343):
 *  - s a letter: m ignores only bit 5, so q matches iff q is s or s ^ 0x20, i.e. s or its
 *    uppercase form, i.e. iff lowercase(q) == s (no other octet lowercases to a letter s).
 *  - s not a letter: m ignores nothing, so q matches iff q == s; and lowercase(q) == s iff
 *    q == s, since an uppercase q would lowercase to a letter, which s is not.
 * So '-' (0x2d) never matches '\r' (0x0d), nor a label length 3 a length 0x23, though each pair
 * differs only in bit 5. With equal name lengths (compared separately) and the octets past the
 * name masked out, the word compare is the name compare. tests/unit/express_name_match_test
 * checks every (q, o) pair of octets against lowercase equality.
 *
 * The express lane (bpf/express_lane.h) leans on this further: it does not walk the query's
 * labels but guesses the name's length from the UDP length, and lets a match prove the guess.
 * The stored name is a valid wire name (userspace writes it from name_to_wire), and its
 * label-length octets are 0..63, never a letter, so their mask is 0xff: a matching query has the
 * very same length octets at the very same places. The label walk reads nothing but those
 * octets, so on the query it follows the stored name's labels and ends at the same root octet,
 * at name_len - 1: the walked length is the guessed one. A query whose name is shorter (a zero
 * octet inside, a compression pointer) or laid out otherwise differs from every stored name of
 * the guessed length in some octet the mask keeps, and misses.
 */
XGSLB_HASH_FN __u8 xgslb_express_mask_octet(__u8 owner_octet)
{
	__u8 lower = owner_octet >= 'A' && owner_octet <= 'Z' ? owner_octet + 32 : owner_octet;
	return lower >= 'a' && lower <= 'z' ? 0xdf : 0xff;
}

XGSLB_HASH_FN int xgslb_express_octets_match(__u8 query, __u8 stored, __u8 mask)
{
	return ((query ^ stored) & mask) == 0;
}

/* Keep the first `octets` (1..8) octets of a little-endian word, as an all-ones-and-zeros mask. */
XGSLB_HASH_FN __u64 xgslb_express_keep_mask(__u32 octets)
{
	return octets >= 8 ? ~0ULL : (1ULL << (octets * 8)) - 1;
}

/*
 * The slot index: one xor-multiply per word of the name, folded (w | 0x20 in every octet, so
 * both cases of a letter give the same word; other octets that differ only in bit 5 land
 * together too, which only costs spread, never correctness) with the octets past the name zero;
 * then an xor-shift and a multiply, whose upper bits depend on every input bit, of which the
 * index takes bits 32 up. The query's type starts the chain, so a name's A and AAAA sets do not
 * compete for the same two slots. One multiply per word, no lowercasing, no second lane: the
 * two-lane name hash (maps/name_hash.h) costs ~34 ns for a 31-octet name, this a few.
 */
/* The index's seed, from the instance's two name-hash seeds (xgslb_settings): derived, but as
 * unknown from outside as they are. */
XGSLB_HASH_FN __u64 xgslb_express_seed(const __u64 seed[2])
{
	return seed[0] ^ xgslb_rotl64(seed[1], 32);
}

XGSLB_HASH_FN __u64 xgslb_express_fold_start(__u64 seed, __u16 qtype)
{
	return seed ^ ((__u64)qtype << 48) ^ qtype;
}

/* `w`: the next eight octets of the name as a little-endian word, `keep` its octets that are
 * the name's (xgslb_express_keep_mask; all for whole words). */
XGSLB_HASH_FN __u64 xgslb_express_fold_word(__u64 h, __u64 w, __u64 keep)
{
	return (h ^ ((w | XGSLB_EXPRESS_LOWER_BITS) & keep)) * XGSLB_HASH_K1;
}

/* `mask`: the number of slots (a power of two, at most 2^32) minus one. */
XGSLB_HASH_FN __u32 xgslb_express_fold_index(__u64 h, __u32 mask)
{
	h ^= h >> 29;
	h *= XGSLB_HASH_K2;
	return (__u32)(h >> 32) & mask;
}

#ifndef __bpf__
/* The home slot of a wire name (any case) for `qtype`; what the program computes from the packet. */
static inline __u32 xgslb_express_slot_index(const __u8 *name, __u32 len, __u16 qtype, __u64 seed, __u32 mask)
{
	__u64 h = xgslb_express_fold_start(seed, qtype);
	for (__u32 at = 0; at < len; at += 8) {
		__u64 w = 0;
		for (__u32 i = 0; i < 8 && at + i < len; i++)
			w |= (__u64)name[at + i] << (8 * i);
		h = xgslb_express_fold_word(h, w, xgslb_express_keep_mask(len - at));
	}
	return xgslb_express_fold_index(h, mask);
}
#endif

#endif /* XGSLB_EXPRESS_SLOT_INDEX_H */
