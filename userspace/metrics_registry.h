// Named metrics in Prometheus' model (counter, gauge, histogram; samples told apart by labels),
// rendered in the text exposition format 0.0.4. Thread-safe: the controller, the publisher and
// the scrape thread use one registry.
//
//   MetricsRegistry r;
//   r.define("k8gb_gslb_healthy_records", MetricType::gauge, "Number of healthy records observed");
//   r.gauge_set("k8gb_gslb_healthy_records", {{"name", "app"}, {"namespace", "default"}}, 2);
//   r.remove("k8gb_gslb_healthy_records", {{"name", "app"}, {"namespace", "default"}});  // Gslb gone
//   r.define("x_seconds", MetricType::histogram, "...", {0.001, 0.01, 0.1});
//   r.observe("x_seconds", {}, 0.004);
//   r.add_collector([](MetricsSnapshot& s) { s.counter("y_total", "...", {}, read_y()); });
//
// Values kept in the registry are for what happens in the daemon (publishes, reconciles);
// collectors read at scrape time what is counted elsewhere (per-CPU BPF counters, per-worker
// atomics), so the hot paths never touch the registry's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace xgslb {

enum class MetricType { counter, gauge, histogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct HistogramValue {
    std::vector<double> bounds;    // upper bounds, ascending; +Inf is implicit
    std::vector<uint64_t> counts;  // per bucket, not cumulative; bounds.size() + 1 (the last: > every bound)
    double sum = 0;
};

// One scrape's worth of samples, grouped by metric name.
class MetricsSnapshot {
public:
    void counter(const std::string& name, const std::string& help, const MetricLabels& labels, double value);
    void gauge(const std::string& name, const std::string& help, const MetricLabels& labels, double value);
    void histogram(const std::string& name, const std::string& help, const MetricLabels& labels,
                   const HistogramValue& value);
    std::string text() const;  // exposition format 0.0.4, families sorted by name

private:
    struct Family {
        MetricType type;
        std::string help;
        std::vector<std::pair<MetricLabels, double>> samples;
        std::vector<std::pair<MetricLabels, HistogramValue>> histograms;
    };
    Family& family(const std::string& name, MetricType type, const std::string& help);
    std::map<std::string, Family> families_;
};

class MetricsRegistry {
public:
    using Collector = std::function<void(MetricsSnapshot&)>;

    // Names follow Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*); a second define of the same
    // name with the same type is a no-op, with another type an xgslb::Error.
    void define(const std::string& name, MetricType type, const std::string& help, std::vector<double> bounds = {});
    // Each throws xgslb::Error for an undefined name or one of another type.
    void counter_add(const std::string& name, const MetricLabels& labels, double delta = 1);
    void gauge_set(const std::string& name, const MetricLabels& labels, double value);
    void observe(const std::string& name, const MetricLabels& labels, double value);
    void remove(const std::string& name, const MetricLabels& labels);  // no-op when absent
    void clear(const std::string& name);                               // every label set of it

    void add_collector(Collector collector);
    std::string render() const;  // the registry's values and every collector's, as text

private:
    struct Metric {
        MetricType type;
        std::string help;
        std::vector<double> bounds;
        std::map<MetricLabels, double> values;
        std::map<MetricLabels, HistogramValue> histograms;
    };
    Metric& find(const std::string& name, MetricType type);

    mutable std::mutex mutex_;
    std::map<std::string, Metric> metrics_;
    std::vector<Collector> collectors_;
};

}  // namespace xgslb
