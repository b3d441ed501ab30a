/* SPDX-License-Identifier: Apache-2.0 */
/* Profiling only (bench/profile_xdp_stages.sh): a build with -DXGSLB_PROFILE_STOP_AFTER=N ends
 * the program after stage N with XDP_PASS, so the cost of a stage is the difference between two
 * builds timed on the same maps. Never defined in a real build, where PROFILE_STAGE is nothing. */
#pragma once

#ifdef XGSLB_PROFILE_STOP_AFTER
#define PROFILE_STAGE(n)                                  \
	do {                                              \
		if (XGSLB_PROFILE_STOP_AFTER == (n))     \
			return XGSLB_C_pass_malformed;    \
	} while (0)
#else
#define PROFILE_STAGE(n) do {} while (0)
#endif
