/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel/userspace ABI of xgslb: every struct, limit and map name that the XDP program and
 * the C++ side share. Declared once, here; C++ checks sizes and offsets with static_asserts
 * (maps/abi_checks.h). Only fixed-width __u types and explicit padding, so the layout is the same
 * for clang -target bpf and for g++.
 *
 * How a query is answered from these maps (see bpf/xgslb.bpf.c):
 *   1. The question name is lowercased and hashed (maps/name_hash.h) into a 128-bit keyed hash:
 *      `hash` keys the maps, `check` is stored in the value and compared, so a 64-bit collision
 *      can never produce a wrong answer (the query is passed to the slow path instead).
 *   2. A and AAAA look up xgslb_rrsets {hash, qtype}: the value holds the answer section ready
 *      to copy (owner compressed to the question, offset 12). Small Fixed and Rotate sets are
 *      looked for first in xgslb_express (below), an array the verifier inlines; a miss there
 *      always falls back to xgslb_rrsets.
 *   3. Otherwise xgslb_names {hash} says whether the name exists (NODATA) and in which zone;
 *      a missing name is looked up suffix by suffix until a zone apex is found (NXDOMAIN) or
 *      not (out of zone: passed).
 *   4. Negative answers take the zone's SOA record from xgslb_zones.
 *   5. A strategy's set (xgslb_rrset.selection) picks or orders its records per query: Rotate by
 *      a per-CPU counter (xgslb_rotation), Weighted by bpf_get_prandom_u32, Geo by the client's
 *      address (EDNS Client Subnet, else the packet's source) looked up in xgslb_geo.
 */
#ifndef XGSLB_ABI_H
#define XGSLB_ABI_H

#include <linux/types.h>

/* Map names, as pinned under /sys/fs/bpf/xgslb/<instance>/ and as named in the BPF object. */
#define XGSLB_MAP_SETTINGS "xgslb_settings"
#define XGSLB_MAP_LISTEN   "xgslb_listen"
#define XGSLB_MAP_NAMES    "xgslb_names"
#define XGSLB_MAP_RRSETS   "xgslb_rrsets"
#define XGSLB_MAP_ZONES    "xgslb_zones"
#define XGSLB_MAP_STATS    "xgslb_stats"
#define XGSLB_MAP_SCRATCH  "xgslb_scratch"
#define XGSLB_MAP_GEO      "xgslb_geo"
#define XGSLB_MAP_ROTATION "xgslb_rotation"
#define XGSLB_MAP_EXPRESS  "xgslb_express"
#define XGSLB_MAP_PROGRAMS "xgslb_programs" /* PROG_ARRAY[1]: the general program, the express one's tail call */
#define XGSLB_PROG_NAME    "xgslb_xdp"
#define XGSLB_PIN_ROOT     "/sys/fs/bpf/xgslb"

/* Limits. */
#define XGSLB_NAME_WIRE_MAX       255  /* RFC 1035 2.3.4, octets in wire form */
#define XGSLB_NAME_TEXT_MAX       256  /* presentation form kept for bpftool, NUL-terminated */
#define XGSLB_MAX_LABELS          127
#define XGSLB_MAX_SUFFIX_PROBES   8    /* labels below the apex XDP will look through for NXDOMAIN */
#define XGSLB_MAX_RRSET_RECORDS   32
#define XGSLB_RR_A_LEN            16   /* ptr(2) type(2) class(2) ttl(4) rdlen(2) rdata(4) */
#define XGSLB_RR_AAAA_LEN         28
#define XGSLB_RRSET_WIRE_MAX      (XGSLB_MAX_RRSET_RECORDS * XGSLB_RR_AAAA_LEN)
/* SOA record after its owner pointer: type class ttl rdlen, two names, five 32-bit fields. */
#define XGSLB_SOA_WIRE_MAX        (10 + 2 * XGSLB_NAME_WIRE_MAX + 20)
#define XGSLB_OPT_RR_LEN          11
#define XGSLB_DEFAULT_MAX_NAMES   65536
#define XGSLB_DEFAULT_MAX_RRSETS  131072
#define XGSLB_MAX_ZONES           256
#define XGSLB_MAX_LISTEN          64
#define XGSLB_MIN_UDP_PAYLOAD     512  /* RFC 1035 4.2.1; also the floor for EDNS (RFC 6891 6.2.3) */
#define XGSLB_MAX_GROUPS          8    /* strategy groups per set (geo tags, regions) */
#define XGSLB_MAX_WEIGHT          1000 /* k8gb's weight range, 0..1000 */
#define XGSLB_MAX_GEO_PREFIXES    262144
#define XGSLB_EDNS_OPTION_ECS     8    /* RFC 7871 */
#define XGSLB_ECS_MAX_LEN         24   /* the ECS option, code and length included, IPv6 /128 */

/* DNS constants the program needs. */
#define XGSLB_DNS_TYPE_A     1
#define XGSLB_DNS_TYPE_AAAA  28
#define XGSLB_DNS_TYPE_OPT   41
#define XGSLB_DNS_CLASS_IN   1

/* xgslb_settings[0]: per-instance constants. Written once when the maps are created; the
 * hash seeds never change afterwards, because every key in the maps depends on them. */
struct xgslb_settings {
	__u64 hash_seed[2];
	__u16 udp_payload_size;   /* advertised in our OPT and the cap on response size */
	__u16 pad0;
	__u32 pad1;
};

/* xgslb_listen: the addresses and ports the XDP program answers for. Any other destination is
 * passed untouched (another DNS server on the same node keeps working). An ARRAY_OF_MAPS of one
 * entry holding an ARRAY of one xgslb_listen_set, compared linearly: two inlined array lookups
 * instead of a hash lookup per packet. A set is never written in place: a change creates a new
 * inner map, fills it and swaps it in with one update of the outer entry (the syscall waits for
 * an RCU grace period), so a reader sees the old set or the new one, never a mix. */
#define XGSLB_MAP_LISTEN_SET "xgslb_listenset" /* name of each inner map (15 octets max) */
#define XGSLB_FAMILY_IPV4 4
#define XGSLB_FAMILY_IPV6 6
struct xgslb_listen_key {
	__u8  family;             /* XGSLB_FAMILY_* */
	__u8  pad;
	__u16 port;               /* network byte order */
	__u8  addr[16];           /* IPv4 in the first 4 bytes, the rest zero */
};
struct xgslb_listen_set {
	__u32 count;              /* entries used in keys */
	__u32 pad;
	struct xgslb_listen_key keys[XGSLB_MAX_LISTEN];
};

struct xgslb_name_key {
	__u64 hash;               /* name_hash.h: hash of the lowercased wire name */
};

/* Flags of a name (xgslb_name.flags). */
#define XGSLB_NAME_APEX        (1u << 0) /* a zone apex: NXDOMAIN search stops here */
#define XGSLB_NAME_OTHER_TYPES (1u << 1) /* has types besides A/AAAA: other qtypes are passed */
#define XGSLB_NAME_PASS        (1u << 2) /* XDP must not answer at this name (CNAME, hash clash) */
#define XGSLB_NAME_DELEGATION  (1u << 3) /* zone cut: this name and everything below is passed */

/* xgslb_names: every name that exists in a served zone, empty non-terminals included, so that
 * a missing name is NXDOMAIN and an existing one without the type is NODATA (RFC 8020). */
struct xgslb_name {
	__u64 check;              /* second half of the 128-bit hash; mismatch => pass */
	__u32 zone_id;            /* key of xgslb_zones */
	__u32 flags;              /* XGSLB_NAME_* */
	char  text[XGSLB_NAME_TEXT_MAX]; /* presentation form, for operators; never read by XDP */
};

struct xgslb_rrset_key {
	__u64 name_hash;
	__u16 qtype;              /* host byte order */
	__u16 pad[3];
};

/* What a query does with a set's records (strategies/strategy.h, Selection). */
#define XGSLB_SELECT_FIXED    0 /* all, in order */
#define XGSLB_SELECT_ROTATE   1 /* all, starting at record (per-CPU counter % count) */
#define XGSLB_SELECT_WEIGHTED 2 /* all, groups ordered by weighted random draws without
				 * replacement, weight-0 groups last in published order */
#define XGSLB_SELECT_GEO      3 /* the group whose region is the client's; all when none is */

/* A group: records [first, first + count) of a set. Records are an even number of octets, so
 * moving whole records around keeps the section's checksum; only Geo, which sends one group,
 * needs the group's own sum. */
struct xgslb_rrset_group {
	__u16 first;
	__u16 count;
	__u16 weight;             /* Weighted: 0..XGSLB_MAX_WEIGHT */
	__u16 wire_csum;          /* ones'-complement sum of the group's records */
	__u32 region;             /* Geo: xgslb_geo region id; 0 = in no region, never matched */
	__u32 pad;
};

/* xgslb_rrsets: one A or AAAA set, as the answer section to copy. Every record in `wire` is
 * `record_len` octets, owner a pointer to the question (0xc00c), so a strategy can rotate them.
 * The records are stored twice in a row, so any rotation is one contiguous copy. */
struct xgslb_rrset {
	__u64 check;
	__u32 ttl;                /* also inside `wire`; kept for display */
	__u16 count;              /* records in wire (once) */
	__u16 record_len;         /* XGSLB_RR_A_LEN or XGSLB_RR_AAAA_LEN */
	__u16 wire_len;           /* count * record_len */
	__u16 wire_csum;          /* ones'-complement sum of the records (once), as if at an even offset */
	__u8  selection;          /* XGSLB_SELECT_* */
	__u8  group_count;        /* groups used; 0 for Fixed */
	__u16 weight_total;       /* Weighted: sum of the groups' weights */
	struct xgslb_rrset_group groups[XGSLB_MAX_GROUPS];
	__u8  wire[2 * XGSLB_RRSET_WIRE_MAX];
};

/*
 * xgslb_express: an accelerator in front of xgslb_rrsets, which stays the complete truth. An
 * array lookup is inlined by the verifier; a hash-map lookup is a call that hashes the 16-octet
 * key and walks a bucket (~29 ns of a ~100 ns answer). Each slot holds one small A/AAAA set
 * ready to answer: at most XGSLB_EXPRESS_MAX_A A or XGSLB_EXPRESS_MAX_AAAA AAAA records, stored
 * twice like xgslb_rrset.wire so a rotation is one copy, selection Fixed or Rotate only (Weighted
 * and Geo need groups).
 *
 * A slot holds its owner name itself (lowercased wire form, names up to XGSLB_EXPRESS_NAME_MAX
 * octets; longer ones are only in xgslb_rrsets) with a compare mask per word, so the program
 * matches a query by comparing names (maps/express_slot_index.h proves the compare is the
 * case-insensitive equality): no name hash at all on a hit, and no collision can ever answer
 * from the table. A set sits in its home slot, xgslb_express_slot_index() over the name, or in
 * the next one while home holds another set; one that finds both taken is only in xgslb_rrsets.
 *
 * Written by userspace through mmap (BPF_F_MMAPABLE) as a seqlock, never locked: `sequence` is
 * odd while a slot is being written. The program reads the sequence (odd: a miss, and
 * xgslb_rrsets answers), compares the name, writes the response from the slot's fields and
 * records, then reads the sequence again: changed, the response may mix two versions of the
 * slot, and the frame is dropped, never sent (bpf/express_answer.h).
 * userspace/express_table.h is the writer; the publisher's order is in userspace/publisher.h.
 */
#define XGSLB_EXPRESS_MAX_A       7
#define XGSLB_EXPRESS_MAX_AAAA    4
#define XGSLB_EXPRESS_WIRE_MAX    (XGSLB_EXPRESS_MAX_A * XGSLB_RR_A_LEN) /* 112 = 4 * 28 too */
/* 64 octets hold the names GSLB serves (app.cloud.example.com is 23, a k8gb
 * localtargets-<host> name ~45) and keep a slot at 384 octets. */
#define XGSLB_EXPRESS_NAME_MAX    64
#define XGSLB_EXPRESS_NAME_WORDS  (XGSLB_EXPRESS_NAME_MAX / 8)
#define XGSLB_DEFAULT_EXPRESS_SLOTS 65536 /* a power of two; 384 octets each: 24 MiB */
#define XGSLB_MIN_EXPRESS_SLOTS   64
#define XGSLB_MAX_EXPRESS_SLOTS   (1u << 21) /* 768 MiB */
struct xgslb_express_slot {
	__u32 sequence;           /* seqlock: odd while userspace writes this slot */
	__u16 qtype;              /* XGSLB_DNS_TYPE_A or _AAAA; 0: empty */
	__u8  selection;          /* XGSLB_SELECT_FIXED or XGSLB_SELECT_ROTATE */
	__u8  count;              /* records in wire (once), >= 1 */
	__u64 hash;               /* xgslb_rrset_key.name_hash: the writer's bookkeeping, never read by XDP */
	__u32 ttl;                /* also inside `wire`; kept for display */
	__u16 wire_csum;          /* as xgslb_rrset.wire_csum */
	__u8  wire_len;           /* count * record_len, <= XGSLB_EXPRESS_WIRE_MAX */
	__u8  record_len;         /* XGSLB_RR_A_LEN or XGSLB_RR_AAAA_LEN */
	__u8  name_len;           /* wire octets of the owner, 1..XGSLB_EXPRESS_NAME_MAX */
	__u8  pad[7];
	__u64 name[XGSLB_EXPRESS_NAME_WORDS];      /* the owner lowercased, little-endian words, zero after */
	__u64 name_mask[XGSLB_EXPRESS_NAME_WORDS]; /* per octet: 0xdf a letter, 0xff other, 0 past the name */
	__u8  wire[2 * XGSLB_EXPRESS_WIRE_MAX];    /* the records twice in a row, zero after */
};

/* xgslb_geo: an LPM trie of client prefixes -> region. The key's data is the family octet
 * (XGSLB_FAMILY_*) then the address, so prefixlen = 8 + the address prefix length; the value
 * repeats that address prefix length, which the response's ECS scope is (RFC 7871 7.2.1). */
struct xgslb_geo_key {
	__u32 prefixlen;
	__u8  family;
	__u8  addr[16];
	__u8  pad[3];             /* past every prefixlen used: never compared */
};
struct xgslb_geo_region {
	__u32 region;             /* 1.. (0 is "no region") */
	__u8  prefix_len;
	__u8  pad[3];
};

/* Flags of a zone. */
#define XGSLB_ZONE_HAS_WILDCARD (1u << 0) /* names missing from xgslb_names may still exist */

/* xgslb_zones: what negative answers need. soa_wire is the SOA record as it follows the
 * owner name (a pointer the program writes), with TTL = min(SOA TTL, SOA minimum) (RFC 2308). */
struct xgslb_zone {
	__u16 apex_len;           /* wire length of the apex name */
	__u16 soa_wire_len;
	__u16 soa_wire_csum;      /* ones'-complement sum of soa_wire, as if at an even offset */
	__u16 flags;              /* XGSLB_ZONE_* */
	__u8  soa_wire[XGSLB_SOA_WIRE_MAX];
	__u8  pad[2];
	char  text[XGSLB_NAME_TEXT_MAX];
};

/*
 * Counters, one per-CPU struct (xgslb_stats[0]). The X-macro gives both the struct fields and
 * their names, so C++ prints them without repeating the list. Pass reasons come in the order
 * the program checks them.
 */
#define XGSLB_COUNTERS(X)                                                                 \
	X(packets_seen)                                                                   \
	X(answered_a)                                                                     \
	X(answered_aaaa)                                                                  \
	X(answered_nodata)                                                                \
	X(answered_nxdomain)                                                              \
	X(dropped)            /* packet already rewritten when a write failed */          \
	X(answered_rrl_slip)  /* over the rate limit, slipped: TC=1, question only (bpf/rrl.h) */ \
	X(dropped_rrl)        /* over the rate limit, not slipped */                      \
	X(dropped_reflection) /* from a reflection port or one of our own addresses */   \
	X(pass_not_ip)        /* not IPv4/IPv6, or more than two VLAN tags */              \
	X(pass_ip_unsupported) /* IPv4 options or fragment, IPv6 extension headers */     \
	X(pass_not_udp)                                                                   \
	X(pass_not_listen)    /* UDP to an address/port we do not answer for */           \
	X(pass_malformed)     /* lengths inconsistent, truncated, bad UDP checksum field */ \
	X(pass_not_query)     /* QR=1 or opcode != QUERY */                               \
	X(pass_counts)        /* QDCOUNT != 1, ANCOUNT/NSCOUNT != 0 or ARCOUNT > 1 */      \
	X(pass_bad_name)      /* compression pointer, bad label type, too long */         \
	X(pass_edns)          /* additional record not an OPT we handle (version, options) */ \
	X(pass_trailing_data)                                                             \
	X(pass_qclass)                                                                    \
	X(pass_qtype)         /* meta and parent-side types: ANY, AXFR, DS, ... */       \
	X(pass_name_flags)    /* name marked PASS, delegation, or other types present */  \
	X(pass_hash_check)    /* 64-bit hash matched a different name */                   \
	X(pass_not_in_zone)   /* no served zone encloses the name (or too deep to tell) */ \
	X(pass_wildcard_zone)                                                             \
	X(pass_too_large)     /* answer exceeds the client's UDP size */                   \
	X(pass_no_room)       /* bpf_xdp_adjust_tail refused */                          \
	X(strategy_fixed)     /* A/AAAA answers by the set's selection (XGSLB_SELECT_*): */ \
	X(strategy_rotate)    /* roundRobin and failover rotate, weighted roundRobin     */ \
	X(strategy_weighted)  /* draws, geoip picks by region; fixed: no strategy.       */ \
	X(strategy_geo)       /* Also counted in answered_a/aaaa.                        */ \
	X(pass_no_general)    /* xgslb_programs emptied: the general program unreachable */
/* New counters go last, so older indices hold. */

enum xgslb_counter {
#define XGSLB_COUNTER_ENUM(name) XGSLB_C_##name,
	XGSLB_COUNTERS(XGSLB_COUNTER_ENUM)
#undef XGSLB_COUNTER_ENUM
	XGSLB_COUNTER_COUNT
};

struct xgslb_stats {
#define XGSLB_COUNTER_FIELD(name) __u64 name;
	XGSLB_COUNTERS(XGSLB_COUNTER_FIELD)
#undef XGSLB_COUNTER_FIELD
};

/* xgslb_scratch[0]: per-CPU parse results. The program stores offsets and lengths here and
 * reads them back: the verifier does not track map memory, so it then sees one bounded unknown
 * value instead of one concrete value per parse path (VLAN depth, IP version, label-walk exit),
 * and all paths share a single verified continuation instead of multiplying. */
struct xgslb_scratch {
	__u16 l3_off;             /* IPv4/IPv6 header, from the start of the frame */
	__u16 dns_off;            /* DNS header */
	__u16 dns_len;            /* UDP payload length */
	__u16 name_len;           /* question name, wire octets including the root label */
	__u8  family;             /* XGSLB_FAMILY_* */
	/* Set by the express program right before its tail call, cleared by the general program when
	 * it reads them: 1 when the Ethernet, IP and UDP headers passed every check parse_headers
	 * makes, and the fields above and the source below hold what it would store. */
	__u8  headers_checked;
	__u16 source_port;        /* host order */
	__u32 source_addr[4];     /* as in the packet; IPv4 in the first word, the rest zero */
};

/*
 * ---- Response rate limiting and never-reflect (bpf/rrl.h, bpf/reflection.h) -------------------
 *
 * Every standard query the program has parsed (answered by XDP or about to be passed to the
 * slow path) is first checked against these rules, so the node's UDP responses to a client
 * prefix are limited whichever path would answer:
 *   1. Never reflect: a query from a source port in XGSLB_REFLECTION_PORTS or from one of our
 *      listen addresses is dropped (userspace/reflection_guard.h applies the same list).
 *   2. Rate limit: one token bucket per client prefix (the source address masked to
 *      ipv4_prefix / ipv6_prefix bits) and CPU, in the slot of xgslb_rrl that a keyed hash of
 *      the prefix names (maps/rrl_bucket_index.h: prefixes sharing a slot share its bucket,
 *      which is only ever stricter). Over the limit, every slip-th query gets a TC=1 response
 *      holding only the question (and OPT), so a real client retries over TCP; the others are
 *      dropped. Prefixes in xgslb_rrl_allow are never limited.
 */
#define XGSLB_MAP_RRL_CONFIG "xgslb_rrl_conf"  /* ARRAY[1] of xgslb_rrl_config */
#define XGSLB_MAP_RRL        "xgslb_rrl"       /* PERCPU_ARRAY[XGSLB_RRL_BUCKETS] of xgslb_rrl_bucket */
#define XGSLB_MAP_RRL_ALLOW  "xgslb_rrl_allow" /* LPM_TRIE xgslb_rrl_allow_key -> __u32 */
#define XGSLB_RRL_BUCKETS     65536 /* a power of two; 16 octets each, per CPU: 1 MiB per CPU */
#define XGSLB_RRL_MAX_ALLOW   1024

/*
 * Source ports no DNS client sends from: services that answer a spoofed datagram with a
 * datagram, so a response to them would start a loop or an amplification between two
 * reflectors. 53 is not here: old resolvers query from port 53.
 */
#define XGSLB_REFLECTION_PORTS(X)                 \
	X(0,     "invalid as a source port")       \
	X(7,     "echo")                            \
	X(13,    "daytime")                         \
	X(17,    "qotd")                            \
	X(19,    "chargen")                         \
	X(37,    "time")                            \
	X(111,   "portmap / rpcbind")               \
	X(123,   "NTP")                             \
	X(137,   "NetBIOS name service")            \
	X(138,   "NetBIOS datagram")                \
	X(161,   "SNMP")                            \
	X(162,   "SNMP trap")                       \
	X(389,   "CLDAP")                           \
	X(520,   "RIP")                             \
	X(1434,  "MS SQL browser")                  \
	X(1900,  "SSDP")                            \
	X(3283,  "Apple Remote Desktop")            \
	X(3702,  "WS-Discovery")                    \
	X(5353,  "mDNS")                            \
	X(11211, "memcached")
/* The highest port in the list: most client ports are above it, and are cleared by one compare
 * instead of a walk through the list (maps/abi_checks.cpp checks it is the highest). */
#define XGSLB_REFLECTION_PORT_MAX 11211

/* xgslb_rrl_conf[0], written by the daemon from the config's `rrl` section. Fields are read
 * one by one, so a packet racing a change may see some old and some new values: harmless. */
struct xgslb_rrl_config {
	__u64 interval_ns;        /* 1e9 / responses per second; 0: rate limiting off */
	__u64 burst_ns;           /* how far a bucket's clock may run ahead of now: burst x interval */
	__u32 slip;               /* every slip-th over-limit query gets TC=1; 0: never */
	__u32 ipv4_mask;          /* network order: the bits of an IPv4 source that name its client */
	__u32 ipv6_mask[4];       /* network order, the same for IPv6 */
	__u32 allow_count;        /* entries in xgslb_rrl_allow; 0 skips the lookup */
	__u8  ipv4_prefix;        /* the masks as prefix lengths, for operators */
	__u8  ipv6_prefix;
	__u8  pad[2];
};

/* A client address or prefix (masked), as the program handles it. */
struct xgslb_rrl_key {
	__u8  family;             /* XGSLB_FAMILY_* */
	__u8  pad[3];
	__u8  addr[16];           /* IPv4 in the first 4 octets, the rest zero */
};

/* One CPU's token bucket, kept as the time it would next be full (GCRA's theoretical arrival
 * time): a response is allowed when tat_ns + interval_ns - now <= burst_ns, and then moves
 * tat_ns on by interval_ns. One 64-bit clock instead of a token count and a timestamp. */
struct xgslb_rrl_bucket {
	__u64 tat_ns;             /* bpf_ktime_get_coarse_ns() clock; 0 (never used): full */
	__u32 over_limit;         /* over-limit queries since the last slip */
	__u32 pad;
};

/* xgslb_rrl_allow: LPM trie over (family, address), so IPv4 and IPv6 share one map;
 * prefixlen = 8 (the family octet) + the CIDR length. */
struct xgslb_rrl_allow_key {
	__u32 prefixlen;
	__u8  family;             /* XGSLB_FAMILY_* */
	__u8  addr[16];
	__u8  pad[3];
};

#endif /* XGSLB_ABI_H */
