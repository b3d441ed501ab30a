/* SPDX-License-Identifier: Apache-2.0 */
/* Ones'-complement arithmetic for incremental checksum updates (RFC 1071, RFC 1624). Values
 * are 16-bit words in network order taken as numbers; a sum accumulates in 64 bits and is
 * folded at the end. */
#pragma once

#include <linux/types.h>

/* Any 64-bit sum: 2^32 and 2^16 are both 1 modulo 0xffff, so folding the halves keeps the
 * value; four steps bring every input down to 16 bits (< 2^33, < 0x2ffff, <= 0x10001). */
static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* A sum known to be below 2^32 needs only two steps: the first leaves at most 0x1fffe, the
 * second at most 0xffff. In 64-bit arithmetic: a 32-bit shift of an unknown register needs its
 * upper half cleared first (a mask that is a 64-bit immediate), a 64-bit one does not. */
static __always_inline __u16 csum_fold32(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Removing a word from a sum is adding its ones'-complement. */
static __always_inline __u64 csum_sub(__u64 sum, __u16 word)
{
	return sum + (__u16)~word;
}

/* A sum of octets that starts at an odd offset is the byte-swapped sum of the same octets
 * taken from an even one (RFC 1071 2(B)), which lets precomputed sums be placed anywhere.
 * Swapping the octets of a 16-bit x is multiplying it by 256 modulo 0xffff (x = 256h + l:
 * 256x = 65536h + 256l = h + 256l), so an unfolded partial sum (< 2^56) can be shifted
 * instead of folded and swapped: the final csum_fold reduces everything modulo 0xffff. */
static __always_inline __u64 csum_at_offset(__u64 even_sum, __u32 offset)
{
	return even_sum << ((offset & 1) * 8);
}

/* Removing an unfolded partial sum: one fold step brings it below 2^33 (2^32 is 1 modulo
 * 0xffff), and 2^48 - 1 is a multiple of 0xffff, so adding (2^48 - 1) - part subtracts it
 * modulo 0xffff without going negative: three instructions instead of a full fold. */
static __always_inline __u64 csum_sub_wide(__u64 sum, __u64 part)
{
	part = (part & 0xffffffff) + (part >> 32);
	return sum + (0xffffffffffffULL - part);
}

/* Sum of `words` 32-bit words of a 4-octet-aligned buffer, congruent modulo 0xffff to the sum
 * of its 16-bit words in network order, unfolded. Summed in the CPU's little-endian order, a
 * word's two halves add up to the byte-swapped sum (RFC 1071 2(B)), and the swap back is a
 * multiplication by 256 (see csum_at_offset): a third of the instructions of summing octet
 * pairs, and no fold until the caller's last one. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "csum_words assumes a little-endian target (bpfel)"
#endif
static __always_inline __u64 csum_words(const __u32 *w, int words)
{
	__u64 sum = 0;
#pragma clang loop unroll(full)
	for (int i = 0; i < words; i++)
		sum += w[i];
	return sum << 8;
}
