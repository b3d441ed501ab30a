// The loaded XDP program of one instance and its maps: RAII over the libbpf skeleton.
// Construction opens and loads the program and creates (or adopts, when already pinned) the
// maps under /sys/fs/bpf/xgslb/<instance>/; attaching to interfaces is separate (attach()).
// The destructor frees the program; pinned maps stay until remove_pins().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "maps/pinned_maps.h"
#include "maps/xgslb_abi.h"

struct xgslb_bpf;  // the generated skeleton (xgslb.skel.h in the build tree)
struct xdp_program;
struct bpf_map;

namespace xgslb {

enum class AttachMode { automatic, native, generic };
AttachMode parse_attach_mode(const std::string& text);  // "auto" | "native" | "generic"
const char* to_string(AttachMode mode);

// libbpf's kconfig text for the program's externs ("CONFIG_HZ=250\n", for the rate limiter's
// clock, bpf/rrl_clock.h), derived from the running kernel without its config file; empty when
// it cannot be (libbpf then reads /boot/config-* or /proc/config.gz). Every loader of
// xgslb.bpf.o passes it as bpf_object_open_opts.kconfig.
std::string kernel_kconfig();

class XdpProgram {
public:
    struct Options {
        std::string instance;               // pin directory name
        bool pin = true;                    // false: private maps (tests), nothing in bpffs
        std::string pin_root = XGSLB_PIN_ROOT;
        uint16_t udp_payload_size = 1232;   // only used when the settings are first created
        uint32_t max_names = XGSLB_DEFAULT_MAX_NAMES;
        uint32_t max_rrsets = XGSLB_DEFAULT_MAX_RRSETS;
        // Slots of the express table (a power of two, or 0: off); a change replaces the map at
        // the next start, which the publisher fills again.
        uint32_t express_slots = XGSLB_DEFAULT_EXPRESS_SLOTS;
    };

    // The instance's pin directory, made (and bpffs mounted) if needed: the daemon locks it
    // before constructing the program, which may replace pins (below).
    static std::string prepare_pin_dir(const Options& options);

    // Pinned maps an earlier daemon left are adopted; one whose definition differs from this
    // build's (an upgrade changed its layout, or the config its size) is unpinned and made anew,
    // to be filled by the first publish before the program is swapped in.
    explicit XdpProgram(const Options& options);
    ~XdpProgram();
    XdpProgram(const XdpProgram&) = delete;
    XdpProgram& operator=(const XdpProgram&) = delete;

    int prog_fd() const;
    // xgslb_programs: the express program's tail call to the general one (bpf/xgslb.bpf.c).
    int programs_map_fd() const;
    const MapFds& maps() const { return maps_; }
    xgslb_settings settings() const;  // hash seeds and payload size, as the program uses them

    // Attach to an interface; returns the mode actually used. Through libxdp's dispatcher where
    // libxdp can wrap the program; after the capability drop it cannot read the program's BTF
    // by id (CAP_SYS_ADMIN) and would crash, so then by netlink (the data-plane watch's
    // re-attach and reloads take that way).
    AttachMode attach(const std::string& ifname, AttachMode mode);
    void detach_all();
    bool is_attached(const std::string& ifname) const;
    // Interface name and mode of every attachment this program holds now.
    std::vector<std::pair<std::string, AttachMode>> attachments() const {
        std::vector<std::pair<std::string, AttachMode>> out;
        for (const auto& a : attachments_) out.emplace_back(a.ifname, a.mode);
        return out;
    }
    std::string pin_dir() const { return pin_dir_; }
    void remove_pins();  // unlink maps and the pin directory (detach first)

    // Fault repair (userspace/data_plane_watch.h). The pinned maps someone removed from bpffs
    // (the maps live on: the program and this process hold them), as file names; empty when all
    // are in place or nothing is pinned.
    std::vector<std::string> missing_pins() const;
    // Pins those maps again (the directory too); throws xgslb::Error saying why it cannot.
    void pin_missing();
    uint32_t prog_id() const;  // the kernel's id of the loaded program
    // The ifindex an attachment was made on, 0 when this program holds none on `ifname`.
    int attached_ifindex(const std::string& ifname) const;
    // The interface went away and its attachment with it: forget it without detaching.
    void forget_attachment(const std::string& ifname);

private:
    std::vector<::bpf_map*> all_maps() const;
    AttachMode attach_program(const std::string& ifname, AttachMode mode);
    void pin_program_chain();

    // Netlink attach without libxdp, for when libxdp cannot wrap the program (xdp_program.cpp).
    AttachMode attach_directly(int ifindex, const std::string& ifname, const std::vector<AttachMode>& tries);
    Options options_;
    std::string pin_dir_;
    bool chain_pinned_ = false;  // xgslb_programs pinned (pin_program_chain)
    ::xgslb_bpf* skel_ = nullptr;
    MapFds maps_;
    struct Attachment { int ifindex; std::string ifname; AttachMode mode; ::xdp_program* prog; };
    std::vector<Attachment> attachments_;
};

}  // namespace xgslb
