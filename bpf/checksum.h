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

/* Sum of a 12-octet buffer (an OPT record is 11; the 12th octet is zero padding). */
static __always_inline __u16 csum_12(const __u8 b[12])
{
	__u64 sum = 0;
#pragma unroll
	for (int i = 0; i < 12; i += 2)
		sum += ((__u32)b[i] << 8) | b[i + 1];
	return csum_fold(sum);
}
