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

/* `addr`: the masked address as four 32-bit words in memory order (IPv4 in the first). */
XGSLB_HASH_FN __u32 xgslb_rrl_bucket_index(__u8 family, const __u32 addr[4], const __u64 seed[2])
{
	__u64 high = ((__u64)addr[0] << 32) | addr[1];
	__u64 low = ((__u64)addr[2] << 32) | addr[3];
	__u64 h = xgslb_rotl64(seed[0] ^ family ^ high, 29) * XGSLB_HASH_K1;
	h = xgslb_rotl64(h ^ low, 29) * XGSLB_HASH_K1;
	return (__u32)xgslb_fmix64(h ^ seed[1]) & (XGSLB_RRL_BUCKETS - 1);
}

#endif /* XGSLB_RRL_BUCKET_INDEX_H */
