#include "userspace/cluster/kubernetes_source.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "userspace/cluster/gslb_ingress.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/cluster/kube_api.h"
#include "userspace/cluster/kube_reflector.h"
#include "userspace/cluster/lease_elector.h"

namespace xgslb {
namespace {

KubeConnection connection_for(const KubernetesSourceConfig& config) {
    return config.kubeconfig.empty() ? load_in_cluster_config(config.service_account_dir)
                                     : load_kubeconfig(config.kubeconfig);
}

class KubernetesSource final : public ClusterSource {
public:
    explicit KubernetesSource(const KubernetesSourceConfig& config)
        : config_(config),
          api_(KubeHttp(connection_for(config), {config.connect_timeout, config.request_timeout, config.watch_idle_timeout})) {
        const ReflectorTimings timings{config.list_page_size, config.watch_timeout_seconds, config.backoff_initial,
                                       config.backoff_max};
        // One reflector per resource, or per resource and namespace when the watch is restricted:
        // the API has no "these namespaces" filter.
        std::vector<std::string> scopes = config.namespaces;
        if (scopes.empty()) scopes.push_back("");
        for (const auto& resource : kWatchedResources)
            for (const auto& ns : scopes)
                reflectors_.push_back(
                    std::make_unique<KubeReflector>(api_, resource, ns, timings, [this] { mark_dirty(); }));
        if (config.leader_election) {
            LeaseConfig lease{config.lease_namespace, config.lease_name,
                              config.identity.empty() ? default_lease_identity() : config.identity,
                              config.lease_duration, config.lease_renew_deadline, config.lease_renew_period,
                              config.release_lease_on_stop};
            elector_ = std::make_unique<LeaseElector>(api_, lease);
        }
        std::string watched;
        for (const auto& ns : config.namespaces) watched += (watched.empty() ? "" : ",") + ns;
        spdlog::info("kubernetes: API server {} ({}), namespaces {}", api_.http().connection().server,
                     api_.http().connection().origin, watched.empty() ? "all" : watched);
    }

    ~KubernetesSource() override { stop(); }

    void start(OnChange on_change) override {
        on_change_ = std::move(on_change);
        for (auto& r : reflectors_) threads_.emplace_back([this, r = r.get()] { r->run(stop_); });
        if (elector_) threads_.emplace_back([this] { elector_->run(stop_); });
        threads_.emplace_back([this] { deliver_loop(); });
    }

    void stop() override {
        stop_.request();
        { std::lock_guard lock(dirty_mutex_); }  // the deliver thread is waiting, or will see the flag
        dirty_cv_.notify_all();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
    }

    bool is_leader() const override { return elector_ && elector_->is_leader(); }

    void write_gslb_status(const std::string& ns, const std::string& name, const nlohmann::json& status) override {
        require_leader("write the status of Gslb " + ns + "/" + name);
        // Optimistic concurrency: read, change, write with the read resourceVersion; on 409 (the
        // object changed meanwhile) read again. A few rounds settle any realistic race.
        for (int attempt = 1;; ++attempt) {
            auto gslb = api_.get(kGslbResource, ns, name);
            gslb["status"] = status;
            try {
                api_.update(kGslbResource, ns, name, gslb, "status");
                return;
            } catch (const KubeApiError& e) {
                if (e.code != 409 || attempt == 5) throw;
            }
        }
    }

    void create_gslb(const nlohmann::json& gslb) override {
        const auto& meta = gslb.at("metadata");
        const std::string ns = meta.value("namespace", "default");
        require_leader("create Gslb " + ns + "/" + meta.value("name", ""));
        api_.create(kGslbResource, ns, gslb);
    }

    bool writes_gslb_ingresses() const override { return true; }

    void write_gslb_ingress(const GslbIngressWrite& w) override {
        const std::string ns = object_namespace(w.object), name = object_name(w.object);
        require_leader(std::string(w.create ? "create" : "update") + " Ingress " + ns + "/" + name);
        // No retry loop here: a 409 (AlreadyExists, or a resourceVersion another writer moved)
        // means the watch is about to deliver the newer object, and the controller decides again.
        if (w.create)
            api_.create(kIngressResource, ns, w.object);
        else
            api_.update(kIngressResource, ns, name, w.object);
    }

    SourceHealth health() const override {
        SourceHealth h;
        h.synced = true;
        for (const auto& r : reflectors_) {
            const auto s = r->status();
            h.synced = h.synced && s.synced;
            h.restarts += s.restarts;
            if (h.last_error.empty()) h.last_error = s.last_error;
        }
        if (elector_ && h.last_error.empty()) h.last_error = elector_->last_error();
        return h;
    }

private:
    void require_leader(const std::string& what) const {
        if (!is_leader()) throw Error("kubernetes: not the leader (Lease " + config_.lease_namespace + "/" +
                                      config_.lease_name + "): cannot " + what);
    }

    void mark_dirty() {
        {
            std::lock_guard lock(dirty_mutex_);
            dirty_ = true;
        }
        dirty_cv_.notify_all();
    }

    bool all_listed() const {
        for (const auto& r : reflectors_)
            if (!r->status().listed_once) return false;
        return true;
    }

    // Waits for a change, lets the burst settle for `debounce`, then delivers one snapshot. The
    // first snapshot waits for every resource's first list, so the controller never sees a
    // cluster with Gslbs but without their Services yet.
    void deliver_loop() {
        while (!stop_.requested()) {
            {
                std::unique_lock lock(dirty_mutex_);
                dirty_cv_.wait(lock, [&] { return dirty_ || stop_.requested(); });
            }
            if (stop_.requested()) break;
            if (!stop_.sleep_for(config_.debounce)) break;
            if (!all_listed()) continue;  // a later list marks dirty again
            {
                std::lock_guard lock(dirty_mutex_);
                dirty_ = false;
            }
            auto state = std::make_shared<ClusterState>();
            for (const auto& r : reflectors_) {
                // One reflector per kind and namespace when namespaces are listed: merged.
                auto& objects = state->objects[r->resource().kind];  // present even when empty
                objects.merge(r->mirror());
            }
            on_change_(std::move(state));
        }
    }

    KubernetesSourceConfig config_;
    KubeApi api_;
    std::vector<std::unique_ptr<KubeReflector>> reflectors_;
    std::unique_ptr<LeaseElector> elector_;
    OnChange on_change_;
    StopSignal stop_;
    std::mutex dirty_mutex_;
    std::condition_variable dirty_cv_;
    bool dirty_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace

std::string default_lease_identity() {
    if (const char* pod = std::getenv("POD_NAME"); pod && *pod) return pod;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || !*host) throw Error("lease identity: no POD_NAME and no host name");
    return host;
}

std::unique_ptr<ClusterSource> make_kubernetes_source(const KubernetesSourceConfig& config) {
    return std::make_unique<KubernetesSource>(config);
}

}  // namespace xgslb
