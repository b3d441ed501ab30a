// metrics: {listen: "127.0.0.1:9153"} — where the operations endpoint listens. A wildcard is
// allowed (a node exporter scrape from outside), but the default stays off: the endpoint says
// which names are served and how busy the node is.
#include "userspace/config_fields.h"

namespace xgslb::config_detail {

MetricsConfig parse_metrics_config(const Field& f) {
    if (!f.node.IsMap()) f.fail("expected a mapping, e.g. {listen: \"127.0.0.1:9153\"}");
    check_keys(f, {"listen"});
    MetricsConfig m;
    const Field listen = f.child("listen");
    if (!listen.present()) f.fail("missing key 'listen'");
    m.listen = get_socket_address(listen);
    return m;
}

}  // namespace xgslb::config_detail
