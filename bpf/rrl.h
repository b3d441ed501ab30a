/* SPDX-License-Identifier: Apache-2.0 */
/* Response rate limiting (as BIND's RRL and NLnet Labs' XDP RRL): one token bucket per client
 * prefix, checked for every standard query the program parsed, before it is answered here or
 * passed to the slow path, so the node's UDP responses to a prefix are limited whichever path
 * would send them. Over the limit, every slip-th query gets a TC=1 response with the question
 * only (never larger than the query: header, question, OPT), so a real client retries over
 * TCP, which a spoofed source cannot; the others are dropped. Maps and rules: the RRL section
 * of maps/xgslb_abi.h. */
#pragma once

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/dns_query.h"
#include "bpf/dns_response.h"
#include "bpf/profile_stage.h"
#include "bpf/reflection.h"
#include "bpf/rrl_clock.h"
#include "maps/rrl_bucket_index.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xgslb_rrl_config);
} xgslb_rrl_conf SEC(".maps");

/* Per-CPU buckets, not one shared bucket per prefix: the check runs for every query, and a
 * shared bucket needs an atomic read-modify-write of a cache line that every CPU taking the
 * flood writes (BPF cannot update the clock and the slip count together without a spin lock,
 * which would serialise those CPUs): contention exactly when the limiter matters. The price is
 * accuracy: the limit holds per CPU, so a prefix whose queries the NIC spreads over k receive
 * queues (RSS hashes the 4-tuple, and spoofed floods vary the source port) gets up to
 * k x responsesPerSecond; a real resolver reusing few ports mostly stays on one queue.
 * An array indexed by a keyed hash of the prefix (maps/rrl_bucket_index.h), not a hash map
 * keyed by the prefix: the lookup is inlined, and a flood of spoofed prefixes has nothing to
 * fill or evict. Prefixes that share a slot share its bucket: stricter, never looser. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XGSLB_RRL_BUCKETS);
	__type(key, __u32);
	__type(value, struct xgslb_rrl_bucket);
} xgslb_rrl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XGSLB_RRL_MAX_ALLOW);
	__type(key, struct xgslb_rrl_allow_key);
	__type(value, __u32);
} xgslb_rrl_allow SEC(".maps");

/* The verdict that lets the query go on to be answered or passed. */
#define RRL_GO_ON XGSLB_COUNTER_COUNT

static __always_inline int rrl_allow_listed(__u8 family, const __u32 addr[4])
{
	struct xgslb_rrl_allow_key key = {
		.prefixlen = 8 + (family == XGSLB_FAMILY_IPV4 ? 32 : 128),
		.family = family,
	};
	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&xgslb_rrl_allow, &key) != 0;
}

/* The reflection rules on the query's source (read by parse_headers or the express lane;
 * `listen_set` is the set it matched the destination in); then the bucket of the source's
 * prefix. Returns RRL_GO_ON or the verdict. Inlined into the express program
 * (bpf/express_answer.h), which the verifier checks on its own; the general program calls it as
 * limit_response, below. */
