// Zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995) for clients that sign with a TSIG key
// (RFC 8945) that dns.allowTransfer names. Everyone else is refused; nothing of a zone leaves
// without a verified signature. ldns verifies and signs (HMAC is not ours to write), on top of
// the answerer's own wire writer.
//
// What a transfer query gets, in the order the checks run:
// * no TSIG: REFUSED, unsigned (RFC 5936 2.2.1 leaves refusing to policy).
// * TSIG with a key name we do not have, or our key under another algorithm: NOTAUTH, TSIG
//   error BADKEY, unsigned (RFC 8945 5.2.1). A MAC that does not verify (truncated MACs
//   included): NOTAUTH, BADSIG, unsigned (5.2.2). Time signed more than the request's fudge
//   away from our clock: NOTAUTH, BADTIME with our time in Other Data (5.2.3) - but UNSIGNED,
//   where 5.2.3 says signed: ldns_pkt_tsig_sign always writes Error 0 and empty Other Data, so
//   it cannot sign a BADTIME record, and we do not compute MACs ourselves.
// From here every response is signed with the request's key (first message: over the request
// MAC; later messages of a transfer: prior MAC and timers only, RFC 8945 5.3.1):
// * a key that dns.allowTransfer does not list: REFUSED.
// * a name that is not the apex of a zone we serve: NOTAUTH (RFC 5936 2.2.1).
// * AXFR over UDP: REFUSED. RFC 5936 4.2 leaves AXFR over UDP undefined; REFUSED (a policy
//   answer) rather than FORMERR, because nothing in the message is malformed.
// * IXFR without the client's SOA in authority: FORMERR (RFC 1995 3).
// * IXFR over UDP, or from a client whose serial is not older than ours (RFC 1982): the one
//   SOA record (RFC 1995 2: "use TCP", or "you are current").
// * otherwise, AXFR or IXFR over TCP: the whole zone (IXFR too: no history is kept, RFC 1995
//   4) as SOA, every other record by owner in canonical order (RFC 4034 6.1) and type, SOA,
//   in as many messages as needed, each at most 65535 octets with its TSIG; AA=1, the
//   question in the first message only (RFC 5936 2.2.1), our OPT in every one when the query
//   had one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "userspace/config.h"
#include "userspace/dns_message.h"
#include "userspace/zone_view.h"

namespace xgslb {

struct TsigKey {
    std::string name;           // canonical: lowercase with the final dot, "xfr-key."
    std::string algorithm;      // as TSIG records name it: "hmac-sha256."
    std::string secret;         // base64, as ldns takes it
    bool may_transfer = false;  // listed in dns.allowTransfer
};

// dns.tsigKeys and dns.allowTransfer, ready for the answerer.
std::vector<TsigKey> tsig_keys_from(const DnsConfig& dns);

constexpr uint16_t kTsigFudge = 300;  // seconds, in our signatures (RFC 8945 10 recommends 300)

struct TransferQuery {
    std::span<const uint8_t> wire;  // the whole query as received
    const dns::Query* query;        // well formed, class IN, opcode QUERY, qtype AXFR or IXFR
    // What every response starts from: id, flags (QR, opcode, RD, CD), the question, our OPT.
    dns::ResponseParts header;
    bool tcp = false;
    uint32_t now = 0;  // seconds since the epoch, for the TSIG time check
};

// The response messages in order; never empty.
std::vector<std::vector<uint8_t>> answer_transfer(const TransferQuery& query, const std::vector<TsigKey>& keys,
                                                  const ZoneView& view);

}  // namespace xgslb
