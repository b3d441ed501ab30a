/* SPDX-License-Identifier: Apache-2.0 */
/* Never reflect: a query from a port no DNS client uses (XGSLB_REFLECTION_PORTS: echo, chargen,
 * NTP, ...) or from one of our own listen addresses is a spoofed packet meant to make us the
 * first half of a loop or an amplification. It is dropped, not passed: the slow path would
 * only drop it too, after a trip up the stack (userspace/reflection_guard.h: the same ports;
 * a datagram from outside with our own address never reaches a socket, the kernel drops it as
 * a martian, but XDP runs before that check). */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"

static __always_inline int reflection_port(__u16 port_host_order)
{
	if (port_host_order > XGSLB_REFLECTION_PORT_MAX)
		return 0;
	switch (port_host_order) {
#define XGSLB_REFLECTION_CASE(port, service) case port:
	XGSLB_REFLECTION_PORTS(XGSLB_REFLECTION_CASE)
#undef XGSLB_REFLECTION_CASE
		return 1;
	}
	return 0;
}

/* Whether `addr` (16 octets, IPv4 in the first 4) of `family` is one of the addresses in the
 * listen set, whatever the port. The caller passes the set parse_headers scanned, so this costs
 * no lookups of its own. */
static __always_inline int own_address(const struct xgslb_listen_set *set, __u8 family, const __u32 addr[4])
{
	__u32 count = set->count;
	for (__u32 i = 0; i < XGSLB_MAX_LISTEN; i++) {
		if (i >= count)
			break;
		const struct xgslb_listen_key *k = &set->keys[i];
		const __u32 *have = (const __u32 *)k->addr;
		if (k->family == family && have[0] == addr[0] && have[1] == addr[1] && have[2] == addr[2] &&
		    have[3] == addr[3])
			return 1;
	}
	return 0;
}
