/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a set may sit in xgslb_express (the express table, maps/xgslb_abi.h): slot
 * xgslb_express_slot_index() or the next one (wrapping), shared by the XDP program and the
 * userspace writer so both probe the same two slots. The name hash is already a finished
 * 64-bit mix (maps/name_hash.h), so its low bits are uniform; the qtype is mixed in so a
 * name's A and AAAA sets do not compete for the same two slots.
 */
#ifndef XGSLB_EXPRESS_SLOT_INDEX_H
#define XGSLB_EXPRESS_SLOT_INDEX_H

#include <linux/types.h>

#include "maps/name_hash.h"

#define XGSLB_EXPRESS_PROBES 2

/* `mask`: the number of slots (a power of two) minus one. */
XGSLB_HASH_FN __u32 xgslb_express_slot_index(__u64 name_hash, __u16 qtype, __u32 mask)
{
	return ((__u32)name_hash ^ ((__u32)qtype * 0x9e3779b9u)) & mask;
}

#endif /* XGSLB_EXPRESS_SLOT_INDEX_H */
