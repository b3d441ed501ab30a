#include "userspace/cluster/manifests_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "userspace/error.h"

namespace xgslb {

namespace {

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool is_regular_file(const std::string& path) {
    struct stat st{};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Written beside the target and renamed over it, so a reader (or the watch) never sees half.
void write_atomically(const std::string& dir, const std::string& name, const std::string& text) {
    const std::string tmp = dir + "/.tmp." + name + "." + std::to_string(getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) throw Error(tmp + ": cannot create: " + std::strerror(errno));
        out << text;
        out.flush();
        if (!out) throw Error(tmp + ": write failed: " + std::strerror(errno));
    }
    if (rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) {
        const int err = errno;
        unlink(tmp.c_str());
        throw_errno("renaming " + tmp + " to " + dir + "/" + name, err);
    }
}

template <typename Stored>
bool same_objects(const std::vector<ManifestObject>& a, const std::vector<Stored>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].kind != b[i].kind || a[i].key != b[i].key || a[i].object != *b[i].object) return false;
    return true;
}

}  // namespace

bool is_manifest_name(const std::string& name) {
    if (name.empty() || name[0] == '.') return false;
    return ends_with(name, ".yaml") || ends_with(name, ".yml") || ends_with(name, ".json");
}

ManifestsSource::ManifestsSource(Options options) : options_(std::move(options)) {
    inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) throw_errno("inotify_init1", errno);
    if (inotify_add_watch(inotify_fd_, options_.dir.c_str(), kWatchMask) < 0) {
        const int err = errno;
        close(inotify_fd_);
        throw_errno("source.manifests: watching " + options_.dir, err);
    }
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) {
        const int err = errno;
        close(inotify_fd_);
        throw_errno("eventfd", err);
    }
    // Last: the thread uses every member above.
    thread_ = std::thread([this] { run(); });
}

ManifestsSource::~ManifestsSource() {
    stop();
    close(inotify_fd_);
    close(stop_fd_);
}

void ManifestsSource::start(OnChange on_change) {
    {
        std::lock_guard lock(start_mutex_);
        on_change_ = std::move(on_change);
        started_ = true;
    }
    start_cv_.notify_one();
}

void ManifestsSource::stop() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(start_mutex_);
        stopping_ = true;
    }
    start_cv_.notify_one();
    const uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) != sizeof one) spdlog::error("manifests: cannot signal the watch thread");
    thread_.join();
}

SourceHealth ManifestsSource::health() const {
    std::lock_guard lock(health_mutex_);
    return health_;
}

std::string ManifestsSource::status_path(const std::string& ns, const std::string& name) const {
    return options_.dir + "/.status/" + ns + "." + name + ".json";
}

void ManifestsSource::write_gslb_status(const std::string& ns, const std::string& name, const nlohmann::json& status) {
    const std::string dir = options_.dir + "/.status";
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("creating " + dir, errno);
    write_atomically(dir, ns + "." + name + ".json", status.dump(2) + "\n");
}

void ManifestsSource::create_gslb(const nlohmann::json& gslb) {
    const std::string ns = gslb.at("metadata").value("namespace", "default");
    const std::string name = gslb.at("metadata").at("name").get<std::string>();
    const std::string file = ns + "." + name + ".gslb.json";
    // The API answers 409 AlreadyExists; never overwrite what an operator wrote.
    if (is_regular_file(options_.dir + "/" + file)) throw Error(options_.dir + "/" + file + " already exists");
    write_atomically(options_.dir, file, gslb.dump(2) + "\n");
}

ManifestsSource::Parsed ManifestsSource::parse(const std::string& name) const {
    Parsed p;
    const std::string path = options_.dir + "/" + name;
    if (!is_regular_file(path)) return p;
    p.exists = true;
    try {
        p.objects = load_manifest_file(path);
    } catch (const Error& e) {
        p.error = e.what();
    }
    return p;
}

bool ManifestsSource::apply(const std::string& name, Parsed parsed) {
    if (!parsed.exists) return files_.erase(name) > 0;
    FileState& f = files_[name];
    if (!parsed.error.empty()) {
        if (f.error != parsed.error) {
            spdlog::error("manifests: {}; keeping its last good version ({} objects)", parsed.error, f.objects.size());
            f.error = parsed.error;
        }
        return false;
    }
    if (!f.error.empty()) spdlog::info("manifests: {}/{} is good again", options_.dir, name);
    f.error.clear();
    if (same_objects(parsed.objects, f.objects)) return false;
    f.objects.clear();
    f.objects.reserve(parsed.objects.size());
    for (auto& o : parsed.objects)
        f.objects.push_back({std::move(o.kind), std::move(o.key), std::make_shared<const nlohmann::json>(std::move(o.object))});
    return true;
}

