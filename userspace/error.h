// The one error style of xgslb: functions that fail throw xgslb::Error with a message a user
// can act on; only the edges (main, a request handler, a test) catch. No error codes in C++.
#pragma once

#include <stdexcept>
#include <string>

namespace xgslb {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "what: strerror(errno)" for a failed system or libbpf call (libbpf returns -errno).
[[noreturn]] void throw_errno(const std::string& what, int err);

}  // namespace xgslb
