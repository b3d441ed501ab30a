#include "userspace/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "userspace/capabilities.h"
#include "userspace/cluster/ingress_targets.h"
#include "userspace/cluster/make_source.h"
#include "maps/rrl_map_writer.h"
#include "userspace/error.h"
#include "userspace/log_format.h"
#include "userspace/map_contents.h"
#include "userspace/peers/static_gslb_hosts.h"
#include "userspace/view_assembly.h"

namespace xgslb {
namespace {

void apply_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// One daemon per instance. A second one would publish its data into the maps the first serves
// from and, failing later (say, on a missing interface), unpin them. The lock is on the pin
// directory, which every daemon of the instance shares whatever its network namespace; it is
// held until the process exits (the fd is never closed), so a crash releases it too.
void lock_instance(const std::string& pin_dir, const std::string& instance) {
    const int fd = open(pin_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("opening " + pin_dir, errno);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        close(fd);
        if (err == EWOULDBLOCK)
            throw Error("instance '" + instance + "' is already served by another xgslbd (" + pin_dir +
                        " is locked); stop it first");
        throw_errno("locking " + pin_dir, err);
    }
}

// The server's sockets, threads and answerer settings are made once, at start.
void warn_restart_only(const DnsConfig& running, const DnsConfig& next) {
    if (next.listen != running.listen || next.workers != running.workers ||
        next.tcp_idle_timeout_ms != running.tcp_idle_timeout_ms ||
        next.tcp_max_connections != running.tcp_max_connections ||
        next.udp_payload_size != running.udp_payload_size || next.tsig_keys != running.tsig_keys ||
        next.allow_transfer != running.allow_transfer)
        spdlog::warn("dns: listen, workers, tcpIdleTimeoutMs, tcpMaxConnections, udpPayloadSize, tsigKeys and "
                     "allowTransfer changes take effect at the next restart; the new data is published now");
}

// The source object is made once; its policy and resync period follow the config.
void warn_source_restart_only(const SourceConfig& running, const SourceConfig& next) {
    if (next.kind != running.kind || next.manifests != running.manifests || next.kubernetes != running.kubernetes)
        spdlog::warn("source: a change of manifests/kubernetes takes effect at the next restart; healthPolicy and "
                     "resyncSeconds apply now");
}

// The GeoIP regions of the config, read again only when the geoip section changes (an MMDB is
// not re-read on every publish). Used from the model loop's builder only, one call at a time.
class GeoCache {
public:
    std::shared_ptr<const GeoRegions> regions_for(const GeoIpConfig& config) {
        if (!loaded_ || config.regions != key_.regions || config.mmdb_path != key_.mmdb_path ||
            config.mmdb_field != key_.mmdb_field) {
            regions_ = load_geo_regions(config);
            key_ = config;
            loaded_ = true;
        }
        return regions_;
    }

private:
    bool loaded_ = false;
    GeoIpConfig key_;
    std::shared_ptr<const GeoRegions> regions_;
};

// How long start() waits for the cluster source's first snapshot before publishing without it:
// publishing an empty cluster would erase the hosts a restarted daemon adopted from the maps.
constexpr std::chrono::seconds kFirstStateWait{10};

}  // namespace

Daemon::Daemon(std::string config_path)
    : config_path_(std::move(config_path)), config_(load_config(config_path_)),
      metrics_(std::make_unique<DaemonMetrics>()) {
    apply_log_format(config_.log_format);
    apply_log_level(config_.log_level);
}

Daemon::~Daemon() = default;

void Daemon::start() {
    // First, so a source that cannot be made fails before any BPF state is touched.
    std::unique_ptr<ClusterSource> source = make_cluster_source(config_.cluster_source);
    XdpProgram::Options options;
    options.instance = config_.instance;
    options.udp_payload_size = config_.dns.udp_payload_size;
    options.max_names = config_.xdp.max_names;
    options.max_rrsets = config_.xdp.max_rrsets;
    options.express_slots = config_.xdp.express_slots;
    // Locked before the program is loaded: loading may replace incompatible pins, which are the
    // running daemon's if there is one.
    lock_instance(XdpProgram::prepare_pin_dir(options), config_.instance);
    program_ = std::make_unique<XdpProgram>(options);
    writer_ = std::make_unique<BpfMapWriter>(program_->maps());
    publisher_ = std::make_unique<Publisher>(*writer_);
    // Maps kept by an earlier daemon (keepAttached, or a crash) are what the XDP program is
    // answering from right now: start from them, so the first publish changes only what differs.
    publisher_->adopt(read_map_contents(program_->maps()));
    spdlog::info("instance={} maps={} program_fd={}", config_.instance, program_->pin_dir(), program_->prog_fd());
    // Publish before attaching, so the first packet the program sees finds the data, and start
    // the slow path on that same view before XDP begins passing queries up to it.
    publish_rrl(config_);
    model_ = std::make_unique<ModelLoop>(
        config_, std::move(source),
        [geo = GeoCache{}](const Config& c, const std::vector<GslbHost>& hosts,
                           const std::vector<PeerTargets>& peers) mutable {
            if (!c.gslb) return build_view(c, hosts, peers, geo.regions_for(c.geoip));
            // With peers, a static strategy record is a host of this cluster like the
            // controller's (userspace/peers/static_gslb_hosts.h).
            StaticGslbHosts statics = static_gslb_hosts(c);
            statics.hosts.insert(statics.hosts.end(), hosts.begin(), hosts.end());
            return build_view(statics.config, statics.hosts, peers, geo.regions_for(c.geoip));
        },
        [this](std::shared_ptr<const ZoneView> view) { publish(std::move(view)); },
        std::make_shared<SystemHostnameResolver>());
    model_->start(kFirstStateWait);  // the first publish happens here, on this thread
    metrics_->watch_model(model_.get());
    {
        std::lock_guard lock(publish_mutex_);
        server_ = std::make_unique<DnsServer>(DnsServerOptions::from(config_.dns), view_);
        control_ = std::make_unique<ControlSocket>(control_socket_path(config_.instance), view_);
    }
    metrics_->serve(*program_, *server_, config_.metrics);
    // Fail-static shows in the metrics: /readyz stays 200 while the last view is served, and
    // xgslb_source_healthy (daemon_metrics.cpp) says whether that view still follows the cluster.
    control_->set_status_source([this, instance = config_.instance] { return metrics_->status_json(instance, *program_); });
    attach_interfaces(config_);
    watch_ = std::make_unique<DataPlaneWatch>(
        *program_, [this] { metrics_->record_attachments(program_->attachments()); },
        // The lock went with the removed directory: take it again on the new one.
        [this] { lock_instance(program_->pin_dir(), config_.instance); });
    watch_->set_interfaces(config_.xdp.interfaces, parse_attach_mode(config_.xdp.mode));
    start_peering();
    drop_to_runtime_capabilities();  // every thread, now that all have started (capabilities.h)
    spdlog::info("capabilities dropped on every thread to {} cap_eff={}",
                 capability_names(std::stoull(effective_capabilities_hex(), nullptr, 16)), effective_capabilities_hex());
}

// The peers' targets feed the model loop, which republishes; the loop's hosts (and the static
// strategy records) are what the peers are asked about. This daemon is its cluster's writer to
// the edge when its source says it leads (the manifests source always does).
void Daemon::start_peering() {
    if (!config_.gslb) return;
    peering_ = std::make_unique<ClusterPeering>(config_);
    peering_->on_peers_changed([this](const std::vector<PeerTargets>& peers) {
        spdlog::info("peers changed: {}", peers.empty() ? "none reachable" : describe(peers));
        model_->set_peer_targets(peers);
    });
    model_->on_hosts_changed([this](std::vector<std::string> hosts) { peering_->set_hosts(peer_hosts(hosts)); });
    peering_->set_leader(model_->is_leader());
}

std::vector<std::string> Daemon::peer_hosts(std::vector<std::string> model_hosts) const {
    std::vector<std::string> hosts = gslb_hosts_of(config_);
    hosts.insert(hosts.end(), model_hosts.begin(), model_hosts.end());
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    return hosts;
}

// Rate limiting is the config's, not the model's: published at start and on SIGHUP only.
void Daemon::publish_rrl(const Config& config) {
    write_rrl_maps(program_->maps(), build_rrl_contents(config.rrl));
    spdlog::info("rrl responses_per_second={} slip={} ipv4_prefix={} ipv6_prefix={} allow={}",
                 config.rrl.responses_per_second, config.rrl.slip, config.rrl.ipv4_prefix, config.rrl.ipv6_prefix,
                 config.rrl.allow.size());
}

void Daemon::publish(std::shared_ptr<const ZoneView> view) {
    std::lock_guard lock(publish_mutex_);
    const auto started = std::chrono::steady_clock::now();
    const xgslb_settings settings = program_->settings();
    const uint64_t seed[2] = {settings.hash_seed[0], settings.hash_seed[1]};
    // Moved into the publisher, which keeps it as what the maps hold: one copy, not two.
    const PublishStats stats = publisher_->publish(build_map_contents(*view, seed));
    const MapContents& contents = publisher_->published();
    view_ = std::move(view);
    metrics_->record_publish(stats, contents, std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - started));
    if (server_) server_->publish(view_);
    if (control_) control_->publish(view_);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    spdlog::info(
        "published zones={} names={} rrsets={} listen={} writes={} (zones +{}/-{}, rrsets +{}/-{}, names +{}/-{}) "
        "express_used={} express_unplaced={} took_us={}",
        contents.zones.size(), contents.names.size(), contents.rrsets.size(), contents.listen.size(), stats.writes(),
        stats.zones.puts, stats.zones.erases, stats.rrsets.puts, stats.rrsets.erases, stats.names.puts,
        stats.names.erases, writer_->express().used(), writer_->express().unplaced(), micros);
}