bool ManifestsSource::reload(const std::string& name) { return apply(name, parse(name)); }

void ManifestsSource::rescan() {
    std::set<std::string> names;
    DIR* d = opendir(options_.dir.c_str());
    if (!d) throw_errno("source.manifests: reading " + options_.dir, errno);
    while (const dirent* e = readdir(d))
        if (is_manifest_name(e->d_name)) names.insert(e->d_name);
    closedir(d);
    for (auto it = files_.begin(); it != files_.end();)
        it = names.count(it->first) ? std::next(it) : files_.erase(it);
    // Parsing is most of a large directory's start (JSON or YAML to objects), and files are
    // independent: one parser per CPU, each taking the next file; applied in name order after.
    const std::vector<std::string> order(names.begin(), names.end());
    std::vector<Parsed> parsed(order.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next++) < order.size();) parsed[i] = parse(order[i]);
    };
    const size_t threads = std::min<size_t>(order.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (size_t i = 0; i < order.size(); ++i) apply(order[i], std::move(parsed[i]));
}

std::shared_ptr<const ClusterState> ManifestsSource::merge() const {
    auto state = std::make_shared<ClusterState>();
    std::map<std::string, std::string> defined_in;  // "kind ns/name" -> file
    for (const auto& [file, f] : files_)
        for (const auto& o : f.objects) {
            auto [it, fresh] = defined_in.emplace(o.kind + " " + o.key, file);
            // Files are merged in name order; the last one wins, like a later `kubectl apply`.
            if (!fresh) spdlog::warn("manifests: {} {} is in {} and {}; using {}", o.kind, o.key, it->second, file, file);
            it->second = file;
            state->objects[o.kind][o.key] = o.object;  // shared, not copied
        }
    return state;
}

void ManifestsSource::update_health() {
    std::lock_guard lock(health_mutex_);
    health_.synced = true;
    health_.last_error.clear();
    for (const auto& [file, f] : files_)
        if (!f.error.empty()) health_.last_error = f.error;
}

void ManifestsSource::run() {
    try {
        const auto started = std::chrono::steady_clock::now();
        rescan();
        size_t objects = 0;
        for (const auto& [name, f] : files_) objects += f.objects.size();
        spdlog::info("manifests: {} files, {} objects read from {} in {} ms", files_.size(), objects, options_.dir,
                     std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                         .count());
    } catch (const Error& e) {
        spdlog::error("manifests: {}", e.what());
        std::lock_guard lock(health_mutex_);
        health_.last_error = e.what();
    }
    {
        std::unique_lock lock(start_mutex_);
        start_cv_.wait(lock, [&] { return started_ || stopping_; });
        if (stopping_) return;  // stopped before (or as) it was started: nothing is delivered
    }
    update_health();
    on_change_(merge());

    alignas(inotify_event) char buf[64 * 1024];
    std::set<std::string> changed;
    bool full = false;
    using Clock = std::chrono::steady_clock;
    Clock::time_point burst_start;
    // A file rewritten without pause must still be applied: a burst lasts at most this long.
    const auto max_burst = options_.debounce * 20;
    auto apply = [&] {
        bool any = false;
        try {
            if (full) {
                rescan();
                any = true;
            } else {
                for (const auto& name : changed) any = reload(name) || any;
            }
        } catch (const Error& e) {
            spdlog::error("manifests: {}", e.what());
        }
        changed.clear();
        full = false;
        update_health();
        if (any) on_change_(merge());
    };
    for (;;) {
        const bool in_burst = !changed.empty() || full;
        if (in_burst && Clock::now() - burst_start >= max_burst) {
            apply();
            continue;
        }
        pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        // Wait without limit for the first event of a burst, then only `debounce` for the next.
        const int n = poll(fds, 2, in_burst ? static_cast<int>(options_.debounce.count()) : -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            spdlog::error("manifests: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[1].revents) return;
        if (n == 0) {  // quiet for `debounce`: the burst is over
            apply();
            continue;
        }
        if (!in_burst) burst_start = Clock::now();
        const ssize_t len = read(inotify_fd_, buf, sizeof buf);
        if (len <= 0) continue;
        for (const char* p = buf; p < buf + len;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(p);
            p += sizeof(inotify_event) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) full = true;
            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                // Fail-static: the last state stays published; only a restart watches a new one.
                spdlog::error("manifests: {} was removed or moved; serving the last state", options_.dir);
                std::lock_guard lock(health_mutex_);
                health_.last_error = options_.dir + " was removed or moved";
                return;
            }
            if (ev->len && is_manifest_name(ev->name)) changed.insert(ev->name);
        }
        std::lock_guard lock(health_mutex_);
        if (full) ++health_.restarts;
    }
}

}  // namespace xgslb
