#include "userspace/metrics_registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "userspace/error.h"
#include "userspace/k8gb_metrics.h"

namespace xgslb {
namespace {

TEST(MetricsRegistry, RendersCountersAndGaugesWithHelpTypeAndEscapedLabels) {
    MetricsRegistry r;
    r.define("k8gb_gslb_healthy_records", MetricType::gauge, "Number of healthy records observed by K8GB.");
    r.gauge_set("k8gb_gslb_healthy_records", {{"name", "app"}, {"namespace", "de\"mo\\x\n"}}, 2);
    r.define("xgslb_publishes_total", MetricType::counter, "Views published");
    r.counter_add("xgslb_publishes_total", {});
    r.counter_add("xgslb_publishes_total", {}, 2);
    EXPECT_EQ(r.render(),
              "# HELP k8gb_gslb_healthy_records Number of healthy records observed by K8GB.\n"
              "# TYPE k8gb_gslb_healthy_records gauge\n"
              "k8gb_gslb_healthy_records{name=\"app\",namespace=\"de\\\"mo\\\\x\\n\"} 2\n"
              "# HELP xgslb_publishes_total Views published\n"
              "# TYPE xgslb_publishes_total counter\n"
              "xgslb_publishes_total 3\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    MetricsRegistry r;
    r.define("d_seconds", MetricType::histogram, "d", {0.001, 0.01});
    for (double v : {0.0005, 0.001, 0.005, 5.0}) r.observe("d_seconds", {}, v);
    EXPECT_EQ(r.render(),
              "# HELP d_seconds d\n# TYPE d_seconds histogram\n"
              "d_seconds_bucket{le=\"0.001\"} 2\n"  // le is inclusive
              "d_seconds_bucket{le=\"0.01\"} 3\n"
              "d_seconds_bucket{le=\"+Inf\"} 4\n"
              "d_seconds_sum 5.0065\n"
              "d_seconds_count 4\n");
}

TEST(MetricsRegistry, RemoveDropsOneLabelSetAndMisuseThrows) {
    MetricsRegistry r;
    r.define("g", MetricType::gauge, "g");
    r.gauge_set("g", {{"name", "a"}}, 1);
    r.gauge_set("g", {{"name", "b"}}, 2);
    r.remove("g", {{"name", "a"}});
    EXPECT_EQ(r.render(), "# HELP g g\n# TYPE g gauge\ng{name=\"b\"} 2\n");
    EXPECT_THROW(r.counter_add("g", {}), Error);           // a gauge, not a counter
    EXPECT_THROW(r.gauge_set("missing", {}, 1), Error);    // never defined
    EXPECT_THROW(r.define("g", MetricType::counter, "g"), Error);
    EXPECT_THROW(r.define("bad-name", MetricType::gauge, "x"), Error);
    r.define("c", MetricType::counter, "c");
    EXPECT_THROW(r.counter_add("c", {}, -1), Error);       // counters only grow
}

TEST(MetricsRegistry, CollectorsAddSamplesAtRenderTime) {
    MetricsRegistry r;
    int calls = 0;
    r.add_collector([&](MetricsSnapshot& s) {
        ++calls;
        s.counter("xgslb_xdp_passed_total", "passed", {{"reason", "qtype"}}, 7);
        s.counter("xgslb_xdp_passed_total", "passed", {{"reason", "not_listen"}}, 1);
    });
    const std::string text = r.render();
    EXPECT_EQ(calls, 1);
    EXPECT_NE(text.find("# TYPE xgslb_xdp_passed_total counter\n"
                        "xgslb_xdp_passed_total{reason=\"qtype\"} 7\n"
                        "xgslb_xdp_passed_total{reason=\"not_listen\"} 1\n"),
              std::string::npos)
        << text;
}

TEST(MetricsRegistry, ConcurrentUpdatesAreNotLost) {
    MetricsRegistry r;
    r.define("n_total", MetricType::counter, "n");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) r.counter_add("n_total", {{"t", "x"}});
        });
    std::thread scraper([&] {
        for (int i = 0; i < 50; ++i) r.render();
    });
    for (auto& t : threads) t.join();
    scraper.join();
    EXPECT_NE(r.render().find("n_total{t=\"x\"} 40000\n"), std::string::npos);
}

}  // namespace
}  // namespace xgslb

namespace xgslb {
namespace {

// k8gb's names, types and labels, each status present even when no host has it.
TEST(K8gbMetrics, PerGslbGaugesWithK8gbNamesAndLabels) {
    MetricsSnapshot s;
    collect_k8gb_metrics(s, {{"test-gslb", "test-gslb",
                              {{"a.example", "Healthy"}, {"b.example", "Unhealthy"}, {"c.example", "Healthy"}},
                              3, 7}});
    const std::string text = s.text();
    for (const char* line : {
             "# TYPE k8gb_gslb_healthy_records gauge\n",
             "k8gb_gslb_healthy_records{name=\"test-gslb\",namespace=\"test-gslb\"} 3\n",
             "# TYPE k8gb_gslb_service_status_num gauge\n",
             "k8gb_gslb_service_status_num{name=\"test-gslb\",namespace=\"test-gslb\",status=\"Healthy\"} 2\n",
             "k8gb_gslb_service_status_num{name=\"test-gslb\",namespace=\"test-gslb\",status=\"NotFound\"} 0\n",
             "k8gb_gslb_service_status_num{name=\"test-gslb\",namespace=\"test-gslb\",status=\"Unhealthy\"} 1\n",
             "# TYPE k8gb_gslb_reconciliation_loops_total counter\n",
             "k8gb_gslb_reconciliation_loops_total{name=\"test-gslb\",namespace=\"test-gslb\"} 7\n"})
        EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "in:\n" << text;
}

}  // namespace
}  // namespace xgslb
