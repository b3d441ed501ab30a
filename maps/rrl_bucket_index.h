/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which RRL token bucket a client prefix uses (xgslb_rrl, the RRL section of xgslb_abi.h),
 * shared by the XDP program and C++ (tests, tools) so both name the same slot.
 *
 * The buckets are a per-CPU array indexed by a keyed hash of the masked source address, not a
 * hash map keyed by it: an array lookup is inlined by the verifier (a few instructions) where a
 * hash-map lookup hashes the key and walks a bucket list, per query. Two prefixes that land on
 * the same slot share one bucket, which can only make limiting stricter for both, never looser;
 * with XGSLB_RRL_BUCKETS slots a given pair shares with probability 1/XGSLB_RRL_BUCKETS. The
 * hash is keyed with the instance's random seeds (xgslb_settings), so nobody outside can choose
 * prefixes that share a victim's bucket.
 */
#ifndef XGSLB_RRL_BUCKET_INDEX_H
#define XGSLB_RRL_BUCKET_INDEX_H

#include <linux/types.h>

#include "maps/name_hash.h"
#include "maps/xgslb_abi.h"

#if XGSLB_RRL_BUCKETS != (1 << 16)
#error "xgslb_rrl_bucket_index takes the top 16 bits of its hash: change both together"
#endif

/* `addr`: the masked address as four 32-bit words in memory order (IPv4 in the first).
 * Vector multiply-shift (Dietzfelbinger 1996): each 32-bit word times its own secret 64-bit
 * multiplier, summed with a secret offset; for random multipliers two given prefixes differ by a
 * random-looking amount, so without the seeds nobody can tell which prefixes share a slot. The
 * four products are independent (a multiply's latency once, where the earlier
 * rotate-multiply-fmix64 hash had four multiplies in a chain), and IPv4 needs only the first.
 * One xor-shift-multiply before taking the top 16 bits: plain multiply-shift maps an arithmetic
 * progression (consecutive /24s, consecutive /56s) to a lattice of slots that can clump (one
 * seed put 4096 consecutive /56s in 2924 slots instead of ~3970; tests/unit/rrl_bucket_index_test).
 * The multipliers are cheap combinations of the two seeds: derived, not independent, but just as
 * unknown from outside. */
XGSLB_HASH_FN __u32 xgslb_rrl_bucket_index(__u8 family, const __u32 addr[4], const __u64 seed[2])
{
	__u64 s0 = seed[0], s1 = seed[1];
	__u64 h = s0 * addr[0] + s1 * addr[1] + (s0 ^ s1) * addr[2] + (s0 + s1) * addr[3] + (s1 ^ (s0 >> 29)) + family;
	h ^= h >> 32;
	h *= XGSLB_HASH_K2;
	return (__u32)(h >> 48);
}

#endif /* XGSLB_RRL_BUCKET_INDEX_H */
