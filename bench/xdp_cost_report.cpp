#include "bench/xdp_cost_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace xgslb::bench {

namespace {

std::string ratio(double net, double reference) {
    // A reflector net of a few ns is within the noise of the subtraction: a ratio to it is not a number.
    if (reference < 1) return "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", net / reference);
    return buf;
}

std::string one_decimal(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string spread_of(const std::vector<int64_t>& values) {
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    return std::to_string(*lo) + "–" + std::to_string(*hi);
}

std::string joined(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

const CaseResult* headline(const RunResult& run) {
    for (const auto& c : run.cases)
        if (c.headline) return &c;
    return run.cases.empty() ? nullptr : &run.cases.front();
}

}  // namespace

std::string markdown(const RunResult& run) {
    std::ostringstream out;
    const auto& e = run.empty_pooled;
    out << "Fixed cost of one `BPF_PROG_TEST_RUN` call (empty `XDP_PASS` program, all cases pooled): **" << e.median
        << " ns** kernel-reported (p10 " << e.p10 << ", p90 " << e.p90 << "). " << run.rounds * run.block
        << " calls per program and case, interleaved in blocks of " << run.block << ". RRL: "
        << (run.rrl.empty() ? "off" : run.rrl)
        << ". The mean columns (calls up to the 99th percentile) resolve what medians cannot where the "
           "kernel's clock moves in coarse steps (bench/time_distribution.h); the ratio to the MAC swap uses them.\n";
    out << "\n| case | octets in → out | xgslb ns/call, median (p10–p90) | **net ns** | net ns, mean "
           "| MAC-swap net ns, mean | net ÷ MAC-swap net | wall-clock net ns |\n";
    out << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& c : run.cases) {
        const auto& x = c.xgslb.kernel;
        const std::string name = c.headline ? "**" + c.description + "** (target)" : c.description;
        out << "| " << name << " | " << c.frame_octets << " → " << c.response_octets << " | " << x.median << " ("
            << x.p10 << "–" << x.p90 << ") | **" << c.net() << "** | " << one_decimal(c.net_mean()) << " | "
            << one_decimal(c.reflect_net_mean()) << " | " << ratio(c.net_mean(), c.reflect_net_mean()) << " | "
            << c.wall_net() << " |\n";
    }
    // Met only when both estimates are within the target: the median alone can be a clock step off.
    if (const CaseResult* h = headline(run)) {
        const bool met = h->net() <= run.target_net_ns && h->net_mean() <= static_cast<double>(run.target_net_ns);
        out << "\nTarget case: " << h->net() << " ns net (median; mean " << one_decimal(h->net_mean())
            << ") against a target of ≤ " << run.target_net_ns << " ns — " << (met ? "met" : "**missed**") << ".\n";
    }
    if (!run.programs.empty()) {
        std::vector<std::string> sizes;
        for (const auto& p : run.programs)
            sizes.push_back("`" + p.name + "` " + std::to_string(p.xlated_octets / 8) + " BPF insns, " +
                            std::to_string(p.jited_octets) + " octets JITed");
        out << "\nProgram sizes: " << joined(sizes, "; ") << ".\n";
    }
    return out.str();
}

std::string spread_markdown(const std::vector<RunResult>& runs) {
    std::ostringstream out;
    if (runs.empty()) return "";
    const size_t n = runs.size();
    out << "| case | net ns, runs 1–" << n << " | net min–max | net ns from the means, per run "
           "| MAC-swap net ns (means), per run | net ÷ MAC-swap, per run |\n";
    out << "|---|---:|---:|---:|---:|---:|\n";
    std::vector<int64_t> fixed;
    for (const auto& r : runs) fixed.push_back(r.empty_pooled.median);
    std::vector<std::string> fixed_text;
    for (auto v : fixed) fixed_text.push_back(std::to_string(v));
    out << "| fixed cost of a call (empty XDP_PASS, median ns) | " << joined(fixed_text, " / ") << " | "
        << spread_of(fixed) << " | | | |\n";
    for (const auto& first : runs.front().cases) {
        std::vector<int64_t> nets;
        std::vector<std::string> net_text, mean_text, reflect_text, ratio_text;
        for (const auto& r : runs) {
            auto it = std::find_if(r.cases.begin(), r.cases.end(), [&](const CaseResult& c) { return c.id == first.id; });
            if (it == r.cases.end()) continue;
            nets.push_back(it->net());
            net_text.push_back(std::to_string(it->net()));
            mean_text.push_back(one_decimal(it->net_mean()));
            reflect_text.push_back(one_decimal(it->reflect_net_mean()));
            ratio_text.push_back(ratio(it->net_mean(), it->reflect_net_mean()));
        }
        const std::string name = first.headline ? "**" + first.description + "**" : first.description;
        out << "| " << name << " | " << joined(net_text, " / ") << " | " << spread_of(nets) << " | "
            << joined(mean_text, " / ") << " | " << joined(reflect_text, " / ") << " | " << joined(ratio_text, " / ") << " |\n";
    }
    return out.str();
}

