// A ClusterSource over a directory of Kubernetes manifests: "a cluster in files". Every *.yaml,
// *.yml or *.json file directly in the directory (hidden files skipped) is read as the objects
// the API would list; inotify turns an edit into a change of the cluster:
//   * IN_CLOSE_WRITE (not IN_MODIFY, which would read half-written files), IN_CREATE, IN_DELETE,
//     IN_MOVED_FROM/TO (editors and `mv` of a temporary file), and an overflow rescans all;
//   * events are debounced (a burst of writes is one change) and only changed files re-read;
//   * a bad file is logged once, with file:line, and its last good version stays (fail-static).
// Status goes to DIR/.status/<namespace>.<name>.json (written atomically); a created Gslb becomes
// the file DIR/<namespace>.<name>.gslb.json, which the watch then reads like any other.
// The directory is read from construction on, on the source's own thread, and delivered once
// start() is called: the daemon makes its source before it loads the XDP program, so reading a
// large directory overlaps that instead of following it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/manifest_file.h"

namespace xgslb {

class ManifestsSource : public ClusterSource {
public:
    struct Options {
        std::string dir;
        std::chrono::milliseconds debounce{5};
    };

    // Throws xgslb::Error when the directory cannot be watched. Starts reading it.
    explicit ManifestsSource(Options options);
    ~ManifestsSource() override;

    void start(OnChange on_change) override;
    void stop() override;
    bool is_leader() const override { return true; }
    void write_gslb_status(const std::string& ns, const std::string& name, const nlohmann::json& status) override;
    void create_gslb(const nlohmann::json& gslb) override;
    SourceHealth health() const override;

    std::string status_path(const std::string& ns, const std::string& name) const;

private:
    // A file's object as every snapshot shares it (never copied once parsed).
    struct StoredObject {
        std::string kind, key;
        ObjectPtr object;
    };
    struct FileState {
        std::vector<StoredObject> objects;  // the last good parse
        std::string error;                  // the current problem, logged once
    };

    // One file read and parsed, not yet applied (parse() touches no member: threads run it).
    struct Parsed {
        bool exists = false;
        std::vector<ManifestObject> objects;
        std::string error;
    };

    void run();
    void rescan();  // every file, as at start and after an inotify overflow
    // Re-reads one file (by name in dir); true when its objects changed.
    bool reload(const std::string& name);
    Parsed parse(const std::string& name) const;
    bool apply(const std::string& name, Parsed parsed);  // true when the file's objects changed
    std::shared_ptr<const ClusterState> merge() const;
    void update_health();

    Options options_;
    int inotify_fd_ = -1;
    int stop_fd_ = -1;
    // on_change_ is set once by start(); the thread waits for it after the first read.
    std::mutex start_mutex_;
    std::condition_variable start_cv_;
    bool started_ = false;
    bool stopping_ = false;
    OnChange on_change_;
    std::thread thread_;
    std::map<std::string, FileState> files_;  // by file name; only the thread touches it
    mutable std::mutex health_mutex_;
    SourceHealth health_;
};

// The file names the source reads: *.yaml, *.yml, *.json, not hidden.
bool is_manifest_name(const std::string& name);

}  // namespace xgslb
