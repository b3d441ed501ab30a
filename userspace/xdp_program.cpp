#include "userspace/xdp_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "userspace/error.h"
#include "xgslb.skel.h"

namespace xgslb {
namespace {

// libbpf and libxdp messages go to spdlog one level lower than the library says (WARN -> info,
// INFO -> debug, DEBUG -> trace): most of their warnings come from probes that fail on purpose
// (libxdp trying its dispatcher, then falling back). The exception: while our own object loads,
// a warning is the verifier log, which is what an operator needs to see, so it is an error.
thread_local bool loading_our_object = false;

template <typename Level>
int forward_library_log(Level level, const char* library, const char* format, va_list args) {
    char line[1024];
    vsnprintf(line, sizeof line, format, args);
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // libbpf starts its own lines with "libbpf: "; say the library once.
    const std::string prefix = std::string(library) + ": ";
    if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
    // LIBBPF_WARN/INFO/DEBUG and LIBXDP_* share the values 0, 1, 2.
    const int severity = static_cast<int>(level);
    const spdlog::level::level_enum lower = severity == 0   ? (loading_our_object ? spdlog::level::err : spdlog::level::info)
                                            : severity == 1 ? spdlog::level::debug
                                                            : spdlog::level::trace;
    spdlog::log(lower, "{}: {}", library, text);
    return 0;
}

int libbpf_log(libbpf_print_level level, const char* format, va_list args) {
    return forward_library_log(level, "libbpf", format, args);
}

int libxdp_log(libxdp_print_level level, const char* format, va_list args) {
    return forward_library_log(level, "libxdp", format, args);
}

void ensure_bpffs(const std::string& root) {
    std::filesystem::create_directories(std::filesystem::path(root).parent_path());
    struct statfs fs {};
    const std::string mount_point = std::filesystem::path(root).parent_path();
    if (statfs(mount_point.c_str(), &fs) == 0 && fs.f_type == BPF_FS_MAGIC) return;
    if (mount("bpf", mount_point.c_str(), "bpf", 0, nullptr) != 0)
        throw_errno("no bpffs at " + mount_point + " and mounting one failed", errno);
    spdlog::info("mounted bpffs at {}", mount_point);
}

// Whether the map pinned at `path` can be adopted as `map`; libbpf refuses a pinned map whose
// definition differs, and the load then fails, so such a pin is unlinked first (the program an
// earlier daemon left attached keeps its own maps until ours replaces it).
void unpin_if_incompatible(const std::string& path, bpf_map* map) {
    const int fd = bpf_obj_get(path.c_str());
    if (fd < 0) return;  // nothing pinned there (or not a map: libbpf will say)
    bpf_map_info info{};
    uint32_t len = sizeof info;
    const int err = bpf_obj_get_info_by_fd(fd, &info, &len);
    close(fd);
    if (err) return;
    if (info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
        info.value_size == bpf_map__value_size(map) && info.max_entries == bpf_map__max_entries(map) &&
        info.map_flags == bpf_map__map_flags(map))
        return;
    spdlog::warn("pinned map {} was made by another build or config (type {} key {} value {} entries {} flags {:#x}; "
                 "now type {} key {} value {} entries {} flags {:#x}): unpinned, a new one is filled before the "
                 "program is swapped in",
                 path, info.type, info.key_size, info.value_size, info.max_entries, info.map_flags,
                 static_cast<unsigned>(bpf_map__type(map)), bpf_map__key_size(map), bpf_map__value_size(map),
                 bpf_map__max_entries(map), bpf_map__map_flags(map));
    if (unlink(path.c_str()) != 0) throw_errno("unpinning " + path, errno);
}

struct MapSlot {
    bpf_map* map;
    int* fd;
};

}  // namespace

// The tick rate from the resolution of CLOCK_MONOTONIC_COARSE, which is the tick (TICK_NSEC):
// no kernel config file is needed (containers often have neither /boot nor /proc/config.gz).
std::string kernel_kconfig() {
    timespec res{};
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0 || res.tv_sec != 0 || res.tv_nsec <= 0) return {};
    const long hz = (1000000000L + res.tv_nsec / 2) / res.tv_nsec;
    if ((1000000000L + hz / 2) / hz != res.tv_nsec) return {};
    return "CONFIG_HZ=" + std::to_string(hz) + "\n";
}

