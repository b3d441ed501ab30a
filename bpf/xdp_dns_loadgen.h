/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by bpf/xdp_dns_loadgen.bpf.c and tools/xdp_dns_loadgen.cpp: the frame table the
 * generator program sends from, and the counters both programs keep. */
#pragma once

#include <linux/types.h>

#define LOADGEN_FRAME_MAX 512 /* a power of two: the program masks lengths with it */
#define LOADGEN_FRAMES 1024

/* One ready-made query frame: Ethernet, IPv4, UDP and DNS, checksums filled in. */
struct loadgen_frame {
	__u32 len;
	__u8 data[LOADGEN_FRAME_MAX];
};

/* Per-CPU counters: index LOADGEN_SENT, LOADGEN_REPLIES, then LOADGEN_RCODE + rcode (0-15). */
enum loadgen_counter {
	LOADGEN_SENT = 0,
	LOADGEN_REPLIES = 1,
	LOADGEN_RCODE = 2,
	LOADGEN_COUNTERS = LOADGEN_RCODE + 16,
};
