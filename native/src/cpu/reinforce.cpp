// REINFORCE with a baseline: grad = (f - b)(onehot(D) - p). No noise; one pass per row.
#include "rows.h"

namespace gr {
namespace cpu {
namespace GR_ISA_NS {

int64_t reinforce_rows(const ReinforceArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* buf = scratch().floats(2 * (size_t)n);
  float *log2_p = buf, *p = buf + n;
  for (int64_t r = r0; r < r1; ++r) {
    const int32_t d = a.choice[r];
    float m, log_sum;
    const int code = prepare_choice_row(a.batch.logits + r * n, n, d, log2_p, p, &m, &log_sum);
    if (code) return gr_status_make(code, r);
    double rest = 0.0;
#pragma omp simd reduction(+ : rest)
    for (int32_t j = 0; j < n; ++j) rest += j == d ? 0.0 : (double)p[j];
    const float fb = a.losses[r] - a.baseline;
    float* out = a.grad + r * n;
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) out[j] = reinforce_grad(fb, j == d, p[j], (float)rest);
  }
  return GR_OK;
}

}  // namespace GR_ISA_NS
}  // namespace cpu
}  // namespace gr