void Daemon::attach_interfaces(const Config& next) {
    const AttachMode mode = parse_attach_mode(next.xdp.mode);
    // Interfaces dropped from the config are detached by detaching all and reattaching the
    // rest only when the set shrank; a grown set just attaches the new ones.
    const bool shrank = std::any_of(config_.xdp.interfaces.begin(), config_.xdp.interfaces.end(),
                                    [&](const std::string& i) { return !contains(next.xdp.interfaces, i); });
    if (shrank) program_->detach_all();
    for (const auto& ifname : next.xdp.interfaces) {
        if (!shrank && program_->is_attached(ifname)) continue;
        // After the capability drop (a reload) attach() goes through netlink by itself.
        program_->attach(ifname, mode);
    }
    metrics_->record_attachments(program_->attachments());
}

void Daemon::reload() {
    spdlog::info("SIGHUP: reloading {}", config_path_);
    try {
        Config next = load_config(config_path_);
        if (next.instance != config_.instance)
            throw Error(config_path_ + ": instance: changing the instance (" + config_.instance + " -> " +
                        next.instance + ") needs a restart");
        apply_log_format(next.log_format);
        apply_log_level(next.log_level);
        warn_restart_only(config_.dns, next.dns);
        warn_source_restart_only(config_.cluster_source, next.cluster_source);
        if (next.gslb != config_.gslb || next.geo_tag != config_.geo_tag)
            spdlog::warn("gslb and geoTag changes take effect at the next restart");
        model_->reload(next);
        publish_rrl(next);
        attach_interfaces(next);
        watch_->set_interfaces(next.xdp.interfaces, parse_attach_mode(next.xdp.mode));
        config_ = std::move(next);
        spdlog::info("reload: {} applied", config_path_);
    } catch (const std::exception& e) {
        spdlog::error("reload failed, still serving the last good configuration: {}", e.what());
    }
}

