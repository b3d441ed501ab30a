#include "userspace/server_worker.h"

#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "userspace/dns_tcp_framing.h"
#include "userspace/error.h"
#include "userspace/reflection_guard.h"

namespace xgslb {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kSqEntries = 1024;
constexpr unsigned kCqEntries = 8192;
// UDP receive buffers: a completion batch larger than this many datagrams overflows into
// ENOBUFS (counted as dropped); the socket's own buffer holds the rest meanwhile.
constexpr unsigned kUdpBuffers = 512;  // a power of two (buffer ring)
constexpr unsigned kUdpBufferSize = 4096;
constexpr uint16_t kBufferGroup = 0;
constexpr size_t kMaxUdpSendsInFlight = 4096;
// A TCP client that reads no responses: stop reading its queries once this much is waiting.
constexpr size_t kTcpMaxPendingOutput = 256 * 1024;
constexpr size_t kTcpReadSize = 16 * 1024;
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr unsigned kLogBurst = 20;  // error lines per worker and second, the rest counted

enum class Op : uint8_t { udp_recv = 1, udp_send, accept, tcp_recv, tcp_send, stop, tick, cancel };

uint64_t tag(Op op, uint64_t id) { return uint64_t(op) << 56 | (id & ((uint64_t{1} << 56) - 1)); }
Op op_of(uint64_t data) { return static_cast<Op>(data >> 56); }
uint64_t id_of(uint64_t data) { return data & ((uint64_t{1} << 56) - 1); }

// Single writer (the worker), any reader: a relaxed load and store, no locked instruction.
void bump(std::atomic<uint64_t>& c, uint64_t n = 1) { c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }

// Room for the larger of the two pktinfo control messages.
constexpr size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));

// Where a reply must come from when the socket is bound to a wildcard address.
struct ReplySource {
    int family = AF_UNSPEC;  // AF_UNSPEC: none (the socket's own address)
    in_pktinfo v4{};
    in6_pktinfo v6{};
};

void read_reply_source(cmsghdr* cmsg, ReplySource& out) {
    if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(cmsg), sizeof info);
        out.family = AF_INET;
        out.v4 = {};
        out.v4.ipi_spec_dst = info.ipi_addr;  // the query's destination; routing picks the interface
    } else if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
        std::memcpy(&out.v6, CMSG_DATA(cmsg), sizeof out.v6);  // keeps the interface: link-local
        out.family = AF_INET6;
    }
}

struct UdpSend {
    msghdr msg{};
    iovec iov{};
    sockaddr_storage peer{};
    alignas(cmsghdr) unsigned char control[kControlSize]{};
    std::vector<uint8_t> payload;
};

struct UdpSocket {
    ListenSocket socket;
    msghdr recv_msg{};  // multishot: only the name and control lengths matter
    bool multishot_armed = false;
    // The one-recvmsg-at-a-time fallback.
    std::vector<uint8_t> buffer;
    iovec iov{};
    sockaddr_storage name{};
    alignas(cmsghdr) unsigned char control[kControlSize]{};
};

struct Connection {
    uint64_t id = 0;
    Fd fd;
    sockaddr_storage peer{};
    TcpMessageReader reader;
    TcpResponseWriter writer;
    Clock::time_point last_activity;
    bool recv_pending = false;
    bool send_pending = false;
    bool read_closed = false;  // the client sent FIN: answer what came, then close
    bool closing = false;
};

class LogLimiter {
public:
    bool allow() {
        const auto now = Clock::now();
        if (now - window_ >= std::chrono::seconds(1)) {
            if (suppressed_) spdlog::warn("dns server: {} more error messages suppressed", suppressed_);
            window_ = now;
            count_ = 0;
            suppressed_ = 0;
        }
        if (count_ < kLogBurst) return ++count_, true;
        ++suppressed_;
        return false;
    }

private:
    Clock::time_point window_{};
    unsigned count_ = 0;
    uint64_t suppressed_ = 0;
};

}  // namespace

ServerCounters& ServerCounters::operator+=(const ServerCounters& o) {
    udp_queries += o.udp_queries;
    udp_responses += o.udp_responses;
    tcp_queries += o.tcp_queries;
    tcp_responses += o.tcp_responses;
    dropped += o.dropped;
    tcp_accepted += o.tcp_accepted;
    tcp_refused += o.tcp_refused;
    tcp_open += o.tcp_open;
    tcp_idle_closed += o.tcp_idle_closed;
    errors += o.errors;
    return *this;
}

