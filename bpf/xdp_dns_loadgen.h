/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by bpf/xdp_dns_loadgen.bpf.c and tools/xdp_dns_loadgen.cpp: the frame table the
 * generator program sends from, the send times the reply counter matches replies against, the
 * latency histogram, and the counters both programs keep. Plain C so both sides include it. */
#pragma once

#include <linux/types.h>

#define LOADGEN_FRAME_MAX 512 /* a power of two: the program masks lengths with it */
#define LOADGEN_FRAMES 1024

/* One ready-made query frame: Ethernet, IPv4, UDP and DNS, checksums filled in for a UDP source
 * port of 0 and a DNS ID of 0; the sender stamps both per query (see below). */
struct loadgen_frame {
	__u32 len;
	__u8 data[LOADGEN_FRAME_MAX];
};

/* Every query carries a 31-bit sequence number, echoed by any responder: the low 16 bits as the
 * DNS ID, the next 15 as the UDP source port's low bits (the port's top bit is set, so ports
 * stay in 32768-65535, clear of every port a responder refuses to reflect to). Its low
 * LOADGEN_SEQ_CPU_BITS are the sending CPU, the rest that CPU's count. The send time sits in
 * slot seq % LOADGEN_SLOTS with the whole sequence number: a reply matches only its own query,
 * not one sent a wrap later (2^19 queries of one CPU: 0.7 s at 750k/s; a later reply is counted
 * as unmatched, not timed, and the harness reports the count). A matched slot is cleared, so a
 * duplicate reply is counted as unmatched, not timed twice. */
#define LOADGEN_SLOTS (1u << 20)
#define LOADGEN_SEQ_MASK 0x7fffffffu
#define LOADGEN_SEQ_NONE 0xffffffffu
#define LOADGEN_SEQ_CPU_BITS 1 /* the tool sends from CPUs 0 and 1 only */
#define LOADGEN_SEQ_CPUS (1u << LOADGEN_SEQ_CPU_BITS) /* CPUs beyond share numbers: see the tool */
#define LOADGEN_PORT_BASE 0x8000

struct loadgen_send_time {
	__u64 sent_ns; /* bpf_ktime_get_ns() when the generator program wrote the frame */
	__u32 seq;     /* LOADGEN_SEQ_NONE: free */
	__u32 pad;
};

/* Latency histogram, log-linear (HdrHistogram-like): values below 2^LOADGEN_SUB_BITS ns have a
 * bucket each; above, every power of two is cut into 2^LOADGEN_SUB_BITS equal buckets, so a
 * bucket is at most 1/16 (6.25 %) of its values wide. 512 buckets reach 2^35 ns (34 s); larger
 * values land in the last one. */
#define LOADGEN_SUB_BITS 4
#define LOADGEN_SUB_BUCKETS (1u << LOADGEN_SUB_BITS)
#define LOADGEN_LAT_BUCKETS 512

/* floor(log2(v)) for v > 0, by halving: BPF has no count-leading-zeros instruction. */
static inline __u32 loadgen_log2(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

/* The bucket of a latency of `ns` nanoseconds; tools/latency_histogram.h has the inverse. */
static inline __u32 loadgen_latency_bucket(__u64 ns)
{
	if (ns < 2 * LOADGEN_SUB_BUCKETS)
		return (__u32)ns;
	__u32 e = loadgen_log2(ns); /* >= LOADGEN_SUB_BITS + 1 */
	__u32 b = (e - LOADGEN_SUB_BITS + 1) * LOADGEN_SUB_BUCKETS +
		  (__u32)((ns >> (e - LOADGEN_SUB_BITS)) & (LOADGEN_SUB_BUCKETS - 1));
	return b < LOADGEN_LAT_BUCKETS ? b : LOADGEN_LAT_BUCKETS - 1;
}

/* The in-kernel pacing schedule (--pacing frames): one entry, written by the tool before the
 * run, updated by dns_loadgen on every frame it sends. Frame k of the schedule is due at
 * start_ns + k * 10^9 / rate (bpf_ktime_get_ns is CLOCK_MONOTONIC, so the tool sets start_ns
 * from clock_gettime). A repetition of the live-frames call that finds no frame due drops its
 * page (recycled: nothing leaves the interface), so one long call sends each frame when it is
 * due, not a millisecond's worth at once. One sending CPU only: the fields are not atomic. */
struct loadgen_pace {
	__u64 start_ns;
	__u64 end_ns;      /* nothing is sent from here on */
	__u64 rate;        /* frames per second */
	__u64 max_late;    /* behind by more frames than this: skip the older ones (catch-up bound) */
	__u64 next_slot;   /* k of the next frame: sent + skipped so far */
	__u64 next_due_ns; /* start_ns + next_slot * 10^9 / rate */
	__u64 skipped;     /* frames skipped because they were too late to send */
	__u64 caught_up;   /* frames sent later than one interval after they were due */
};

/* Per-CPU counters: index LOADGEN_SENT, LOADGEN_REPLIES, then LOADGEN_RCODE + rcode (0-15),
 * then replies timed, replies with no matching send time (late by more than a wrap, or
 * duplicated), and the replies' frame octets (their mean size: answers grow, the echo's not). */
enum loadgen_counter {
	LOADGEN_SENT = 0,
	LOADGEN_REPLIES = 1,
	LOADGEN_RCODE = 2,
	LOADGEN_TIMED = LOADGEN_RCODE + 16,
	LOADGEN_UNMATCHED,
	LOADGEN_REPLY_OCTETS,
	LOADGEN_COUNTERS,
};