void Daemon::shut_down() {
    watch_.reset();    // repairs nothing from here on: detaching and unpinning are ours
    peering_.reset();  // stops polling and edge updates first: they may be mid-query
    metrics_->watch_model(nullptr);  // no scrape reads the model after this
    model_.reset();    // stops the source and the loop: nothing publishes after this
    control_.reset();  // removes the socket
    metrics_->stop_serving();  // before the server and program its collectors read go
    server_.reset();  // joins the workers
    if (!program_) return;
    if (config_.xdp.keep_attached) {
        spdlog::info("keepAttached: leaving the XDP program attached and its maps pinned in {}", program_->pin_dir());
        return;
    }
    program_->detach_all();
    program_->remove_pins();
}

int Daemon::run() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
    if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) throw_errno("sigprocmask", errno);
    const int fd = signalfd(-1, &signals, SFD_CLOEXEC);
    if (fd < 0) throw_errno("signalfd", errno);

    try {
        start();
    } catch (...) {
        close(fd);
        shut_down();
        throw;
    }
    spdlog::info("xgslbd ready");
    // Signals, link notifications, and the watch's periodic check about every second.
    constexpr auto kWatchPeriod = std::chrono::seconds(1);
    auto next_check = std::chrono::steady_clock::now() + kWatchPeriod;
    for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {watch_->fd(), POLLIN, 0}};
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_check - std::chrono::steady_clock::now());
        const int ready = poll(fds, 2, static_cast<int>(std::max<long long>(0, wait.count())));
        if (ready < 0 && errno != EINTR) throw_errno("poll", errno);
        try {
            if (ready > 0 && (fds[1].revents & POLLIN)) watch_->on_link_events();
            if (std::chrono::steady_clock::now() >= next_check) {
                next_check = std::chrono::steady_clock::now() + kWatchPeriod;
                watch_->check();
            }
        } catch (const std::exception& e) {
            spdlog::error("data-plane watch: {}", e.what());  // serving goes on; the next check retries
        }
        if (ready <= 0 || !(fds[0].revents & POLLIN)) continue;
        signalfd_siginfo info{};
        const ssize_t n = read(fd, &info, sizeof info);
        if (n < 0 && errno == EINTR) continue;
        if (n != sizeof info) throw_errno("reading signalfd", errno);
        if (info.ssi_signo == SIGHUP) {
            reload();
            continue;
        }
        spdlog::info("signal {}: stopping", info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    close(fd);
    shut_down();
    return 0;
}

}  // namespace xgslb