struct ServerWorker::Loop {
    Loop(unsigned index, WorkerSockets sockets, const ServerSettings& settings, const Answerer& answerer,
         const ViewHolder& view);
    ~Loop();

    void run();
    void request_stop();

    // ---- set-up
    void setup_ring();
    void setup_buffer_ring();

    // ---- submission
    io_uring_sqe* sqe();
    void arm_udp(size_t i);
    void arm_accept(size_t i);
    void arm_stop();
    void arm_tick();
    void arm_tcp_recv(Connection& c);
    void arm_tcp_send(Connection& c);

    // ---- completion
    void complete_batch();
    void complete(const io_uring_cqe& cqe);
    void on_udp_recv(size_t i, const io_uring_cqe& cqe);
    void on_udp_send(uint64_t slot, int res);
    void on_accept(size_t i, int res);
    void on_tcp_recv(Connection& c, int res);
    void on_tcp_send(Connection& c, int res);
    void on_tick();

    void answer_udp(const UdpSocket& s, std::span<const uint8_t> query, const sockaddr_storage& peer,
                    socklen_t peer_len, const ReplySource& source);
    void answer_tcp(Connection& c);
    void recycle(uint16_t bid);
    void close_connection(Connection& c);
    void forget_if_done(Connection& c);
    void drain();

    template <typename... Args>
    void error(fmt::format_string<Args...> format, Args&&... args) {
        bump(errors);
        if (log_.allow()) spdlog::error("dns worker {}: {}", index, fmt::format(format, std::forward<Args>(args)...));
    }

    unsigned index;
    ServerSettings settings;
    const Answerer& answerer;
    ViewReader view;

    io_uring ring{};
    bool ring_ready = false;
    bool ring_disabled = false;  // created with R_DISABLED: run() enables it
    Fd stop_fd;
    uint64_t stop_value = 0;
    __kernel_timespec tick_interval{};
    std::atomic<bool> stop_requested{false};
    bool stopping = false;
    size_t in_flight = 0;  // operations whose last completion has not arrived

    std::vector<UdpSocket> udp;
    std::vector<ListenSocket> tcp;

    // Provided buffers for multishot recvmsg.
    bool multishot = false;
    io_uring_buf_ring* buf_ring = nullptr;
    size_t buf_ring_bytes = 0;
    std::vector<uint8_t> udp_buffers;
    unsigned buffers_to_return = 0;

    std::vector<std::unique_ptr<UdpSend>> sends;
    std::vector<uint64_t> free_sends;

    std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections;
    uint64_t next_connection_id = 1;

    LogLimiter log_;
    std::atomic<uint64_t> udp_queries{0}, udp_responses{0}, tcp_queries{0}, tcp_responses{0}, dropped{0},
        tcp_accepted{0}, tcp_refused{0}, tcp_open{0}, tcp_idle_closed{0}, errors{0};
    QueryStats query_stats;  // responses by rcode and answer latency, for /metrics
};

ServerWorker::Loop::Loop(unsigned index_, WorkerSockets sockets, const ServerSettings& settings_,
                         const Answerer& answerer_, const ViewHolder& holder)
    : index(index_), settings(settings_), answerer(answerer_), view(holder) {
    for (auto& s : sockets.udp) {
        udp.emplace_back();
        udp.back().socket = std::move(s);
    }
    tcp = std::move(sockets.tcp);
    const int efd = eventfd(0, EFD_CLOEXEC);
    if (efd < 0) throw_errno("dns worker: eventfd", errno);
    stop_fd = Fd(efd);
    // The idle check runs a few times per timeout, so a connection lives at most 1.25 timeouts.
    const auto tick = std::clamp(settings.tcp_idle_timeout / 4, std::chrono::milliseconds(5),
                                 std::chrono::milliseconds(1000));
    tick_interval.tv_sec = tick.count() / 1000;
    tick_interval.tv_nsec = (tick.count() % 1000) * 1000000;
    setup_ring();
    setup_buffer_ring();
    for (auto& s : udp) {
        s.recv_msg.msg_namelen = sizeof(sockaddr_in6);
        s.recv_msg.msg_controllen = s.socket.wildcard ? kControlSize : 0;
        if (!multishot) {
            s.buffer.resize(kUdpBufferSize);
            s.iov = {s.buffer.data(), s.buffer.size()};
        }
    }
}