AttachMode parse_attach_mode(const std::string& text) {
    if (text == "auto") return AttachMode::automatic;
    if (text == "native") return AttachMode::native;
    if (text == "generic" || text == "skb") return AttachMode::generic;
    throw Error("unknown XDP mode '" + text + "' (expected auto, native or generic)");
}

const char* to_string(AttachMode mode) {
    switch (mode) {
        case AttachMode::automatic: return "auto";
        case AttachMode::native: return "native";
        case AttachMode::generic: return "generic";
    }
    return "?";
}

std::string XdpProgram::prepare_pin_dir(const Options& options) {
    ensure_bpffs(options.pin_root);
    const std::string dir = options.pin_root + "/" + options.instance;
    std::filesystem::create_directories(dir);
    return dir;
}

XdpProgram::XdpProgram(const Options& options) : options_(options) {
    static const bool logs_routed = [] {
        libbpf_set_print(libbpf_log);
        libxdp_set_print(libxdp_log);
        return true;
    }();
    (void)logs_routed;

    const std::string kconfig = kernel_kconfig();
    LIBBPF_OPTS(bpf_object_open_opts, open_options, .kconfig = kconfig.empty() ? nullptr : kconfig.c_str());
    skel_ = xgslb_bpf__open_opts(&open_options);
    if (!skel_) throw_errno("opening the BPF object", errno);
    auto& m = skel_->maps;
    const std::vector<MapSlot> slots = {
        {m.xgslb_settings, &maps_.settings}, {m.xgslb_listen, &maps_.listen}, {m.xgslb_names, &maps_.names},
        {m.xgslb_rrsets, &maps_.rrsets},     {m.xgslb_zones, &maps_.zones},   {m.xgslb_stats, &maps_.stats},
        {m.xgslb_scratch, &maps_.scratch},
        {m.xgslb_geo, &maps_.geo},
        {m.xgslb_rotation, &maps_.rotation},
        {m.xgslb_rrl_conf, &maps_.rrl_config},
        {m.xgslb_rrl, &maps_.rrl},
        {m.xgslb_rrl_allow, &maps_.rrl_allow},
        {m.xgslb_express, &maps_.express}};
    try {
        bpf_map__set_max_entries(m.xgslb_names, options.max_names);
        bpf_map__set_max_entries(m.xgslb_rrsets, options.max_rrsets);
        // Off: one slot (an array cannot be empty) that neither side uses, and the program's
        // table path is dead code the verifier drops.
        const uint32_t express = options.express_slots >= 2 ? options.express_slots : 0;
        bpf_map__set_max_entries(m.xgslb_express, express ? express : 1);
        skel_->rodata->xgslb_express_slots = express;
        if (options.pin) {
            pin_dir_ = prepare_pin_dir(options);
            // With a pin path set, libbpf reuses a compatible map already pinned there, which is
            // how a restarted daemon keeps the data the XDP program is answering from.
            for (const auto& slot : slots) {
                const std::string path = pin_dir_ + "/" + bpf_map__name(slot.map);
                unpin_if_incompatible(path, slot.map);
                if (int err = bpf_map__set_pin_path(slot.map, path.c_str())) throw_errno("pin path " + path, err);
            }
        }
        loading_our_object = true;
        const int err = xgslb_bpf__load(skel_);
        loading_our_object = false;
        if (err) throw_errno("loading the XDP program (see the libbpf log above)", err);
        for (const auto& slot : slots) *slot.fd = bpf_map__fd(slot.map);

        xgslb_settings current = settings();
        if (current.hash_seed[0] == 0 && current.hash_seed[1] == 0) {
            // New maps: choose this instance's hash seeds. Adopted maps keep theirs, because
            // every key in them was computed with those.
            if (getrandom(current.hash_seed, sizeof current.hash_seed, 0) != sizeof current.hash_seed)
                throw_errno("getrandom", errno);
            current.udp_payload_size = options.udp_payload_size;
            uint32_t zero = 0;
            if (int err = bpf_map_update_elem(maps_.settings, &zero, &current, BPF_ANY))
                throw_errno("writing " XGSLB_MAP_SETTINGS, err);
        }
    } catch (...) {
        xgslb_bpf__destroy(skel_);
        throw;
    }
}

