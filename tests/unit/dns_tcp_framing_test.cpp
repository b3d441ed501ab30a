#include "userspace/dns_tcp_framing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace xgslb {
namespace {

std::vector<uint8_t> framed(const std::string& text) {
    std::vector<uint8_t> out{static_cast<uint8_t>(text.size() >> 8), static_cast<uint8_t>(text.size())};
    out.insert(out.end(), text.begin(), text.end());
    return out;
}

void receive(TcpMessageReader& reader, std::span<const uint8_t> octets) {
    const std::span<uint8_t> space = reader.free_space(octets.size());
    ASSERT_GE(space.size(), octets.size());
    std::memcpy(space.data(), octets.data(), octets.size());
    reader.commit(octets.size());
}

std::string text(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

TEST(TcpMessageReader, PipelinedMessagesInOneReadComeOutInOrder) {
    TcpMessageReader reader;
    std::vector<uint8_t> wire = framed("first");
    const auto second = framed("second");
    wire.insert(wire.end(), second.begin(), second.end());
    receive(reader, wire);
    auto m = reader.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(text(*m), "first");
    m = reader.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(text(*m), "second");
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(TcpMessageReader, AMessageSplitAnywhereIsReassembled) {
    const auto wire = framed("a query split across reads");
    for (size_t cut = 0; cut <= wire.size(); ++cut) {
        TcpMessageReader reader;
        receive(reader, std::span(wire).first(cut));
        if (cut < wire.size()) {
            EXPECT_FALSE(reader.next()) << "cut at " << cut;
        }
        receive(reader, std::span(wire).subspan(cut));
        const auto m = reader.next();
        ASSERT_TRUE(m) << "cut at " << cut;
        EXPECT_EQ(text(*m), "a query split across reads");
    }
}

TEST(TcpMessageReader, OneOctetAtATimeAndTheLargestMessage) {
    TcpMessageReader reader;
    const std::string big(65535, 'x');
    const auto wire = framed(big);
    for (uint8_t octet : wire) receive(reader, std::span(&octet, 1));
    const auto m = reader.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->size(), 65535u);
}

TEST(TcpMessageReader, ZeroLengthMessageIsAnEmptyMessage) {
    TcpMessageReader reader;
    const uint8_t zero[2] = {0, 0};
    receive(reader, zero);
    const auto m = reader.next();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->empty());
}

TEST(TcpMessageReader, BufferStaysSmallForALongPipelinedStream) {
    TcpMessageReader reader;
    for (int i = 0; i < 10000; ++i) {
        receive(reader, framed("message " + std::to_string(i)));
        const auto m = reader.next();
        ASSERT_TRUE(m);
        ASSERT_EQ(text(*m), "message " + std::to_string(i));
    }
    EXPECT_LE(reader.free_space(1).size(), 8192u);
}

TEST(TcpResponseWriter, PartialWritesResumeAndQueuedResponsesFollowInOrder) {
    TcpResponseWriter writer;
    const std::string one = "one";
    writer.queue({reinterpret_cast<const uint8_t*>(one.data()), one.size()});
    std::string stream;
    auto out = writer.in_flight();
    ASSERT_EQ(out.size(), 5u);
    const uint8_t* stable = out.data();
    // A response queued while a send is in flight does not move the octets being sent.
    const std::string two = "two";
    writer.queue({reinterpret_cast<const uint8_t*>(two.data()), two.size()});
    EXPECT_EQ(writer.in_flight().data(), stable);
    stream += text(out.first(2));
    writer.sent(2);  // partial
    out = writer.in_flight();
    ASSERT_EQ(out.size(), 3u);
    stream += text(out);
    writer.sent(3);
    out = writer.in_flight();
    stream += text(out);
    writer.sent(out.size());
    EXPECT_TRUE(writer.in_flight().empty());
    EXPECT_EQ(writer.pending(), 0u);
    std::string expected = text(framed("one")) + text(framed("two"));
    EXPECT_EQ(stream, expected);
}

}  // namespace
}  // namespace xgslb