ServerWorker::Loop::~Loop() {
    connections.clear();
    if (ring_ready) io_uring_queue_exit(&ring);  // after drain(): nothing writes into our buffers
    if (buf_ring) munmap(buf_ring, buf_ring_bytes);
}

void ServerWorker::Loop::setup_ring() {
    io_uring_params params{};
    // DEFER_TASKRUN (6.1): completions are posted when this thread waits for them, in one go,
    // rather than by task work that interrupts it (and the CPU that received the datagram) per
    // datagram. It needs SINGLE_ISSUER, and the issuer is the thread that enables the ring:
    // it starts disabled here and run() enables it on the worker's own thread.
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
                   IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
    params.cq_entries = kCqEntries;
    int ret = io_uring_queue_init_params(kSqEntries, &ring, &params);
    if (ret == 0) {
        ring_disabled = true;
    } else if (ret == -EINVAL) {
        params = {};
        params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
        params.cq_entries = kCqEntries;
        ret = io_uring_queue_init_params(kSqEntries, &ring, &params);
    }
    if (ret == -EINVAL) {  // kernels before 5.19 know neither SUBMIT_ALL nor COOP_TASKRUN
        params = {};
        params.flags = IORING_SETUP_CQSIZE;
        params.cq_entries = kCqEntries;
        ret = io_uring_queue_init_params(kSqEntries, &ring, &params);
    }
    if (ret < 0) throw_errno("dns worker: io_uring_queue_init (is io_uring disabled by kernel.io_uring_disabled?)", ret);
    ring_ready = true;
}

void ServerWorker::Loop::setup_buffer_ring() {
    buf_ring_bytes = kUdpBuffers * sizeof(io_uring_buf);
    void* mem = mmap(nullptr, buf_ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED) throw_errno("dns worker: mmap of the buffer ring", errno);
    buf_ring = static_cast<io_uring_buf_ring*>(mem);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uintptr_t>(buf_ring);
    reg.ring_entries = kUdpBuffers;
    reg.bgid = kBufferGroup;
    if (const int ret = io_uring_register_buf_ring(&ring, &reg, 0); ret < 0) {
        spdlog::warn("dns worker {}: no provided-buffer rings ({}); UDP falls back to one recvmsg at a time", index,
                     std::strerror(-ret));
        munmap(buf_ring, buf_ring_bytes);
        buf_ring = nullptr;
        return;
    }
    multishot = true;
    io_uring_buf_ring_init(buf_ring);
    udp_buffers.resize(size_t{kUdpBuffers} * kUdpBufferSize);
    const int mask = io_uring_buf_ring_mask(kUdpBuffers);
    for (unsigned bid = 0; bid < kUdpBuffers; ++bid)
        io_uring_buf_ring_add(buf_ring, udp_buffers.data() + size_t{bid} * kUdpBufferSize, kUdpBufferSize,
                              static_cast<unsigned short>(bid), mask, static_cast<int>(bid));
    io_uring_buf_ring_advance(buf_ring, kUdpBuffers);
}

// ---- submission ---------------------------------------------------------------------------

io_uring_sqe* ServerWorker::Loop::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (!s) {  // the queue is full within one batch: hand it over and carry on
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
        if (!s) throw Error("submission queue full");
    }
    ++in_flight;
    return s;
}

void ServerWorker::Loop::arm_udp(size_t i) {
    UdpSocket& s = udp[i];
    io_uring_sqe* e = sqe();
    s.multishot_armed = multishot;
    if (multishot) {
        io_uring_prep_recvmsg_multishot(e, s.socket.fd.get(), &s.recv_msg, 0);
        e->flags |= IOSQE_BUFFER_SELECT;
        e->buf_group = kBufferGroup;
    } else {
        s.recv_msg = {};
        s.recv_msg.msg_name = &s.name;
        s.recv_msg.msg_namelen = sizeof s.name;
        s.recv_msg.msg_iov = &s.iov;
        s.recv_msg.msg_iovlen = 1;
        s.recv_msg.msg_control = s.socket.wildcard ? s.control : nullptr;
        s.recv_msg.msg_controllen = s.socket.wildcard ? sizeof s.control : 0;
        io_uring_prep_recvmsg(e, s.socket.fd.get(), &s.recv_msg, 0);
    }
    io_uring_sqe_set_data64(e, tag(Op::udp_recv, i));
}