XdpProgram::~XdpProgram() {
    for (auto& a : attachments_)
        if (a.prog) xdp_program__close(a.prog);
    xgslb_bpf__destroy(skel_);
}

int XdpProgram::prog_fd() const { return bpf_program__fd(skel_->progs.xgslb_xdp); }

int XdpProgram::programs_map_fd() const { return bpf_map__fd(skel_->maps.xgslb_programs); }

xgslb_settings XdpProgram::settings() const {
    xgslb_settings s{};
    uint32_t zero = 0;
    if (int err = bpf_map_lookup_elem(bpf_map__fd(skel_->maps.xgslb_settings), &zero, &s))
        throw_errno("reading " XGSLB_MAP_SETTINGS, err);
    return s;
}

// The xgslb program an earlier daemon left attached (keepAttached, or a crash), and the mode it
// runs in; nullopt when the interface runs no XDP program or another one.
std::optional<std::pair<int, AttachMode>> attached_xgslb_program(int ifindex) {
    LIBBPF_OPTS(bpf_xdp_query_opts, query);
    if (bpf_xdp_query(ifindex, 0, &query) != 0 || query.prog_id == 0) return std::nullopt;
    if (query.attach_mode != XDP_ATTACHED_DRV && query.attach_mode != XDP_ATTACHED_SKB) return std::nullopt;
    const int fd = bpf_prog_get_fd_by_id(query.prog_id);
    if (fd < 0) return std::nullopt;
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || std::string(info.name) != XGSLB_PROG_NAME) {
        close(fd);
        return std::nullopt;
    }
    return std::make_pair(fd, query.attach_mode == XDP_ATTACHED_DRV ? AttachMode::native : AttachMode::generic);
}

uint32_t xdp_mode_flag(AttachMode mode) {
    return mode == AttachMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
}

// libxdp wraps a loaded program only with its BTF, which the kernel hands out by id to
// CAP_SYS_ADMIN alone; after the capability drop (capabilities.h) libxdp 1.3 would go on
// without it and crash in xdp_program__attach (NULL bpf_program). Its dispatcher needs that BTF
// anyway, so then the program is attached through netlink directly (CAP_NET_ADMIN).
bool libxdp_can_wrap(int prog_fd) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0 || info.btf_id == 0) return true;
    const int btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
    if (btf_fd < 0) return false;
    close(btf_fd);
    return true;
}

AttachMode XdpProgram::attach(const std::string& ifname, AttachMode mode) {
    const AttachMode attached = attach_program(ifname, mode);
    pin_program_chain();
    return attached;
}

