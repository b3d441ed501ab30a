#include "userspace/cluster/model_loop.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>

#include "userspace/cluster/gslb_status.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

// The loop wakes at least this often without input: to look at the source's health (an API
// server that went down delivers nothing that would wake it, and it must be said promptly) and
// whether this daemon became the leader (the Lease is renewed every few seconds, so this adds at
// most a second to a takeover).
constexpr std::chrono::seconds kPeriodicCheck{1};

ControllerSettings settings_of(const Config& c) {
    return {c.geo_tag, c.cluster_source.health_all ? HealthPolicy::All : HealthPolicy::Any};
}

// A host outside every served zone cannot be answered; build_view would reject the whole view.
// Returns whether `out` was filled with the served ones; false (and nothing copied: 100k hosts
// are worth not copying) when every host is served.
bool served_hosts(const Config& config, const std::vector<GslbHost>& hosts, std::vector<GslbHost>& out) {
    // The controller's names are canonical (lowercase, escaped, no trailing dot), so "inside" is
    // a suffix test on the text at a label boundary; a name with an escape takes the wire-form
    // test, where "\." is not a boundary. (Wire form for all was 100k allocations at scale.)
    std::vector<std::string> apexes;  // canonical, with the trailing dot
    std::vector<WireName> wire_apexes;
    for (const auto& z : config.zones) {
        apexes.push_back(canonical_name(z.zone));
        wire_apexes.push_back(name_to_wire(z.zone));
    }
    auto inside = [&](const GslbHost& h) {
        const std::string& n = h.name;
        if (n.find('\\') != std::string::npos) {
            const WireName name = name_to_wire(n);
            return std::any_of(wire_apexes.begin(), wire_apexes.end(),
                               [&](const WireName& a) { return is_subdomain(name, a); });
        }
        return std::any_of(apexes.begin(), apexes.end(), [&](const std::string& a) {
            if (a == ".") return true;
            const size_t bare = a.size() - 1;  // without its trailing dot
            if (n.size() < bare || n.compare(n.size() - bare, bare, a, 0, bare) != 0) return false;
            return n.size() == bare || n[n.size() - bare - 1] == '.';
        });
    };
    std::vector<char> served(hosts.size());
    size_t outside = 0;
    for (size_t i = 0; i < hosts.size(); ++i) {
        served[i] = inside(hosts[i]);
        if (!served[i] && ++outside <= 5)
            spdlog::warn("model: host {} (Gslb {}) is in no configured zone; not served", hosts[i].name, hosts[i].owner);
    }
    if (outside > 5) spdlog::warn("model: {} hosts in no configured zone in all", outside);
    out.clear();
    if (outside == 0) return false;
    for (size_t i = 0; i < hosts.size(); ++i)
        if (served[i]) out.push_back(hosts[i]);
    return true;
}

// CPU time of the calling thread: with other work on the machine, wall time says little.
std::chrono::microseconds thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace

ModelLoop::ModelLoop(Config config, std::unique_ptr<ClusterSource> source, ViewBuilder build, Publish publish,
                     std::shared_ptr<const HostnameResolver> resolver)
    : source_(std::move(source)),
      build_(std::move(build)),
      publish_(std::move(publish)),
      resolver_(std::move(resolver)),
      config_(std::move(config)) {
    resync_seconds_ = config_.cluster_source.resync_seconds;
}

ModelLoop::~ModelLoop() { stop(); }

void ModelLoop::start(std::chrono::milliseconds first_state) {
    if (source_) {
        source_->start([this](std::shared_ptr<const ClusterState> state) {
            std::lock_guard lock(inbox_mutex_);
            pending_state_ = std::move(state);
            wake_.notify_one();
        });
        std::unique_lock lock(inbox_mutex_);
        if (!wake_.wait_for(lock, first_state, [&] { return pending_state_ != nullptr; }))
            spdlog::warn("model: no state from the source within {} ms; publishing static records only until it comes",
                         first_state.count());
    }
    {
        std::lock_guard work(work_mutex_);
        step(false);
    }
    thread_ = std::thread([this] { run(); });
}

