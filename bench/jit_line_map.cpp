// Where each source line of a loaded BPF program sits in its JITed code: for the program `id`,
// one line per BTF line-info record — the JITed address, the function (JITed symbol) it belongs
// to, file:line and the source text — and one `func` line per JITed function with its address
// and length. bench/profile_xdp_lines.sh maps perf's cpu-clock samples (absolute instruction
// addresses; no PMU needed) to source lines with it: a line-level profile of the XDP program
// where bpftool, built without libbfd, cannot annotate JITed code. Needs root.
//
//   jit_line_map PROG_ID
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int fail(const char* what) {
    std::fprintf(stderr, "jit_line_map: %s: %s\n", what, std::strerror(errno));
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: jit_line_map PROG_ID\n");
        return 2;
    }
    int fd = bpf_prog_get_fd_by_id(static_cast<__u32>(std::strtoul(argv[1], nullptr, 10)));
    if (fd < 0)
        return fail("bpf_prog_get_fd_by_id");

    // First call: the counts; second: the arrays, sized by them.
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len))
        return fail("bpf_prog_get_info_by_fd");
    const __u32 nr_lines = info.nr_line_info, nr_jited_lines = info.nr_jited_line_info;
    const __u32 nr_ksyms = info.nr_jited_ksyms, nr_lens = info.nr_jited_func_lens;
    const __u32 nr_funcs = info.nr_func_info;
    const __u32 btf_id = info.btf_id;
    if (nr_lines == 0 || nr_lines != nr_jited_lines) {
        std::fprintf(stderr, "jit_line_map: no line info (%u BTF lines, %u JITed)\n", nr_lines, nr_jited_lines);
        return 1;
    }
    std::vector<bpf_line_info> lines(nr_lines);
    std::vector<__u64> jited_lines(nr_lines), ksyms(nr_ksyms);
    std::vector<__u32> func_lens(nr_lens);
    std::vector<bpf_func_info> funcs(nr_funcs);
    info = {};
    info.nr_line_info = nr_lines;
    info.line_info_rec_size = sizeof(bpf_line_info);
    info.line_info = reinterpret_cast<__u64>(lines.data());
    info.nr_jited_line_info = nr_lines;
    info.jited_line_info_rec_size = sizeof(__u64);
    info.jited_line_info = reinterpret_cast<__u64>(jited_lines.data());
    info.nr_jited_ksyms = nr_ksyms;
    info.jited_ksyms = reinterpret_cast<__u64>(ksyms.data());
    info.nr_jited_func_lens = nr_lens;
    info.jited_func_lens = reinterpret_cast<__u64>(func_lens.data());
    info.nr_func_info = nr_funcs;
    info.func_info_rec_size = sizeof(bpf_func_info);
    info.func_info = reinterpret_cast<__u64>(funcs.data());
    len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len))
        return fail("bpf_prog_get_info_by_fd (arrays)");

    btf* program_btf = btf__load_from_kernel_by_id(btf_id);
    if (!program_btf)
        return fail("btf__load_from_kernel_by_id");

    for (__u32 i = 0; i < nr_ksyms && i < nr_lens; i++) {
        const char* name = "?";
        if (i < nr_funcs) {
            const btf_type* t = btf__type_by_id(program_btf, funcs[i].type_id);
            if (t)
                name = btf__name_by_offset(program_btf, t->name_off);
        }
        std::printf("func 0x%llx %u %s\n", static_cast<unsigned long long>(ksyms[i]), func_lens[i], name);
    }
    for (__u32 i = 0; i < nr_lines; i++) {
        const char* file = btf__name_by_offset(program_btf, lines[i].file_name_off);
        const char* text = btf__name_by_offset(program_btf, lines[i].line_off);
        std::string source = text ? text : "";
        for (char& c : source)
            if (c == '\t')
                c = ' ';
        std::printf("line 0x%llx %s:%u %s\n", static_cast<unsigned long long>(jited_lines[i]), file ? file : "?",
                    BPF_LINE_INFO_LINE_NUM(lines[i].line_col), source.c_str());
    }
    btf__free(program_btf);
    close(fd);
    return 0;
}
