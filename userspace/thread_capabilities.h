// Changing the capabilities of every thread of the process, not only the caller's.
//
// Linux keeps capability sets, the bounding set, the ambient set and no_new_privs per thread:
// capset(2) and prctl(2) change the calling thread only, and threads that already run keep what
// they had. xgslbd starts its slow-path workers, control socket, metrics endpoint, model loop
// and peers before the start-up work that needs its broad set is done, so it drops afterwards
// and must reach those threads too. This does what glibc does for setuid(2) (nptl's setxid
// broadcast): each other thread gets a signal, and its handler makes the same system calls on
// itself, one thread at a time, until a listing of /proc/self/task finds no thread left.
//
// Why not libcap's libpsx, which does the same: it learns about threads only through
// `-Wl,--wrap=pthread_create`, and that link-time wrap does not reach threads created inside
// shared libraries — libstdc++'s std::thread (every thread of ours) or libcurl's resolver — so
// exactly the threads this is for would be left with their start-time set.
#pragma once

#include <cstdint>

namespace xgslb {

struct ThreadCapabilities {
    uint64_t keep = 0;            // the effective and permitted sets (bit n = capability n)
    unsigned last_cap = 0;        // /proc/sys/kernel/cap_last_cap
    bool clear_bounding = false;  // needs CAP_SETPCAP in the effective set at the time
};

// On the calling thread: bounding set cleared (when asked), ambient set cleared, no_new_privs
// set, inheritable cleared, effective and permitted = keep. Only raw system calls, so it can
// run in a signal handler. Returns 0 or the errno of the first call that failed.
int apply_to_calling_thread(const ThreadCapabilities& change);

// The same on every thread of the process, the caller first. Threads started meanwhile inherit
// the new sets from a thread already changed, or are found by the next listing. Throws
// xgslb::Error naming the thread (tid) that failed or did not answer within a second (a thread
// blocking the signal), after changing all the others.
void apply_to_every_thread(const ThreadCapabilities& change);

}  // namespace xgslb
