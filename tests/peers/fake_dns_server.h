// A scripted authoritative server on 127.0.0.1 (UDP and TCP, ephemeral port) for the client and
// poller tests: answers from a table, and can be told to stay silent, to truncate UDP answers,
// or to send a reply with a wrong ID before the right one (or instead of it).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace xgslb::test {

class FakeDnsServer {
public:
    struct Answer {
        uint8_t rcode = 0;
        std::vector<std::string> addresses;  // "10.0.0.1" (A) or "2001:db8::1" (AAAA), as the type asks
    };

    FakeDnsServer();
    ~FakeDnsServer();

    uint16_t port() const { return port_; }
    // name without the trailing dot, lowercase; type 1 or 28. Unlisted names: NXDOMAIN.
    void set(const std::string& name, uint16_t type, Answer answer);
    std::atomic<bool> silent{false};
    std::atomic<bool> truncate_udp{false};
    std::atomic<bool> wrong_id_first{false};
    std::atomic<bool> wrong_id_only{false};  // the reply with a wrong ID, never the right one
    std::atomic<int> udp_queries{0}, tcp_queries{0};

private:
    void run();
    std::vector<uint8_t> respond(const std::vector<uint8_t>& query, bool udp);

    int udp_ = -1, tcp_ = -1;
    uint16_t port_ = 0;
    std::mutex mutex_;
    std::map<std::pair<std::string, uint16_t>, Answer> table_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace xgslb::test
