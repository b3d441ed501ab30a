/* SPDX-License-Identifier: Apache-2.0 */
/* Ones'-complement arithmetic for incremental checksum updates (RFC 1071, RFC 1624). Values
 * are 16-bit words in network order taken as numbers; a sum accumulates in 64 bits and is
 * folded at the end. */
#pragma once

#include <linux/types.h>

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
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
 * taken from an even one (RFC 1071 2(B)), which lets precomputed sums be placed anywhere. */
static __always_inline __u16 csum_at_offset(__u16 even_sum, __u32 offset)
{
	return (offset & 1) ? (__u16)((even_sum << 8) | (even_sum >> 8)) : even_sum;
}

/* Sum of `words` 32-bit words of a 4-octet-aligned buffer, as if taken in 16-bit words in
 * network order: summed in the CPU's little-endian order, which is the byte-swapped sum (RFC
 * 1071 2(B)), and swapped once: a third of the instructions of summing octet pairs. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "csum_words assumes a little-endian target (bpfel)"
#endif
static __always_inline __u16 csum_words(const __u32 *w, int words)
{
	__u64 sum = 0;
#pragma unroll
	for (int i = 0; i < words; i++)
		sum += w[i];
	__u16 le = csum_fold(sum);
	return (__u16)((le << 8) | (le >> 8));
}
