// The kernel table of one instruction set (see CMakeLists.txt: each kernel file is compiled once
// per instruction set, in namespace GR_ISA_NS; GR_ISA_TABLE names this copy's table).
#include "rows.h"

#ifndef GR_ISA_TABLE
#error "GR_ISA_TABLE must name the kernel table this translation unit defines"
#endif
#ifndef GR_ISA_NAME
#error "GR_ISA_NAME must name the instruction set of this translation unit"
#endif

namespace gr::cpu {
namespace GR_ISA_NS {

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

namespace {
void uniforms(NoiseKey key, int64_t row, uint32_t slot, int32_t n, float* u) {
  float* all = scratch().floats(row_uniform_floats(n));
  row_uniforms(key, row, slot, n, all);
  memcpy(u, all, sizeof(float) * (size_t)n);
}
}  // namespace

}  // namespace GR_ISA_NS

extern const KernelTable GR_ISA_TABLE = {
    GR_ISA_NAME,
    GR_ISA_NS::kLanes,
    GR_ISA_NS::sample_rows,
    GR_ISA_NS::conditional_rows,
    GR_ISA_NS::soft_rows,
    GR_ISA_NS::reinforce_rows,
    GR_ISA_NS::gumbel_rao_prepare,
    GR_ISA_NS::gumbel_rao_chunk,
    GR_ISA_NS::gumbel_rao_finish_row,
    GR_ISA_NS::gumbel_rao_tiles,
    GR_ISA_NS::binary_sample_rows,
    GR_ISA_NS::zgr_binary_rows,
    GR_ISA_NS::disarm_rows,
    GR_ISA_NS::arms_rows,
    GR_ISA_NS::choice_gradient_rows,
    GR_ISA_NS::rloo_rows,
    GR_ISA_NS::indecater_rows,
    GR_ISA_NS::uniforms,
};

}  // namespace gr::cpu
