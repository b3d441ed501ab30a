#include "userspace/dns_tcp_framing.h"

#include <cstring>

namespace xgslb {

std::span<uint8_t> TcpMessageReader::free_space(size_t min_space) {
    if (start_ == end_) start_ = end_ = 0;
    if (buffer_.size() - end_ < min_space) {
        // Slide the unread tail to the front before growing: a pipelining client keeps the
        // buffer at the size of its largest burst, not of everything it ever sent.
        if (start_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
            end_ -= start_;
            start_ = 0;
        }
        if (buffer_.size() - end_ < min_space) buffer_.resize(end_ + min_space);
    }
    return {buffer_.data() + end_, buffer_.size() - end_};
}

void TcpMessageReader::commit(size_t received) { end_ += received; }

std::optional<std::span<const uint8_t>> TcpMessageReader::next() {
    if (end_ - start_ < 2) return std::nullopt;
    const size_t length = size_t{buffer_[start_]} << 8 | buffer_[start_ + 1];
    if (end_ - start_ < 2 + length) return std::nullopt;
    const std::span<const uint8_t> message{buffer_.data() + start_ + 2, length};
    start_ += 2 + length;
    return message;
}

void TcpResponseWriter::queue(std::span<const uint8_t> message) {
    queued_.push_back(static_cast<uint8_t>(message.size() >> 8));
    queued_.push_back(static_cast<uint8_t>(message.size()));
    queued_.insert(queued_.end(), message.begin(), message.end());
}

std::span<const uint8_t> TcpResponseWriter::in_flight() {
    if (offset_ == sending_.size()) {
        // The previous send is done: what queued up behind it goes out next, in one write.
        sending_.clear();
        offset_ = 0;
        sending_.swap(queued_);
    }
    return {sending_.data() + offset_, sending_.size() - offset_};
}

void TcpResponseWriter::sent(size_t octets) { offset_ += octets; }

}  // namespace xgslb
