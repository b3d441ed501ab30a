/* SPDX-License-Identifier: Apache-2.0 */
/* The maps of the XDP program, typed with the ABI structs so bpftool shows field names. Hash
 * maps whose values the program reads in several parts are BPF_F_NO_PREALLOC: an update then
 * swaps in a new element and frees the old one after RCU, so a reader never sees a value that
 * is being overwritten (preallocated elements are recycled at once and could tear). */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps/xgslb_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xgslb_settings);
} xgslb_settings SEC(".maps");

/* The listen set (see xgslb_abi.h): the inner map is replaced, never written in place. Sizes,
 * not types: clang only emits a forward declaration for a struct named inside an inner map's
 * definition, and libbpf then cannot size it. */
struct xgslb_listen_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xgslb_listen_set));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct xgslb_listen_inner);
} xgslb_listen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XGSLB_DEFAULT_MAX_NAMES);
	__type(key, struct xgslb_name_key);
	__type(value, struct xgslb_name);
} xgslb_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XGSLB_DEFAULT_MAX_RRSETS);
	__type(key, struct xgslb_rrset_key);
	__type(value, struct xgslb_rrset);
} xgslb_rrsets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XGSLB_MAX_ZONES);
	__type(key, __u32);
	__type(value, struct xgslb_zone);
} xgslb_zones SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xgslb_stats);
} xgslb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xgslb_scratch);
} xgslb_scratch SEC(".maps");

/* Client prefix -> region (Geo sets). Written by the publisher, diffed like the others. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XGSLB_MAX_GEO_PREFIXES);
	__type(key, struct xgslb_geo_key);
	__type(value, struct xgslb_geo_region);
} xgslb_geo SEC(".maps");

/* Rotate's per-CPU counter: no atomics, and each CPU still walks every starting record. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xgslb_rotation SEC(".maps");

/* The express table (xgslb_abi.h): sized by userspace before load (xdp.expressSlots; one slot
 * when disabled), mmap'ed by its writer. An ARRAY, so the verifier inlines every lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XGSLB_DEFAULT_EXPRESS_SLOTS);
	__type(key, __u32);
	__type(value, struct xgslb_express_slot);
} xgslb_express SEC(".maps");

/* The published listen set (xgslb_listen's one inner map), or NULL before the first publish. */
static __always_inline const struct xgslb_listen_set *published_listen_set(void)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&xgslb_listen, &zero);
	if (!inner)
		return 0;
	return bpf_map_lookup_elem(inner, &zero);
}

