/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name hash, shared by the XDP program and C++ so both compute the same map keys.
 *
 * A wire-form name is read as little-endian 64-bit words from its first octet; the last word
 * is zero-padded. Each word is lowercased eight octets at a time (only 'A'..'Z' change; label
 * length octets are < 64 and stay as they are, so the whole wire name can be lowercased
 * blindly) and mixed into two independent seeded 64-bit states. The seeds are random per
 * instance (xgslb_settings), so nobody outside can aim a name at a collision, and the second
 * state is compared after the lookup, so a collision of the first is harmless.
 */
#ifndef XGSLB_NAME_HASH_H
#define XGSLB_NAME_HASH_H

#include <linux/types.h>

/* The BPF build must inline these: a call the compiler leaves out of line becomes a BPF-to-BPF
 * call per query (one showed up for the RRL bucket index). */
#ifdef __bpf__
#define XGSLB_HASH_FN static inline __attribute__((always_inline))
#else
#define XGSLB_HASH_FN static inline
#endif

#define XGSLB_HASH_K1 0x9e3779b97f4a7c15ULL
#define XGSLB_HASH_K2 0xc2b2ae3d27d4eb4fULL

struct xgslb_name_hash {
	__u64 hash;   /* map key */
	__u64 check;  /* stored in the value, compared after lookup */
};

XGSLB_HASH_FN __u64 xgslb_rotl64(__u64 x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* ASCII 'A'..'Z' to lowercase in all eight octets; other octets unchanged. */
XGSLB_HASH_FN __u64 xgslb_lower8(__u64 w)
{
	__u64 heptets = w & 0x7f7f7f7f7f7f7f7fULL;
	__u64 above_z = heptets + 0x2525252525252525ULL; /* bit 7 set where octet > 'Z' */
	__u64 from_a = heptets + 0x3f3f3f3f3f3f3f3fULL;  /* bit 7 set where octet >= 'A' */
	__u64 upper = ~w & (from_a ^ above_z) & 0x8080808080808080ULL;
	return w | (upper >> 2);
}

/* Keep the first `octets` (1..8) octets of a little-endian word. */
XGSLB_HASH_FN __u64 xgslb_keep_octets(__u64 w, __u32 octets)
{
	return octets >= 8 ? w : w & ((1ULL << (octets * 8)) - 1);
}

XGSLB_HASH_FN void xgslb_hash_init(struct xgslb_name_hash *h, const __u64 seed[2])
{
	h->hash = seed[0];
	h->check = seed[1];
}

/* Mix one lowercased, zero-padded word. */
XGSLB_HASH_FN void xgslb_hash_word(struct xgslb_name_hash *h, __u64 w)
{
	h->hash = xgslb_rotl64(h->hash ^ w, 29) * XGSLB_HASH_K1;
	h->check = xgslb_rotl64(h->check + w, 31) * XGSLB_HASH_K2;
}

XGSLB_HASH_FN __u64 xgslb_fmix64(__u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

XGSLB_HASH_FN void xgslb_hash_finish(struct xgslb_name_hash *h, __u32 name_len)
{
	h->hash = xgslb_fmix64(h->hash ^ name_len);
	h->check = xgslb_fmix64(h->check ^ ((__u64)name_len << 32));
}

#endif /* XGSLB_NAME_HASH_H */
