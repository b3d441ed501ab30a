// The layout of every ABI struct, pinned: the BPF side is compiled by clang for -target bpf,
// this side by g++; a change to maps/xgslb_abi.h that moves a field fails the build here.
#include <cstddef>

#include "maps/xgslb_abi.h"

static_assert(sizeof(xgslb_settings) == 24);
static_assert(offsetof(xgslb_settings, udp_payload_size) == 16);
static_assert(sizeof(xgslb_listen_key) == 20);
static_assert(offsetof(xgslb_listen_key, port) == 2 && offsetof(xgslb_listen_key, addr) == 4);
static_assert(offsetof(xgslb_listen_set, keys) == 8 && sizeof(xgslb_listen_set) == 8 + 20 * XGSLB_MAX_LISTEN);
static_assert(sizeof(xgslb_name_key) == 8);
static_assert(sizeof(xgslb_name) == 16 + XGSLB_NAME_TEXT_MAX);
static_assert(offsetof(xgslb_name, zone_id) == 8 && offsetof(xgslb_name, flags) == 12);
static_assert(sizeof(xgslb_rrset_key) == 16 && offsetof(xgslb_rrset_key, qtype) == 8);
static_assert(offsetof(xgslb_rrset, count) == 12 && offsetof(xgslb_rrset, wire_len) == 16);
static_assert(offsetof(xgslb_rrset, selection) == 20 && offsetof(xgslb_rrset, weight_total) == 22);
static_assert(sizeof(xgslb_rrset_group) == 16 && offsetof(xgslb_rrset_group, region) == 8);
static_assert(offsetof(xgslb_rrset, groups) == 24);
static_assert(offsetof(xgslb_rrset, wire) == 24 + 16 * XGSLB_MAX_GROUPS);
static_assert(sizeof(xgslb_rrset) == 24 + 16 * XGSLB_MAX_GROUPS + 2 * XGSLB_RRSET_WIRE_MAX);
static_assert(sizeof(xgslb_express_slot) == 384, "one slot: six cache lines");
static_assert(offsetof(xgslb_express_slot, hash) == 8 && offsetof(xgslb_express_slot, ttl) == 16);
static_assert(offsetof(xgslb_express_slot, name_len) == 24 && offsetof(xgslb_express_slot, name) == 32);
static_assert(offsetof(xgslb_express_slot, name_mask) == 32 + XGSLB_EXPRESS_NAME_MAX);
static_assert(offsetof(xgslb_express_slot, wire) == 32 + 2 * XGSLB_EXPRESS_NAME_MAX);
static_assert(XGSLB_EXPRESS_NAME_MAX % 8 == 0 && XGSLB_EXPRESS_NAME_MAX <= 255, "whole words; name_len is a __u8");
static_assert(XGSLB_EXPRESS_MAX_AAAA * XGSLB_RR_AAAA_LEN <= XGSLB_EXPRESS_WIRE_MAX && XGSLB_EXPRESS_WIRE_MAX <= 255);
static_assert((XGSLB_DEFAULT_EXPRESS_SLOTS & (XGSLB_DEFAULT_EXPRESS_SLOTS - 1)) == 0, "the slot index is masked");
static_assert(sizeof(xgslb_geo_key) == 24 && offsetof(xgslb_geo_key, addr) == 5);
static_assert(sizeof(xgslb_geo_region) == 8);
static_assert(offsetof(xgslb_zone, soa_wire) == 8);
static_assert(sizeof(xgslb_zone) == 8 + XGSLB_SOA_WIRE_MAX + 2 + XGSLB_NAME_TEXT_MAX);
static_assert(sizeof(xgslb_stats) == XGSLB_COUNTER_COUNT * sizeof(__u64));
static_assert(sizeof(xgslb_scratch) == 28);
static_assert(XGSLB_RRSET_WIRE_MAX >= XGSLB_MAX_RRSET_RECORDS * XGSLB_RR_AAAA_LEN);
static_assert(XGSLB_SOA_WIRE_MAX % 2 == 0, "keeps text and the struct end aligned");
static_assert(sizeof(xgslb_rrl_config) == 48 && offsetof(xgslb_rrl_config, ipv6_mask) == 24);
static_assert(offsetof(xgslb_rrl_config, allow_count) == 40);
static_assert(sizeof(xgslb_rrl_key) == 20 && offsetof(xgslb_rrl_key, addr) == 4);
static_assert(sizeof(xgslb_rrl_bucket) == 16);
static_assert((XGSLB_RRL_BUCKETS & (XGSLB_RRL_BUCKETS - 1)) == 0, "the bucket index is a hash masked to the size");
static_assert(sizeof(xgslb_rrl_allow_key) == 24 && offsetof(xgslb_rrl_allow_key, addr) == 5);

// bpf/reflection.h clears every port above XGSLB_REFLECTION_PORT_MAX with one compare.
#define XGSLB_REFLECTION_PORT_AT_MOST_MAX(port, service) static_assert((port) <= XGSLB_REFLECTION_PORT_MAX, service);
XGSLB_REFLECTION_PORTS(XGSLB_REFLECTION_PORT_AT_MOST_MAX)
#undef XGSLB_REFLECTION_PORT_AT_MOST_MAX
