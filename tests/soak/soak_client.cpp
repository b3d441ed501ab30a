// soak_client: DNS load at a paced rate with every answer recorded (send and receive times,
// the answer reduced by soak_dns.h), then each answer checked against the churn writer's log
// of published versions (soak_checker.h). kxdpgun and dnsperf count answers; this one reads them.
//
//   soak_client --server 10.77.0.2 --names h0.cloud.example.com,... --rate 10000 --seconds 40
//               --cookie-every 4 --versions versions.log --lag-ms 250 --report report.txt
//
// Exit status: 0 when every answer checked is correct and some were checked; 1 otherwise.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

#include "tests/soak/soak_checker.h"
#include "tests/soak/soak_dns.h"

namespace {

using namespace xgslb::soak;

int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);  // the churn writer's clock (python time.time_ns())
    return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// One answered query, compactly: millions of them are kept until the check.
struct Record {
    int64_t send_ns;
    uint32_t rtt_us;
    uint16_t name;
    bool cookie;
    uint32_t answer;  // index into the interned answers
};

struct InFlight {
    int64_t send_ns = 0;
    uint16_t name = 0;
    bool cookie = false;
    bool pending = false;
};

struct Options {
    std::string server = "10.77.0.2";
    uint16_t port = 53;
    std::vector<std::string> names;
    double rate = 10000;
    double seconds = 10;
    unsigned cookie_every = 4;
    std::string versions;
    double lag_ms = 250;
    std::string publish_log;
    double timeout_ms = 1000;
    std::string report;
};

class Load {
public:
    Load(const Options& o, int fd) : o_(o), fd_(fd) {
        for (size_t i = 0; i < o.names.size(); ++i) {
            queries_plain_.push_back(build_query(0, o.names[i], false));
            queries_cookie_.push_back(build_query(0, o.names[i], true));
        }
    }

    void run() {
        const int64_t start = now_ns();
        const int64_t end = start + static_cast<int64_t>(o_.seconds * 1e9);
        for (int64_t t = start; t < end; t = now_ns()) {
            const auto due = static_cast<uint64_t>(static_cast<double>(t - start) * o_.rate / 1e9);
            if (sent_ < due) send_batch(std::min<uint64_t>(due - sent_, kBatch));
            const bool got = receive();
            if (sent_ >= due && !got) {
                pollfd p{fd_, POLLIN, 0};
                poll(&p, 1, 1);
            }
        }
        elapsed_ns_ = now_ns() - start;
        // Late answers: wait up to the timeout for what is still in flight.
        const int64_t drain_end = now_ns() + static_cast<int64_t>(o_.timeout_ms * 1e6);
        while (now_ns() < drain_end) {
            if (!receive()) {
                pollfd p{fd_, POLLIN, 0};
                poll(&p, 1, 5);
            }
        }
    }

    uint64_t sent_ = 0, send_errors_ = 0, received_ = 0, unmatched_ = 0, lost_ = 0, cookie_sent_ = 0;
    int64_t elapsed_ns_ = 0;
    std::vector<Record> records_;
    std::vector<std::string> answers_;

private:
    static constexpr unsigned kBatch = 64;