static __always_inline int rrl_decide(struct xdp_md *ctx, const struct xgslb_settings *settings, const struct dns_query *q,
				      const struct xgslb_listen_set *listen_set)
{
	if (reflection_port(q->source.port))
		return XGSLB_C_dropped_reflection;
	/* One branch on the family for both rules: in IPv4's, the own-address compare and the slot
	 * work on the one address word (the other three are constant zeros), read once. */
	__u32 zero = 0;
	const struct xgslb_rrl_config *cfg;
	__u32 slot;
	if (q->family == XGSLB_FAMILY_IPV4) {
		__u32 addr = q->source.addr[0];
		if (own_address(listen_set, XGSLB_FAMILY_IPV4, addr, 0, 0))
			return XGSLB_C_dropped_reflection;
		PROFILE_STAGE(41);
		cfg = bpf_map_lookup_elem(&xgslb_rrl_conf, &zero);
		if (!cfg || !cfg->interval_ns)
			return RRL_GO_ON;
		__u32 masked[4] = { addr & cfg->ipv4_mask, 0, 0, 0 };
		slot = xgslb_rrl_bucket_index(XGSLB_FAMILY_IPV4, masked, settings->hash_seed);
	} else {
		const __u32 *a = q->source.addr;
		if (own_address(listen_set, q->family, a[0], a[1] | (__u64)a[2] << 32, a[3]))
			return XGSLB_C_dropped_reflection;
		PROFILE_STAGE(41);
		cfg = bpf_map_lookup_elem(&xgslb_rrl_conf, &zero);
		if (!cfg || !cfg->interval_ns)
			return RRL_GO_ON;
		__u32 masked[4] = {
			a[0] & cfg->ipv6_mask[0],
			a[1] & cfg->ipv6_mask[1],
			a[2] & cfg->ipv6_mask[2],
			a[3] & cfg->ipv6_mask[3],
		};
		slot = xgslb_rrl_bucket_index(XGSLB_FAMILY_IPV6, masked, settings->hash_seed);
	}
	struct xgslb_rrl_bucket *bucket = bpf_map_lookup_elem(&xgslb_rrl, &slot);
	if (!bucket)
		return RRL_GO_ON;
	PROFILE_STAGE(42);
	/* The coarse clock (CLOCK_MONOTONIC as of the last timer tick, 1/CONFIG_HZ: 4 ms at 250 Hz;
	 * bpf/rrl_clock.h) costs a load where bpf_ktime_get_ns reads the TSC behind a helper call.
	 * GCRA keeps its long-run rate with a clock that moves in steps as long as the burst covers a
	 * step: the burst is a second's worth of responses (rrl_contents.cpp), far more than a tick.
	 * Within a tick time stands still, so a bucket refills by a tick's worth at once instead of
	 * evenly. */
	__u64 now = rrl_clock_ns();
	PROFILE_STAGE(43);
	__u64 interval = cfg->interval_ns;
	__u64 tat = bucket->tat_ns > now ? bucket->tat_ns : now;
	if (tat + interval - now <= cfg->burst_ns) {
		bucket->tat_ns = tat + interval;
		return RRL_GO_ON;
	}
	/* Over the limit. The allow list is only consulted here: within the limit it changes
	 * nothing, and most traffic is within the limit. */
	if (cfg->allow_count && rrl_allow_listed(q->family, q->source.addr))
		return RRL_GO_ON;
	__u32 slip = cfg->slip;
	if (!slip)
		return XGSLB_C_dropped_rrl;
	__u32 over = bucket->over_limit + 1;
	if (over < slip) {
		bucket->over_limit = over;
		return XGSLB_C_dropped_rrl;
	}
	bucket->over_limit = 0;
	struct dns_answer slipped = {
		.udp_payload_size = settings->udp_payload_size,
		.truncated = 1,
	};
	int verdict = write_response(ctx, q, &slipped);
	return verdict ? verdict : XGSLB_C_answered_rrl_slip;
}

/* rrl_decide for the general program, as a global function on purpose: the verifier checks it
 * once, and the call is where the paths out of read_question (with or without OPT, ECS...) become
 * one state again (a global call forgets the caller's scratch registers and what the callee may
 * write through `q`), so the rest of the program is verified once. Inlined there it saved 3-10
 * ns, but took that program from ~140k to ~300k verified instructions
 * (bench/results/xdp_query_cost.md, "Never-reflect and RRL"). The call costs 2-5 ns. */
__noinline int limit_response(struct xdp_md *ctx, const struct xgslb_settings *settings, const struct dns_query *q,
			      const struct xgslb_listen_set *listen_set)
{
	/* A global function's pointer arguments may be NULL as far as the verifier knows. The
	 * kernel's "arg:nonnull" BTF tag would drop these tests, but only Linux >= 6.8 knows it (an
	 * older verifier rejects the program), and without them nothing measurable changed. */
	if (!ctx || !settings || !q || !listen_set)
		return XGSLB_C_pass_malformed;
	return rrl_decide(ctx, settings, q, listen_set);
}