// A program array loses its entries once nothing in userspace holds it (no fd, no pin), and
// the attached express program holds it only from the kernel side: without this pin, a daemon
// leaving the program attached (keepAttached, or a crash) would leave every query the express
// table misses passed to a slow path that is gone. Pinned only once this build's program runs,
// replacing the pin of the array the replaced program used (a restart's old chain stays whole
// until then); the new pin is made aside and renamed over the old one in one step.
void XdpProgram::pin_program_chain() {
    if (pin_dir_.empty() || chain_pinned_) return;
    bpf_map* chain = skel_->maps.xgslb_programs;
    const std::string path = pin_dir_ + "/" XGSLB_MAP_PROGRAMS;
    const std::string aside = path + "_new";  // bpffs refuses dots in names
    ::unlink(aside.c_str());
    if (bpf_obj_pin(bpf_map__fd(chain), aside.c_str()) != 0) throw_errno("pinning " + aside, errno);
    if (::rename(aside.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(aside.c_str());
        throw_errno("renaming " + aside + " to " + path, err);
    }
    if (int err = bpf_map__set_pin_path(chain, path.c_str())) throw_errno("pin path " + path, err);
    chain_pinned_ = true;
}

AttachMode XdpProgram::attach_program(const std::string& ifname, AttachMode mode) {
    const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (ifindex == 0) throw Error("interface '" + ifname + "' not found");
    if (auto previous = attached_xgslb_program(ifindex)) {
        // Swap the running program for ours in one step (XDP_FLAGS_REPLACE): the maps were
        // adopted, so queries keep being answered across the restart.
        const auto [old_fd, old_mode] = *previous;
        LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
        const int err = bpf_xdp_attach(ifindex, prog_fd(), xdp_mode_flag(old_mode) | XDP_FLAGS_REPLACE, &opts);
        close(old_fd);
        if (err) throw_errno("replacing the xgslb program left attached to " + ifname, err);
        attachments_.push_back({ifindex, ifname, old_mode, nullptr});
        spdlog::info("replaced the xgslb program left attached to {} ({} mode)", ifname, to_string(old_mode));
        return old_mode;
    }
    std::vector<AttachMode> tries;
    if (mode == AttachMode::automatic) tries = {AttachMode::native, AttachMode::generic};
    else tries = {mode};
    int last_error = 0;
    if (!libxdp_can_wrap(prog_fd())) return attach_directly(ifindex, ifname, tries);
    for (AttachMode attempt : tries) {
        xdp_program* prog = xdp_program__from_fd(prog_fd());
        if (long err = libxdp_get_error(prog)) throw_errno("libxdp: wrapping the program", static_cast<int>(err));
        const xdp_attach_mode xdp_mode = attempt == AttachMode::native ? XDP_MODE_NATIVE : XDP_MODE_SKB;
        last_error = xdp_program__attach(prog, ifindex, xdp_mode, 0);
        if (last_error == 0) {
            attachments_.push_back({ifindex, ifname, attempt, prog});
            spdlog::info("attached XDP program to {} (ifindex {}) in {} mode", ifname, ifindex, to_string(attempt));
            return attempt;
        }
        xdp_program__close(prog);
        spdlog::warn("attaching to {} in {} mode failed: {}", ifname, to_string(attempt), std::strerror(-last_error));
    }
    throw_errno("attaching the XDP program to " + ifname, last_error);
}

AttachMode XdpProgram::attach_directly(int ifindex, const std::string& ifname, const std::vector<AttachMode>& tries) {
    int last_error = 0;
    for (AttachMode attempt : tries) {
        // UPDATE_IF_NOEXIST: never replaces a program someone else attached meanwhile.
        last_error = bpf_xdp_attach(ifindex, prog_fd(), xdp_mode_flag(attempt) | XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr);
        if (last_error == 0) {
            attachments_.push_back({ifindex, ifname, attempt, nullptr});  // detached through netlink too
            spdlog::info("attached XDP program to {} (ifindex {}) in {} mode, through netlink", ifname, ifindex,
                         to_string(attempt));
            return attempt;
        }
        spdlog::warn("attaching to {} in {} mode failed: {}", ifname, to_string(attempt), std::strerror(-last_error));
    }
    throw_errno("attaching the XDP program to " + ifname, last_error);
}

void XdpProgram::detach_all() {
    for (auto& a : attachments_) {
        const xdp_attach_mode xdp_mode = a.mode == AttachMode::native ? XDP_MODE_NATIVE : XDP_MODE_SKB;
        // A program we swapped in ourselves (a.prog == nullptr) is detached the same way.
        int err = a.prog ? xdp_program__detach(a.prog, a.ifindex, xdp_mode, 0)
                         : bpf_xdp_detach(a.ifindex, xdp_mode_flag(a.mode), nullptr);
        if (err && a.prog) {
            // After the capability drop libxdp cannot look the attached program up by id (that
            // takes CAP_SYS_ADMIN; it then reports ENOENT or EPERM). Netlink can detach it, and
            // XDP_FLAGS_REPLACE makes sure it is still ours.
            LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd());
            err = bpf_xdp_detach(a.ifindex, xdp_mode_flag(a.mode) | XDP_FLAGS_REPLACE, &opts);
        }
        if (err)
            spdlog::warn("detaching from {} failed: {}", a.ifname, std::strerror(-err));
        else
            spdlog::info("detached XDP program from {}", a.ifname);
        if (a.prog) xdp_program__close(a.prog);
    }
    attachments_.clear();
}

