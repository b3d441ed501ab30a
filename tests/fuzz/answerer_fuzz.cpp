// libFuzzer target: arbitrary octets as a query to the Answerer, over a zone with every feature
// the answerer distinguishes (wildcards, CNAME chains and loops, a delegation with glue, an
// empty non-terminal, a set too big for 512 octets). Never crashes or leaks (ASan/UBSan), and
// every response holds: QR set, the query's ID, within the transport's size limit, and parsed
// by ldns. The first input octet picks the transport and the client's address family.
#include <arpa/inet.h>
#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "userspace/config.h"
#include "userspace/dns_answerer.h"

namespace {

const char* const kZones = R"(instance: fuzz
zones:
  - zone: cloud.example.com
  - zone: child.cloud.example.com
  - zone: other.example.net
    negativeTtl: 600
dns:
  listen: ["10.77.0.2:53", "[fd77::2]:53"]
records:
  - name: single.cloud.example.com
    a: [172.18.0.3]
  - name: dual.cloud.example.com
    a: [172.18.0.20, 172.18.0.21]
    aaaa: ["2001:db8::20"]
    txt: ["hello", "world"]
  - name: x.y.cloud.example.com
    a: [172.18.0.30]
  - name: alias.cloud.example.com
    cname: single.cloud.example.com
  - name: loop1.cloud.example.com
    cname: loop2.cloud.example.com
  - name: loop2.cloud.example.com
    cname: loop1.cloud.example.com
  - name: cross.cloud.example.com
    cname: www.other.example.net
  - name: "*.other.example.net"
    cname: dual.cloud.example.com
  - name: deleg.cloud.example.com
    ns: [ns.deleg.cloud.example.com, ns1.cloud.example.com]
  - name: ns.deleg.cloud.example.com
    a: [192.0.2.1]
  - name: "*.wild.cloud.example.com"
    a: [172.18.2.1]
  - name: big.cloud.example.com
    aaaa: ["2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3", "2001:db8:1::4", "2001:db8:1::5",
           "2001:db8:1::6", "2001:db8:1::7", "2001:db8:1::8", "2001:db8:1::9", "2001:db8:1::a",
           "2001:db8:1::b", "2001:db8:1::c", "2001:db8:1::d", "2001:db8:1::e", "2001:db8:1::f",
           "2001:db8:1::10", "2001:db8:1::11", "2001:db8:1::12", "2001:db8:1::13", "2001:db8:1::14"]
)";

constexpr uint16_t kOurPayload = 1232;

xgslb::AnswererSettings settings() {
    xgslb::AnswererSettings s;
    s.udp_payload_size = kOurPayload;
    for (size_t i = 0; i < s.cookie_secret.size(); ++i) s.cookie_secret[i] = static_cast<uint8_t>(i * 7);
    return s;
}

void require(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::shared_ptr<const xgslb::ZoneView> view =
        xgslb::ZoneView::build(xgslb::parse_config(kZones, "fuzz.yaml"));
    static const xgslb::Answerer answerer(settings());
    if (size == 0) return 0;

    xgslb::QueryContext context;
    context.transport = (data[0] & 1) ? xgslb::Transport::tcp : xgslb::Transport::udp;
    context.now = 1559731985;
    if (data[0] & 2) {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&context.client);
        sin6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
    } else {
        auto* sin = reinterpret_cast<sockaddr_in*>(&context.client);
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, "198.51.100.100", &sin->sin_addr);
    }
    const uint8_t* query = data + 1;
    const size_t len = size - 1;
    const auto response = answerer.answer({query, len}, context, *view);

    const bool droppable = len < 12 || (query[2] & 0x80);
    require(droppable == !response.has_value());
    if (!response) return 0;
    const std::vector<uint8_t>& r = *response;
    require(r.size() >= 12);
    require(r[0] == query[0] && r[1] == query[1]);
    require(r[2] & 0x80);
    require(context.transport == xgslb::Transport::tcp ? r.size() <= 65535 : r.size() <= kOurPayload);
    ldns_pkt* pkt = nullptr;
    require(ldns_wire2pkt(&pkt, r.data(), r.size()) == LDNS_STATUS_OK);
    ldns_pkt_free(pkt);
    return 0;
}
