# bpf_object(<target> <source.bpf.c> DEPENDS <headers...>)
# Compiles BPF C with clang (-target bpf, warnings as errors), then generates the libbpf
# skeleton (struct <name>_bpf) with bpftool into the build tree. <target> is an INTERFACE library whose include
# directory holds <name>.skel.h; link it to use the skeleton.
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

function(bpf_object target source)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  get_filename_component(name ${source} NAME_WE)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target})
  set(object ${out_dir}/${name}.bpf.o)
  set(skeleton ${out_dir}/${name}.skel.h)
  # The BPF target has no libc: system headers come after our own (-idirafter) and the
  # multiarch directory supplies <asm/...> for <linux/...>.
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                  OUTPUT_VARIABLE multiarch OUTPUT_STRIP_TRAILING_WHITESPACE)
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Wextra -Werror
            -I${PROJECT_SOURCE_DIR} -idirafter /usr/include/${multiarch} -idirafter /usr/include
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${source} -o ${object}
    DEPENDS ${source} ${ARG_DEPENDS}
    COMMENT "BPF ${source}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${BPFTOOL} gen skeleton ${object} name ${name}_bpf > ${skeleton}
    DEPENDS ${object}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${target}_gen ALL DEPENDS ${skeleton})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE ${out_dir})
  set_property(TARGET ${target} PROPERTY BPF_OBJECT ${object})
endfunction()