void ModelLoop::stop() {
    if (source_) source_->stop();  // no more on_change after this
    {
        std::lock_guard lock(inbox_mutex_);
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void ModelLoop::reload(const Config& next) {
    std::lock_guard work(work_mutex_);
    Config previous = std::move(config_);
    config_ = next;
    resync_seconds_ = next.cluster_source.resync_seconds;
    try {
        step(true);
    } catch (...) {
        config_ = std::move(previous);
        resync_seconds_ = config_.cluster_source.resync_seconds;
        throw;
    }
}

void ModelLoop::set_peer_targets(std::vector<PeerTargets> peers) {
    std::lock_guard lock(inbox_mutex_);
    peers_ = std::move(peers);
    peers_dirty_ = true;
    wake_.notify_one();
}

void ModelLoop::on_hosts_changed(HostsChanged callback) {
    std::lock_guard work(work_mutex_);
    hosts_changed_ = std::move(callback);
    if (hosts_changed_) hosts_changed_(host_names_);
}

std::vector<std::string> ModelLoop::host_names() const {
    std::lock_guard work(work_mutex_);
    return host_names_;
}

ModelLoop::Counters ModelLoop::counters() const {
    std::lock_guard work(work_mutex_);
    return counters_;
}

std::vector<GslbStatusUpdate> ModelLoop::gslb_statuses() const {
    std::lock_guard work(work_mutex_);
    std::vector<GslbStatusUpdate> out = result_.statuses;
    if (view_)
        for (auto& update : out) fill_healthy_records(update, *view_);
    return out;
}

std::optional<SourceHealth> ModelLoop::source_health() const {
    if (!source_) return std::nullopt;
    return source_->health();
}

void ModelLoop::run() {
    using Clock = std::chrono::steady_clock;
    auto next_resync = Clock::now();
    bool was_leader = is_leader();
    for (;;) {
        bool resync = false;
        {
            std::unique_lock lock(inbox_mutex_);
            const auto period = std::chrono::seconds(resync_seconds_.load());
            if (next_resync <= Clock::now()) next_resync = Clock::now() + period;
            // Woken by input, the resync, or the periodic check: a daemon elected while its
            // cluster is quiet must still write what the old leader left (statuses, Ingresses)
            // now, not at the next change or resync.
            const auto wake_at = std::min(next_resync, Clock::now() + kPeriodicCheck);
            wake_.wait_until(lock, wake_at, [&] { return stopping_ || pending_state_ || peers_dirty_; });
            if (stopping_) return;
            const bool input = pending_state_ || peers_dirty_;
            resync = !input && Clock::now() >= next_resync;
            if (!input && !resync) {
                lock.unlock();
                const bool leader = is_leader();
                std::lock_guard work(work_mutex_);
                check_source_health();
                if (leader && !was_leader) {
                    spdlog::info("model: this daemon leads now; writing back");
                    write_back();
                }
                was_leader = leader;
                continue;
            }
        }
        was_leader = is_leader();  // a step writes back itself when it leads
        std::lock_guard work(work_mutex_);
        check_source_health();
        try {
            step(resync);
        } catch (const std::exception& e) {
            ++counters_.failures;
            spdlog::error("model: {}; still serving the last published view", e.what());
        }
    }
}

// Called with work_mutex_ held (or before the loop thread exists).
void ModelLoop::step(bool reconcile_again) {
    std::shared_ptr<const ClusterState> fresh;
    std::vector<PeerTargets> peers;
    {
        std::lock_guard lock(inbox_mutex_);
        fresh = std::move(pending_state_);
        pending_state_.reset();
        peers = peers_;
        peers_dirty_ = false;
    }
    using Clock = std::chrono::steady_clock;
    const auto us = [](Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
    };
    const auto t0 = Clock::now();
    const auto c0 = thread_cpu();
    const bool changed = fresh != nullptr;
    if (changed) state_ = std::move(fresh);
    if (state_ && (changed || reconcile_again || counters_.controller_runs == 0)) {
        ControllerSettings settings = settings_of(config_);
        settings.write_gslb_ingresses = source_ && source_->writes_gslb_ingresses();
        result_ = reconcile(*state_, settings, *resolver_);
        ++counters_.controller_runs;
        for (const auto& p : result_.problems) spdlog::warn("controller: {}", p);
    }
    const std::vector<GslbHost>& hosts = served_hosts(config_, result_.hosts, hosts_) ? hosts_ : result_.hosts;
    const auto t1 = Clock::now();
    const auto c1 = thread_cpu();
    auto view = build_(config_, hosts, peers);
    const auto t2 = Clock::now();
    const auto c2 = thread_cpu();
    publish_(view);
    view_ = std::move(view);
    ++counters_.publishes;
    const auto cpu = [](std::chrono::microseconds a, std::chrono::microseconds b) { return (b - a).count(); };
    spdlog::info("model: hosts={} peers={} controller_us={} view_us={} publish_us={} (cpu_us {} {} {})", hosts.size(),
                 peers.size(), us(t0, t1), us(t1, t2), us(t2, Clock::now()), cpu(c0, c1), cpu(c1, c2),
                 cpu(c2, thread_cpu()));
    // The first publish of a large cluster frees much (parse trees, the builder's temporaries):
    // hand it back to the system rather than keep it resident until the next one.
    if (counters_.publishes == 1) malloc_trim(0);

    std::vector<std::string> names;
    names.reserve(hosts.size());
    for (const auto& h : hosts) names.push_back(h.name);
    if (names != host_names_) {
        host_names_ = std::move(names);
        if (hosts_changed_) hosts_changed_(host_names_);
    }
    write_back();
}

// Statuses and created Gslbs go to the API only from the leader, and a status only when it
// differs from what we wrote last (or from what the object carries, after a restart).
void ModelLoop::write_back() {
    if (!source_ || !source_->is_leader() || !state_) return;
    for (auto& update : result_.statuses) {
        GslbStatusUpdate filled = update;
        fill_healthy_records(filled, *view_);
        const std::string key = filled.ns + "/" + filled.name;
        auto it = written_status_.find(key);
        if (it != written_status_.end() && it->second == filled.status) continue;
        const nlohmann::json* current = state_->find(kKindGslb, filled.ns, filled.name);
        if (it == written_status_.end() && current && current->contains("status") && (*current)["status"] == filled.status) {
            written_status_[key] = filled.status;
            continue;
        }
        try {
            source_->write_gslb_status(filled.ns, filled.name, filled.status);
            written_status_[key] = filled.status;
            ++counters_.status_writes;
        } catch (const std::exception& e) {
            spdlog::error("model: writing the status of Gslb {}: {}", key, e.what());
        }
    }
    // The Ingress of an embedded spec.ingress. The same request is not sent twice: a write that
    // worked shows in a later state (the Ingress then matches, or carries a new resourceVersion,
    // which makes the next request differ); one that failed is retried from the next state.
    for (const auto& w : result_.ingress_writes) {
        const std::string key = object_key(w.object);
        std::string request = (w.create ? "POST " : "PUT ") + w.object.dump();
        auto& sent = ingress_sent_[key];
        if (sent == request) continue;
        try {
            source_->write_gslb_ingress(w);
            sent = std::move(request);
            ++counters_.ingresses_written;
            spdlog::info("model: {} Ingress {} for its Gslb's spec.ingress", w.create ? "created" : "updated", key);
        } catch (const std::exception& e) {
            sent.clear();
            spdlog::error("model: {} Ingress {}: {}", w.create ? "creating" : "updating", key, e.what());
        }
    }
    for (const auto& gslb : result_.gslbs_to_create) {
        const std::string key = gslb["metadata"]["namespace"].get<std::string>() + "/" +
                                gslb["metadata"]["name"].get<std::string>();
        if (!created_.insert(key).second) continue;  // asked once; the source's next state has it
        try {
            source_->create_gslb(gslb);
            ++counters_.gslbs_created;
            spdlog::info("model: created Gslb {} for its annotated Ingress", key);
        } catch (const std::exception& e) {
            spdlog::error("model: creating Gslb {}: {}", key, e.what());
        }
    }
}

void ModelLoop::check_source_health() {
    if (!source_) return;
    const SourceHealth h = source_->health();
    const bool unhealthy = !h.synced || !h.last_error.empty();
    if (unhealthy && !source_unhealthy_logged_)
        spdlog::error("model: source not current ({}); serving the last published data",
                      h.last_error.empty() ? "not synced" : h.last_error);
    if (!unhealthy && source_unhealthy_logged_) spdlog::info("model: source current again");
    source_unhealthy_logged_ = unhealthy;
}

}  // namespace xgslb
