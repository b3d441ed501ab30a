// The results of one run of bench/xdp_query_cost and how they are shown: a Markdown table per
// run, JSON for later runs and plots to read back, and a table of the spread across runs.
// Kept apart from the measuring so the bigger benchmark (issue 8) can reuse both halves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/time_distribution.h"

namespace xgslb::bench {

struct ProgramTimes {
    Distribution kernel;  // BPF_PROG_TEST_RUN's own `duration` (repeat = 1: one run)
    Distribution wall;    // the whole bpf() call as user space sees it, for reference
    uint64_t calls = 0;
};

struct CaseResult {
    std::string id;           // stable across runs: the key of the spread table
    std::string description;  // what the query is
    bool headline = false;    // the target case
    size_t frame_octets = 0, response_octets = 0;
    ProgramTimes empty, reflect, xgslb;  // all three measured on this case's frame

    // Medians net of the empty program on the same frame, same time slots.
    int64_t net() const { return xgslb.kernel.median - empty.kernel.median; }
    // The same with the means (time_distribution.h: finer where the kernel's clock is coarse).
    double net_mean() const { return xgslb.kernel.mean - empty.kernel.mean; }
    double reflect_net_mean() const { return reflect.kernel.mean - empty.kernel.mean; }
    int64_t reflect_net() const { return reflect.kernel.median - empty.kernel.median; }
    int64_t wall_net() const { return xgslb.wall.median - empty.wall.median; }
};

struct Machine {
    std::string kernel, cpu, date, command;
    int pinned_cpu = -1;
};

// Sizes the kernel reports for a loaded program (all its subprograms together).
struct ProgramSize {
    std::string name;
    uint32_t xlated_octets = 0, jited_octets = 0;  // xlated / 8 = BPF instructions
};

struct RunResult {
    Machine machine;
    std::vector<ProgramSize> programs;
    uint64_t rounds = 0, block = 0;  // calls per (case, program) = rounds * block
    std::string rrl;                 // response rate limiting of the measured instance
    int64_t target_net_ns = 100;
    std::vector<CaseResult> cases;
    Distribution empty_pooled;       // the fixed cost of a call, all cases together
};

std::string markdown(const RunResult& run);
// One row per case: net ns of each run, min-max, and the ratio to the reflector per run.
std::string spread_markdown(const std::vector<RunResult>& runs);

nlohmann::json to_json(const RunResult& run);
RunResult run_from_json(const nlohmann::json& j);

}  // namespace xgslb::bench
