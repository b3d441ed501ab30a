/* SPDX-License-Identifier: Apache-2.0 */
/* The rate limiter's clock (bpf/rrl.h): CLOCK_MONOTONIC as of the last timer tick, in ns, read
 * from jiffies. bpf_jiffies64() is a load the verifier inlines; bpf_ktime_get_coarse_ns(), the
 * same clock's value in ns, is a helper call, and a call costs ~7 ns a query on this host (the
 * kernel's call/return mitigations): measured interleaved, bench/results/xdp_query_cost.md.
 *
 * Same steps, same origin: jiffies advance by one each time CLOCK_MONOTONIC passes the next tick
 * (tick_do_update_jiffies64), and start at INITIAL_JIFFIES (-300 s worth, in 32 bits), so
 * (jiffies - INITIAL_JIFFIES) * tick is the coarse clock less a constant fixed at boot (the
 * time before the first tick: 0.12 s here), much less than a bucket's burst (1 s). Buckets
 * written by a program that read the helper therefore keep their meaning across a restart
 * (tests/bpf/xdp_rrl_test.cpp, ProgramClockIsTheCoarseMonotonicClock: within half a burst).
 *
 * CONFIG_HZ comes through libbpf's kconfig (xgslbd and the benchmarks pass it, derived from the
 * coarse clock's resolution: kernel_kconfig(), userspace/xdp_program.h; bpftool reads the
 * kernel's config file). The verifier
 * knows it as a constant, so only its branch is kept; an HZ not listed, or none, reads the
 * helper as before. */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int CONFIG_HZ __kconfig __weak;

/* (jiffies - INITIAL_JIFFIES) * TICK_NSEC for a literal HZ: both constants fold at compile time. */
#define RRL_JIFFIES_NS(hz) \
	((bpf_jiffies64() - (__u64)(__u32)(-300 * (hz))) * ((1000000000ULL + (hz) / 2) / (hz)))

static __always_inline __u64 rrl_clock_ns(void)
{
	if (CONFIG_HZ == 250)
		return RRL_JIFFIES_NS(250);
	if (CONFIG_HZ == 1000)
		return RRL_JIFFIES_NS(1000);
	if (CONFIG_HZ == 100)
		return RRL_JIFFIES_NS(100);
	if (CONFIG_HZ == 300)
		return RRL_JIFFIES_NS(300);
	return bpf_ktime_get_coarse_ns();
}