bool XdpProgram::is_attached(const std::string& ifname) const {
    return std::any_of(attachments_.begin(), attachments_.end(), [&](const Attachment& a) { return a.ifname == ifname; });
}

std::vector<bpf_map*> XdpProgram::all_maps() const {
    auto& m = skel_->maps;
    std::vector<bpf_map*> maps = {m.xgslb_settings, m.xgslb_listen,   m.xgslb_names,    m.xgslb_rrsets,
                                  m.xgslb_zones,    m.xgslb_stats,    m.xgslb_scratch,  m.xgslb_geo,
                                  m.xgslb_rotation, m.xgslb_rrl_conf, m.xgslb_rrl,      m.xgslb_rrl_allow,
                                  m.xgslb_express};
    if (chain_pinned_) maps.push_back(m.xgslb_programs);  // pinned once attached (pin_program_chain)
    return maps;
}

void XdpProgram::remove_pins() {
    if (pin_dir_.empty()) return;
    for (bpf_map* map : all_maps()) bpf_map__unpin(map, nullptr);
    std::error_code ignored;
    std::filesystem::remove(pin_dir_, ignored);
}

std::vector<std::string> XdpProgram::missing_pins() const {
    std::vector<std::string> missing;
    if (pin_dir_.empty()) return missing;
    for (bpf_map* map : all_maps()) {
        struct stat st {};
        if (::stat(bpf_map__pin_path(map), &st) != 0) missing.emplace_back(bpf_map__name(map));
    }
    return missing;
}

void XdpProgram::pin_missing() {
    if (pin_dir_.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(pin_dir_, ec);
    if (ec) throw Error("cannot re-create " + pin_dir_ + ": " + ec.message());
    for (bpf_map* map : all_maps()) {
        const char* path = bpf_map__pin_path(map);
        struct stat st {};
        if (::stat(path, &st) == 0) continue;
        // bpf_obj_pin, not bpf_map__pin: libbpf's marks the map pinned and would skip it.
        if (bpf_obj_pin(bpf_map__fd(map), path) != 0) throw_errno(std::string("pinning ") + path, errno);
    }
}

uint32_t XdpProgram::prog_id() const {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(prog_fd(), &info, &len) != 0) throw_errno("reading the program's info", errno);
    return info.id;
}

int XdpProgram::attached_ifindex(const std::string& ifname) const {
    for (const auto& a : attachments_)
        if (a.ifname == ifname) return a.ifindex;
    return 0;
}

void XdpProgram::forget_attachment(const std::string& ifname) {
    std::erase_if(attachments_, [&](Attachment& a) {
        if (a.ifname != ifname) return false;
        if (a.prog) xdp_program__close(a.prog);
        return true;
    });
}

}  // namespace xgslb