    void send_batch(uint64_t n) {
        mmsghdr msgs[kBatch];
        iovec iov[kBatch];
        std::vector<uint8_t> bufs[kBatch];
        uint16_t ids[kBatch];
        for (uint64_t i = 0; i < n; ++i) {
            const uint64_t seq = sent_ + i;
            const auto name = static_cast<uint16_t>(seq % o_.names.size());
            const bool cookie = o_.cookie_every && (seq / o_.names.size()) % o_.cookie_every == 0;
            const auto id = static_cast<uint16_t>(seq);
            bufs[i] = cookie ? queries_cookie_[name] : queries_plain_[name];
            bufs[i][0] = static_cast<uint8_t>(id >> 8);
            bufs[i][1] = static_cast<uint8_t>(id);
            ids[i] = id;
            InFlight& f = in_flight_[id];
            if (f.pending) ++lost_;  // 65536 queries later and still unanswered
            f = {0, name, cookie, true};
            iov[i] = {bufs[i].data(), bufs[i].size()};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int64_t t = now_ns();
        for (uint64_t i = 0; i < n; ++i) in_flight_[ids[i]].send_ns = t;
        const int done = sendmmsg(fd_, msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
        const uint64_t ok = done < 0 ? 0 : static_cast<uint64_t>(done);
        for (uint64_t i = ok; i < n; ++i) in_flight_[ids[i]].pending = false;
        for (uint64_t i = 0; i < ok; ++i) cookie_sent_ += in_flight_[ids[i]].cookie;
        send_errors_ += n - ok;
        sent_ += n;  // paced by schedule: a refused send is counted, not retried
    }

    bool receive() {
        mmsghdr msgs[kBatch];
        iovec iov[kBatch];
        static uint8_t bufs[kBatch][1500];
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {bufs[i], sizeof bufs[i]};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = recvmmsg(fd_, msgs, kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return false;
        const int64_t t = now_ns();  // after the datagrams arrived: the window only widens
        for (int i = 0; i < n; ++i) {
            const std::span<const uint8_t> wire(bufs[i], msgs[i].msg_len);
            uint16_t id = 0;
            if (!response_id(wire, id) || !in_flight_[id].pending) {
                ++unmatched_;
                continue;
            }
            InFlight& f = in_flight_[id];
            ParsedResponse r;
            if (!parse_response(wire, o_.names[f.name], r)) {
                ++unmatched_;
                continue;
            }
            f.pending = false;
            ++received_;
            records_.push_back({f.send_ns, static_cast<uint32_t>((t - f.send_ns) / 1000), f.name, f.cookie, intern(r.answer)});
        }
        return true;
    }

    uint32_t intern(const std::string& answer) {
        auto [it, fresh] = answer_ids_.emplace(answer, static_cast<uint32_t>(answers_.size()));
        if (fresh) answers_.push_back(answer);
        return it->second;
    }

    const Options& o_;
    int fd_;
    std::vector<std::vector<uint8_t>> queries_plain_, queries_cookie_;
    std::vector<InFlight> in_flight_ = std::vector<InFlight>(65536);
    std::unordered_map<std::string, uint32_t> answer_ids_;
};

int open_socket(const Options& o) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(o.port);
    if (inet_pton(AF_INET, o.server.c_str(), &to.sin_addr) != 1) throw std::runtime_error("bad --server " + o.server);
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
        throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"DNS load with every answer checked against the published versions"};
    app.add_option("--server", o.server, "IPv4 address of the DNS server");
    app.add_option("--port", o.port);
    app.add_option("--names", o.names, "names to query, in turn")->delimiter(',')->required();
    app.add_option("--rate", o.rate, "queries per second");
    app.add_option("--seconds", o.seconds, "how long to send");
    app.add_option("--cookie-every", o.cookie_every,
                   "every Nth round over the names carries an EDNS COOKIE (the slow path); 0: never");
    app.add_option("--versions", o.versions, "the churn writer's log of published versions")->required();
    app.add_option("--publish-log", o.publish_log,
                   "the daemon's log: its publish times bound how stale an answer may be (soak_checker.h)");
    app.add_option("--lag-ms", o.lag_ms, "without --publish-log: how long a replaced version may still be served");
    app.add_option("--timeout-ms", o.timeout_ms, "how long to wait for the last answers");
    app.add_option("--report", o.report, "also write the summary (key=value lines) to this file");
    CLI11_PARSE(app, argc, argv);

    try {
        const int fd = open_socket(o);
        Load load(o, fd);
        load.run();
        close(fd);

        std::ifstream in(o.versions);
        if (!in) throw std::runtime_error("cannot read " + o.versions);
        const VersionLog log = read_version_log(in);
        std::vector<int64_t> publishes;
        if (!o.publish_log.empty()) {
            std::ifstream daemon_log(o.publish_log);
            if (!daemon_log) throw std::runtime_error("cannot read " + o.publish_log);
            publishes = read_publish_times(daemon_log);
        }
        // Publishes during the load, and the longest pause between two: what "one publish" was.
        int64_t max_publish_gap = 0;
        uint64_t publishes_during = 0;
        const int64_t load_start = load.records_.empty() ? 0 : load.records_.front().send_ns;
        const int64_t load_end = load_start + load.elapsed_ns_;
        for (size_t i = 0; i < publishes.size(); ++i) {
            if (publishes[i] < load_start || publishes[i] > load_end) continue;
            ++publishes_during;
            if (i && publishes[i - 1] >= load_start) max_publish_gap = std::max(max_publish_gap, publishes[i] - publishes[i - 1]);
        }
        const AnswerChecker checker = publishes.empty() ? AnswerChecker(log, static_cast<int64_t>(o.lag_ms * 1e6))
                                                        : AnswerChecker(log, publishes);
        std::map<Verdict, uint64_t> verdicts;
        uint64_t cookie_answers = 0, max_rtt_us = 0;
        int64_t max_stale_ns = 0;
        std::vector<std::string> examples;
        for (const Record& r : load.records_) {
            const Observation ob{o.names[r.name], load.answers_[r.answer], r.send_ns,
                                 r.send_ns + int64_t{r.rtt_us} * 1000 + 1000};
            int64_t stale = 0;
            const Verdict v = checker.check(ob, &stale);
            ++verdicts[v];
            cookie_answers += r.cookie;
            max_rtt_us = std::max<uint64_t>(max_rtt_us, r.rtt_us);
            if (v == Verdict::WithinLag) max_stale_ns = std::max(max_stale_ns, stale);
            if (is_error(v) && examples.size() < 10)
                examples.push_back(std::string(to_string(v)) + ": " + checker.explain(ob));
        }
        uint64_t errors = 0;
        for (const auto& [v, n] : verdicts)
            if (is_error(v)) errors += n;
        const uint64_t checked = load.records_.size();
        std::ostringstream s;
        s << "seconds=" << static_cast<double>(load.elapsed_ns_) / 1e9 << "\n"
          << "sent=" << load.sent_ << "\n"
          << "send_errors=" << load.send_errors_ << "\n"
          << "sent_rate=" << static_cast<uint64_t>(static_cast<double>(load.sent_) * 1e9 / static_cast<double>(load.elapsed_ns_)) << "\n"
          << "answers_checked=" << checked << "\n"
          << "answers_with_cookie=" << cookie_answers << "\n"
          << "unanswered=" << load.sent_ - load.send_errors_ - checked << "\n"
          << "unmatched_datagrams=" << load.unmatched_ << "\n"
          << "current=" << verdicts[Verdict::Current] << "\n"
          << "within_lag=" << verdicts[Verdict::WithinLag] << "\n"
          << "max_staleness_ms=" << static_cast<double>(max_stale_ns) / 1e6 << "\n"
          << "stale=" << verdicts[Verdict::Stale] << "\n"
          << "future=" << verdicts[Verdict::Future] << "\n"
          << "unpublished=" << verdicts[Verdict::Unpublished] << "\n"
          << "errors=" << errors << "\n"
          << "versions=" << log.versions << "\n"
          << "publishes=" << publishes_during << "\n"
          << "max_publish_gap_ms=" << static_cast<double>(max_publish_gap) / 1e6 << "\n"
          << "distinct_answers=" << load.answers_.size() << "\n"
          << "max_rtt_ms=" << static_cast<double>(max_rtt_us) / 1e3 << "\n";
        std::cout << s.str();
        for (const auto& e : examples) std::cout << "error: " << e << "\n";
        if (!o.report.empty()) std::ofstream(o.report) << s.str();
        return errors == 0 && checked > 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "soak_client: " << e.what() << "\n";
        return 2;
    }
}