void ServerWorker::Loop::arm_accept(size_t i) {
    io_uring_sqe* e = sqe();
    io_uring_prep_multishot_accept(e, tcp[i].fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(e, tag(Op::accept, i));
}

void ServerWorker::Loop::arm_stop() {
    io_uring_sqe* e = sqe();
    io_uring_prep_read(e, stop_fd.get(), &stop_value, sizeof stop_value, 0);
    io_uring_sqe_set_data64(e, tag(Op::stop, 0));
}

void ServerWorker::Loop::arm_tick() {
    io_uring_sqe* e = sqe();
    io_uring_prep_timeout(e, &tick_interval, 0, 0);
    io_uring_sqe_set_data64(e, tag(Op::tick, 0));
}

void ServerWorker::Loop::arm_tcp_recv(Connection& c) {
    const std::span<uint8_t> space = c.reader.free_space(kTcpReadSize);
    io_uring_sqe* e = sqe();
    io_uring_prep_recv(e, c.fd.get(), space.data(), space.size(), 0);
    io_uring_sqe_set_data64(e, tag(Op::tcp_recv, c.id));
    c.recv_pending = true;
}

void ServerWorker::Loop::arm_tcp_send(Connection& c) {
    if (c.send_pending) return;
    const std::span<const uint8_t> out = c.writer.in_flight();
    if (out.empty()) return;
    io_uring_sqe* e = sqe();
    io_uring_prep_send(e, c.fd.get(), out.data(), out.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(e, tag(Op::tcp_send, c.id));
    c.send_pending = true;
}

// ---- the loop -----------------------------------------------------------------------------

void ServerWorker::Loop::run() {
    const std::string name = "xgslb-dns-" + std::to_string(index);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    if (ring_disabled) {
        // io_uring_enable_rings() is declared by liburing 2.3 but not exported by its library.
        if (syscall(__NR_io_uring_register, ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0) {
            error("enabling the ring: {}", std::strerror(errno));
            return;
        }
        ring_disabled = false;
    }
    try {
        arm_stop();
        arm_tick();
        for (size_t i = 0; i < udp.size(); ++i) arm_udp(i);
        for (size_t i = 0; i < tcp.size(); ++i) arm_accept(i);
    } catch (const std::exception& e) {
        error("arming the sockets: {}", e.what());
    }
    // request_stop() may have come before the eventfd read was armed.
    stopping = stop_requested.load();
    while (!stopping) {
        const int ret = io_uring_submit_and_wait(&ring, 1);
        if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME) {
            error("io_uring_submit_and_wait: {}", std::strerror(-ret));
            usleep(1000);  // do not spin on a persistent error
        }
        complete_batch();
    }
    drain();
}

void ServerWorker::Loop::complete_batch() {
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        try {
            complete(*cqe);
        } catch (const std::exception& e) {
            error("{}", e.what());
        }
    }
    io_uring_cq_advance(&ring, seen);
    if (buffers_to_return) {
        io_uring_buf_ring_advance(buf_ring, static_cast<int>(buffers_to_return));
        buffers_to_return = 0;
    }
}

void ServerWorker::Loop::complete(const io_uring_cqe& cqe) {
    if (!(cqe.flags & IORING_CQE_F_MORE)) --in_flight;
    const uint64_t id = id_of(cqe.user_data);
    switch (op_of(cqe.user_data)) {
    case Op::udp_recv: return on_udp_recv(id, cqe);
    case Op::udp_send: return on_udp_send(id, cqe.res);
    case Op::accept: return on_accept(id, cqe.res);
    case Op::tcp_recv:
    case Op::tcp_send: {
        const auto it = connections.find(id);
        if (it == connections.end()) return;
        Connection& c = *it->second;
        const bool recv = op_of(cqe.user_data) == Op::tcp_recv;
        (recv ? c.recv_pending : c.send_pending) = false;
        if (c.closing) return forget_if_done(c);
        // Either may close (and free) c: nothing touches it after.
        if (recv) on_tcp_recv(c, cqe.res);
        else on_tcp_send(c, cqe.res);
        return;
    }
    case Op::stop:
        stopping = true;
        return;
    case Op::tick: return on_tick();
    case Op::cancel: return;
    }
}

// ---- UDP ------------------------------------------------------------------------------------

void ServerWorker::Loop::on_udp_recv(size_t i, const io_uring_cqe& cqe) {
    UdpSocket& s = udp[i];
    const bool more = cqe.flags & IORING_CQE_F_MORE;
    if (cqe.res < 0) {
        if (cqe.res == -ENOBUFS) {
            bump(dropped);  // every buffer was taken within one batch; the kernel keeps the rest queued
        } else if (cqe.res == -EINVAL && s.multishot_armed) {
            if (multishot)
                spdlog::warn("dns worker {}: multishot recvmsg refused (EINVAL); falling back to one recvmsg at a time",
                             index);
            multishot = false;
            for (auto& u : udp) {
                u.buffer.resize(kUdpBufferSize);
                u.iov = {u.buffer.data(), u.buffer.size()};
            }
        } else if (cqe.res != -ECANCELED || !stopping) {
            error("UDP receive on {}: {}", s.socket.address.to_string(), std::strerror(-cqe.res));
        }
    } else if (cqe.flags & IORING_CQE_F_BUFFER) {
        const auto bid = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
        uint8_t* buffer = udp_buffers.data() + size_t{bid} * kUdpBufferSize;
        io_uring_recvmsg_out* out = io_uring_recvmsg_validate(buffer, cqe.res, &s.recv_msg);
        if (!out || (out->flags & MSG_TRUNC) || out->namelen > sizeof(sockaddr_in6)) {
            bump(udp_queries);
            bump(dropped);  // larger than any query we answer
        } else {
            sockaddr_storage peer{};
            std::memcpy(&peer, io_uring_recvmsg_name(out), out->namelen);
            ReplySource source;
            for (cmsghdr* c = io_uring_recvmsg_cmsg_firsthdr(out, &s.recv_msg); c;
                 c = io_uring_recvmsg_cmsg_nexthdr(out, &s.recv_msg, c))
                read_reply_source(c, source);
            const auto* payload = static_cast<const uint8_t*>(io_uring_recvmsg_payload(out, &s.recv_msg));
            const unsigned length = io_uring_recvmsg_payload_length(out, cqe.res, &s.recv_msg);
            answer_udp(s, {payload, length}, peer, out->namelen, source);
        }
        recycle(bid);
    } else if (!multishot) {
        if (s.recv_msg.msg_flags & MSG_TRUNC) {
            bump(udp_queries);
            bump(dropped);
        } else {
            ReplySource source;
            for (cmsghdr* c = CMSG_FIRSTHDR(&s.recv_msg); c; c = CMSG_NXTHDR(&s.recv_msg, c))
                read_reply_source(c, source);
            answer_udp(s, {s.buffer.data(), static_cast<size_t>(cqe.res)}, s.name, s.recv_msg.msg_namelen, source);
        }
    }
    if (!more && !stopping) arm_udp(i);
}

void ServerWorker::Loop::recycle(uint16_t bid) {
    io_uring_buf_ring_add(buf_ring, udp_buffers.data() + size_t{bid} * kUdpBufferSize, kUdpBufferSize, bid,
                          io_uring_buf_ring_mask(kUdpBuffers), static_cast<int>(buffers_to_return));
    ++buffers_to_return;
}

void ServerWorker::Loop::answer_udp(const UdpSocket& s, std::span<const uint8_t> query,
                                    const sockaddr_storage& peer, socklen_t peer_len, const ReplySource& source) {
    bump(udp_queries);
    if (must_not_answer(peer)) return bump(dropped);  // never reflect (reflection_guard.h)
    QueryContext context;
    context.transport = Transport::udp;
    context.client = peer;
    if (free_sends.empty()) {
        if (sends.size() >= kMaxUdpSendsInFlight) return bump(dropped);
        sends.push_back(std::make_unique<UdpSend>());
        free_sends.push_back(sends.size() - 1);
    }
    const uint64_t slot = free_sends.back();
    UdpSend& out = *sends[slot];
    // Into the slot's own buffer: its capacity from earlier responses is reused.
    const auto started = Clock::now();
    if (!answerer.answer_into(query, context, view.current(), out.payload)) return bump(dropped);
    query_stats.record(Transport::udp, out.payload.data(), out.payload.size(), Clock::now() - started);
    out.peer = peer;
    out.iov = {out.payload.data(), out.payload.size()};
    out.msg = {};
    out.msg.msg_name = &out.peer;
    out.msg.msg_namelen = peer_len;
    out.msg.msg_iov = &out.iov;
    out.msg.msg_iovlen = 1;
    if (source.family != AF_UNSPEC) {
        out.msg.msg_control = out.control;
        const bool v4 = source.family == AF_INET;
        const size_t data_len = v4 ? sizeof(in_pktinfo) : sizeof(in6_pktinfo);
        out.msg.msg_controllen = CMSG_SPACE(data_len);
        cmsghdr* c = CMSG_FIRSTHDR(&out.msg);
        c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
        c->cmsg_type = v4 ? IP_PKTINFO : IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(data_len);
        if (v4) std::memcpy(CMSG_DATA(c), &source.v4, data_len);
        else std::memcpy(CMSG_DATA(c), &source.v6, data_len);
    }
    io_uring_sqe* e = sqe();
    io_uring_prep_sendmsg(e, s.socket.fd.get(), &out.msg, 0);
    io_uring_sqe_set_data64(e, tag(Op::udp_send, slot));
    free_sends.pop_back();
}

void ServerWorker::Loop::on_udp_send(uint64_t slot, int res) {
    free_sends.push_back(slot);
    sends[slot]->payload.clear();
    if (res >= 0) return bump(udp_responses);
    bump(dropped);
    if (res != -ECANCELED || !stopping) error("UDP send: {}", std::strerror(-res));
}

// ---- TCP ------------------------------------------------------------------------------------

void ServerWorker::Loop::on_accept(size_t i, int res) {
    if (res >= 0) {
        Fd fd(res);
        if (stopping) return;
        if (connections.size() >= settings.tcp_max_connections) {
            bump(tcp_refused);  // RFC 7766 6.2.2: the client retries elsewhere or later
            return;
        }
        auto c = std::make_unique<Connection>();
        c->id = next_connection_id++;
        c->fd = std::move(fd);
        socklen_t len = sizeof c->peer;
        getpeername(c->fd.get(), reinterpret_cast<sockaddr*>(&c->peer), &len);
        const int one = 1;
        // A response is one write: nothing is gained by waiting to coalesce it.
        setsockopt(c->fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->last_activity = Clock::now();
        Connection& ref = *c;
        connections.emplace(c->id, std::move(c));
        bump(tcp_accepted);
        bump(tcp_open);
        arm_tcp_recv(ref);
        return;
    }
    if (res == -ECANCELED && stopping) return;
    // EMFILE, ENFILE, ENOBUFS: the listener stays; the client sees its connection wait.
    if (res != -ECONNABORTED) error("TCP accept on {}: {}", tcp[i].address.to_string(), std::strerror(-res));
    if (res == -EMFILE || res == -ENFILE) usleep(1000);
}

void ServerWorker::Loop::on_tcp_recv(Connection& c, int res) {
    if (res <= 0) {
        if (res < 0 && res != -ECONNRESET && res != -ECANCELED && res != -EPIPE)
            error("TCP receive from a client: {}", std::strerror(-res));
        c.read_closed = true;
        if (res < 0 || (!c.send_pending && c.writer.pending() == 0)) close_connection(c);
        return;
    }
    c.reader.commit(static_cast<size_t>(res));
    c.last_activity = Clock::now();
    answer_tcp(c);
    arm_tcp_send(c);
    if (c.writer.pending() < kTcpMaxPendingOutput) arm_tcp_recv(c);
}

void ServerWorker::Loop::answer_tcp(Connection& c) {
    QueryContext context;
    context.transport = Transport::tcp;
    context.client = c.peer;
    while (auto message = c.reader.next()) {
        bump(tcp_queries);
        // Several messages for a zone transfer (RFC 5936 2.2), queued back to back.
        const auto started = Clock::now();
        const std::vector<std::vector<uint8_t>> responses = answerer.answer_all(*message, context, view.current());
        if (responses.empty()) bump(dropped);
        else query_stats.record(Transport::tcp, responses[0].data(), responses[0].size(), Clock::now() - started);
        for (const std::vector<uint8_t>& response : responses) {
            if (response.size() > TcpResponseWriter::max_message) {
                bump(dropped);
                break;
            }
            c.writer.queue(response);
            bump(tcp_responses);
        }
    }
}

void ServerWorker::Loop::on_tcp_send(Connection& c, int res) {
    if (res < 0) {
        if (res != -EPIPE && res != -ECONNRESET && res != -ECANCELED) error("TCP send to a client: {}", std::strerror(-res));
        return close_connection(c);
    }
    c.writer.sent(static_cast<size_t>(res));
    c.last_activity = Clock::now();
    arm_tcp_send(c);  // the rest of a partial write, or what queued up meanwhile
    if (c.read_closed) {
        if (!c.send_pending) close_connection(c);
    } else if (!c.recv_pending && c.writer.pending() < kTcpMaxPendingOutput) {
        arm_tcp_recv(c);  // the client caught up with its responses
    }
}

void ServerWorker::Loop::on_tick() {
    if (stopping) return;
    const auto now = Clock::now();
    for (auto it = connections.begin(); it != connections.end();) {
        Connection& c = *it->second;
        ++it;  // close_connection may erase c
        if (!c.closing && now - c.last_activity >= settings.tcp_idle_timeout) {
            bump(tcp_idle_closed);
            close_connection(c);
        }
    }
    view.current();  // an idle worker lets go of a replaced view too
    arm_tick();
}

// Closes now when nothing is in flight on the connection; otherwise shutdown() makes the
// pending recv/send complete, and the last completion closes it (forget_if_done).
void ServerWorker::Loop::close_connection(Connection& c) {
    if (!c.closing) {
        c.closing = true;
        if (c.recv_pending || c.send_pending) shutdown(c.fd.get(), SHUT_RDWR);
    }
    forget_if_done(c);
}

void ServerWorker::Loop::forget_if_done(Connection& c) {
    if (!c.closing || c.recv_pending || c.send_pending) return;
    bump(tcp_open, static_cast<uint64_t>(-1));
    connections.erase(c.id);
}

// ---- stop -----------------------------------------------------------------------------------

void ServerWorker::Loop::request_stop() {
    stop_requested.store(true);
    const uint64_t one = 1;
    if (write(stop_fd.get(), &one, sizeof one) != sizeof one)
        spdlog::error("dns worker {}: waking it to stop: {}", index, std::strerror(errno));
}

// Cancels everything in flight and reaps the completions, so the kernel is done with every
// buffer of ours before the ring and the buffers go away.
void ServerWorker::Loop::drain() {
    stopping = true;
    for (auto& [id, c] : connections) {
        c->closing = true;  // the completions shutdown() brings free them (forget_if_done)
        shutdown(c->fd.get(), SHUT_RDWR);
    }
    try {
        io_uring_sqe* e = sqe();
        io_uring_prep_cancel64(e, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(e, tag(Op::cancel, 0));
    } catch (const std::exception& e) {
        error("cancelling: {}", e.what());
    }
    const auto deadline = Clock::now() + kDrainTimeout;
    while (in_flight > 0 && Clock::now() < deadline) {
        __kernel_timespec wait{0, 100 * 1000 * 1000};
        io_uring_cqe* cqe = nullptr;
        io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &wait, nullptr);
        complete_batch();
    }
    if (in_flight > 0) spdlog::warn("dns worker {}: {} operations still in flight at exit", index, in_flight);
    connections.clear();
}

// ---- the public face ----------------------------------------------------------------------

ServerWorker::ServerWorker(unsigned index, WorkerSockets sockets, const ServerSettings& settings,
                           const Answerer& answerer, const ViewHolder& view)
    : loop_(std::make_unique<Loop>(index, std::move(sockets), settings, answerer, view)) {}

ServerWorker::~ServerWorker() = default;

void ServerWorker::run() { loop_->run(); }

void ServerWorker::request_stop() { loop_->request_stop(); }

QueryStats::Snapshot ServerWorker::query_stats() const { return loop_->query_stats.snapshot(); }

ServerCounters ServerWorker::counters() const {
    const Loop& l = *loop_;
    const auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    ServerCounters out;
    out.udp_queries = get(l.udp_queries);
    out.udp_responses = get(l.udp_responses);
    out.tcp_queries = get(l.tcp_queries);
    out.tcp_responses = get(l.tcp_responses);
    out.dropped = get(l.dropped);
    out.tcp_accepted = get(l.tcp_accepted);
    out.tcp_refused = get(l.tcp_refused);
    out.tcp_open = get(l.tcp_open);
    out.tcp_idle_closed = get(l.tcp_idle_closed);
    out.errors = get(l.errors);
    return out;
}

}  // namespace xgslb
