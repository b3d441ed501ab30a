# Compiles bpf/xgslb.bpf.c of a source tree the way that tree's own build does (its
# cmake/BpfObject.cmake decides -mcpu: v3 since the express program, v2 before), for the scripts
# that time or verify a variant or an older commit's program beside the build's.
#   compile_xgslb_object ROOT OUT [clang flags, e.g. -DXGSLB_PROFILE_STOP_AFTER=4]
compile_xgslb_object() {
  local root=$1 out=$2
  shift 2
  local mcpu
  mcpu=$(grep -o -- '-mcpu=v[0-9]' "$root/cmake/BpfObject.cmake" || true)
  clang -g -O2 -target bpf ${mcpu} -D__TARGET_ARCH_x86 -Wall -Wextra -Werror "$@" -I"$root" \
    -idirafter "/usr/include/$(gcc -print-multiarch)" -idirafter /usr/include \
    -c "$root/bpf/xgslb.bpf.c" -o "$out"
}
