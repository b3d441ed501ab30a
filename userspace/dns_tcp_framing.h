// DNS over TCP framing (RFC 1035 4.2.2, RFC 7766 8): every message is preceded by its length
// in two octets. TCP delivers a byte stream, so one read may hold half a message or several
// pipelined ones; these two buffers turn reads into whole messages and responses into a stream
// that survives partial writes. No sockets here: the server worker feeds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace xgslb {

// Collects received octets and hands out complete messages in arrival order.
class TcpMessageReader {
public:
    // Where the next read may put its octets: at least `min_space` free octets, stable until
    // commit() (the buffer only moves inside free_space()).
    std::span<uint8_t> free_space(size_t min_space = 4096);
    void commit(size_t received);

    // The next complete message (without its length prefix), valid until the next call of any
    // member; nullopt when the buffered octets hold no complete message yet.
    std::optional<std::span<const uint8_t>> next();

    size_t buffered() const { return end_ - start_; }

private:
    std::vector<uint8_t> buffer_;
    size_t start_ = 0;  // first octet not yet handed out
    size_t end_ = 0;    // one past the last received octet
};

// Queues length-prefixed responses. One send at a time is in flight: its octets (in_flight())
// never move while more responses are queued behind it.
class TcpResponseWriter {
public:
    static constexpr size_t max_message = 65535;

    void queue(std::span<const uint8_t> message);  // message.size() <= max_message

    // The octets the next send should write; empty when nothing is waiting. Stable until
    // sent() is called.
    std::span<const uint8_t> in_flight();
    void sent(size_t octets);  // how many of in_flight() the send wrote

    size_t pending() const { return sending_.size() - offset_ + queued_.size(); }

private:
    std::vector<uint8_t> sending_;
    size_t offset_ = 0;
    std::vector<uint8_t> queued_;
};

}  // namespace xgslb