namespace {

nlohmann::json dist_json(const Distribution& d) {
    return {{"median", d.median}, {"p10", d.p10}, {"p90", d.p90}, {"mean", d.mean}};
}

// Results written before the mean was kept read back with the median in its place.
Distribution dist_from(const nlohmann::json& j) {
    Distribution d;
    d.median = j.at("median").get<int64_t>();
    d.p10 = j.at("p10").get<int64_t>();
    d.p90 = j.at("p90").get<int64_t>();
    d.mean = j.value("mean", static_cast<double>(d.median));
    return d;
}

nlohmann::json times_json(const ProgramTimes& t) {
    return {{"kernel_ns", dist_json(t.kernel)}, {"wall_ns", dist_json(t.wall)}, {"calls", t.calls}};
}

ProgramTimes times_from(const nlohmann::json& j) {
    return ProgramTimes{dist_from(j.at("kernel_ns")), dist_from(j.at("wall_ns")), j.at("calls").get<uint64_t>()};
}

}  // namespace

nlohmann::json to_json(const RunResult& run) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : run.cases)
        cases.push_back({{"id", c.id},
                         {"description", c.description},
                         {"headline", c.headline},
                         {"frame_octets", c.frame_octets},
                         {"response_octets", c.response_octets},
                         {"net_ns", c.net()},
                         {"reflect_net_ns", c.reflect_net()},
                         {"net_mean_ns", c.net_mean()},
                         {"reflect_net_mean_ns", c.reflect_net_mean()},
                         {"wall_net_ns", c.wall_net()},
                         {"programs",
                          {{"xdp_pass", times_json(c.empty)},
                           {"xdp_reflect", times_json(c.reflect)},
                           {"xgslb", times_json(c.xgslb)}}}});
    nlohmann::json programs = nlohmann::json::array();
    for (const auto& p : run.programs)
        programs.push_back({{"name", p.name}, {"xlated_octets", p.xlated_octets}, {"jited_octets", p.jited_octets}});
    return {{"benchmark", "xdp_query_cost"},
            {"machine",
             {{"kernel", run.machine.kernel},
              {"cpu", run.machine.cpu},
              {"date", run.machine.date},
              {"command", run.machine.command},
              {"pinned_cpu", run.machine.pinned_cpu}}},
            {"programs", programs},
            {"rounds", run.rounds},
            {"rrl", run.rrl},
            {"block", run.block},
            {"target_net_ns", run.target_net_ns},
            {"fixed_cost_ns", dist_json(run.empty_pooled)},
            {"cases", cases}};
}

RunResult run_from_json(const nlohmann::json& j) {
    RunResult run;
    const auto& m = j.at("machine");
    run.machine = Machine{m.at("kernel"), m.at("cpu"), m.at("date"), m.at("command"), m.at("pinned_cpu")};
    for (const auto& p : j.value("programs", nlohmann::json::array()))
        run.programs.push_back(ProgramSize{p.at("name"), p.at("xlated_octets"), p.at("jited_octets")});
    run.rounds = j.at("rounds");
    run.block = j.at("block");
    run.rrl = j.value("rrl", "");
    run.target_net_ns = j.at("target_net_ns");
    run.empty_pooled = dist_from(j.at("fixed_cost_ns"));
    for (const auto& c : j.at("cases")) {
        CaseResult r;
        r.id = c.at("id");
        r.description = c.at("description");
        r.headline = c.at("headline");
        r.frame_octets = c.at("frame_octets");
        r.response_octets = c.at("response_octets");
        const auto& p = c.at("programs");
        r.empty = times_from(p.at("xdp_pass"));
        r.reflect = times_from(p.at("xdp_reflect"));
        r.xgslb = times_from(p.at("xgslb"));
        run.cases.push_back(std::move(r));
    }
    return run;
}

}  // namespace xgslb::bench
