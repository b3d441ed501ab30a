#include "userspace/metrics_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "userspace/error.h"

namespace xgslb {
namespace {

const char* type_name(MetricType t) {
    switch (t) {
        case MetricType::counter: return "counter";
        case MetricType::gauge: return "gauge";
        case MetricType::histogram: return "histogram";
    }
    return "untyped";
}

bool valid_name(const std::string& name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

// Label values escape \, " and newline; HELP text escapes \ and newline (format 0.0.4).
std::string escaped(const std::string& s, bool quote) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '"' && quote) out += "\\\"";
        else out += c;
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Integral values (every counter) print as integers; others in the fewest digits that read
    // back as the same double (0.001, not 0.0010000000000000000208).
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

std::string label_text(const MetricLabels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
    if (labels.empty() && !extra) return "";
    std::string out = "{";
    bool first = true;
    auto add = [&](const std::pair<std::string, std::string>& l) {
        if (!first) out += ",";
        first = false;
        out += l.first + "=\"" + escaped(l.second, true) + "\"";
    };
    for (const auto& l : labels) add(l);
    if (extra) add(*extra);
    return out + "}";
}

}  // namespace

MetricsSnapshot::Family& MetricsSnapshot::family(const std::string& name, MetricType type, const std::string& help) {
    auto [it, added] = families_.try_emplace(name, Family{type, help, {}, {}});
    if (!added && it->second.type != type)
        throw Error("metric " + name + " reported as " + type_name(type) + " and as " + type_name(it->second.type));
    return it->second;
}

void MetricsSnapshot::counter(const std::string& name, const std::string& help, const MetricLabels& labels,
                              double value) {
    family(name, MetricType::counter, help).samples.emplace_back(labels, value);
}

void MetricsSnapshot::gauge(const std::string& name, const std::string& help, const MetricLabels& labels,
                            double value) {
    family(name, MetricType::gauge, help).samples.emplace_back(labels, value);
}

void MetricsSnapshot::histogram(const std::string& name, const std::string& help, const MetricLabels& labels,
                                const HistogramValue& value) {
    if (value.counts.size() != value.bounds.size() + 1)
        throw Error("metric " + name + ": a histogram needs one count per bound plus one");
    family(name, MetricType::histogram, help).histograms.emplace_back(labels, value);
}

std::string MetricsSnapshot::text() const {
    std::string out;
    for (const auto& [name, f] : families_) {
        out += "# HELP " + name + " " + escaped(f.help, false) + "\n";
        out += "# TYPE " + name + " " + type_name(f.type) + "\n";
        for (const auto& [labels, value] : f.samples) out += name + label_text(labels) + " " + number(value) + "\n";
        for (const auto& [labels, h] : f.histograms) {
            uint64_t cumulative = 0;
            for (size_t i = 0; i <= h.bounds.size(); ++i) {
                cumulative += h.counts[i];
                const std::pair<std::string, std::string> le{"le", i < h.bounds.size() ? number(h.bounds[i]) : "+Inf"};
                out += name + "_bucket" + label_text(labels, &le) + " " + std::to_string(cumulative) + "\n";
            }
            out += name + "_sum" + label_text(labels) + " " + number(h.sum) + "\n";
            out += name + "_count" + label_text(labels) + " " + std::to_string(cumulative) + "\n";
        }
    }
    return out;
}

void MetricsRegistry::define(const std::string& name, MetricType type, const std::string& help,
                             std::vector<double> bounds) {
    if (!valid_name(name)) throw Error("metric name '" + name + "' is not a valid Prometheus name");
    if (type == MetricType::histogram && (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end())))
        throw Error("histogram " + name + " needs ascending bucket bounds");
    std::lock_guard lock(mutex_);
    auto [it, added] = metrics_.try_emplace(name, Metric{type, help, std::move(bounds), {}, {}});
    if (!added && it->second.type != type)
        throw Error("metric " + name + " is already defined as a " + type_name(it->second.type));
}

MetricsRegistry::Metric& MetricsRegistry::find(const std::string& name, MetricType type) {
    auto it = metrics_.find(name);
    if (it == metrics_.end()) throw Error("metric " + name + " is not defined");
    if (it->second.type != type)
        throw Error("metric " + name + " is a " + type_name(it->second.type) + ", not a " + type_name(type));
    return it->second;
}

void MetricsRegistry::counter_add(const std::string& name, const MetricLabels& labels, double delta) {
    if (!(delta >= 0)) throw Error("counter " + name + " can only grow");
    std::lock_guard lock(mutex_);
    find(name, MetricType::counter).values[labels] += delta;
}

void MetricsRegistry::gauge_set(const std::string& name, const MetricLabels& labels, double value) {
    std::lock_guard lock(mutex_);
    find(name, MetricType::gauge).values[labels] = value;
}

void MetricsRegistry::observe(const std::string& name, const MetricLabels& labels, double value) {
    std::lock_guard lock(mutex_);
    Metric& m = find(name, MetricType::histogram);
    HistogramValue& h = m.histograms[labels];
    if (h.counts.empty()) {
        h.bounds = m.bounds;
        h.counts.assign(m.bounds.size() + 1, 0);
    }
    const size_t bucket = std::lower_bound(h.bounds.begin(), h.bounds.end(), value) - h.bounds.begin();
    ++h.counts[bucket];
    h.sum += value;
}

void MetricsRegistry::remove(const std::string& name, const MetricLabels& labels) {
    std::lock_guard lock(mutex_);
    auto it = metrics_.find(name);
    if (it == metrics_.end()) return;
    it->second.values.erase(labels);
    it->second.histograms.erase(labels);
}

void MetricsRegistry::clear(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = metrics_.find(name);
    if (it == metrics_.end()) return;
    it->second.values.clear();
    it->second.histograms.clear();
}

void MetricsRegistry::add_collector(Collector collector) {
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::render() const {
    MetricsSnapshot snapshot;
    std::vector<Collector> collectors;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, m] : metrics_) {
            for (const auto& [labels, value] : m.values) {
                if (m.type == MetricType::counter) snapshot.counter(name, m.help, labels, value);
                else snapshot.gauge(name, m.help, labels, value);
            }
            for (const auto& [labels, h] : m.histograms) snapshot.histogram(name, m.help, labels, h);
        }
        collectors = collectors_;
    }
    // Outside the lock: a collector reads BPF maps and worker counters, and may take its time.
    for (const auto& c : collectors) c(snapshot);
    return snapshot.text();
}

}  // namespace xgslb
