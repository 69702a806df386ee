// REINFORCE with a baseline: grad = (f - b)(onehot(D) - p). No noise; one pass per row.
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {

int64_t reinforce_rows(const ReinforceArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* buf = scratch().floats(2 * (size_t)n);
  float *log2_p = buf, *p = buf + n;
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const int32_t d = a.choice[r];
    const float* th = a.batch.logits + r * n;
    float m, log_sum;
    const int code = prepare_choice_row(th, n, d, log2_p, p, &m, &log_sum);
    if (code) return gr_status_make(code, r);
    double rest = 0.0;
#pragma omp simd reduction(+ : rest)
    for (int32_t j = 0; j < n; ++j) rest += j == d ? 0.0 : (double)p[j];
    // f - b in double, as the JAVA backend forms it: two floats near 3.4e38 differ by up to
    // 6.8e38. Beyond 2^64 it enters the float formula scaled by a power of two (exactly undone
    // in double afterwards, see upstream_scale); otherwise (float)(f - b) is the float difference.
    const double fb = (double)a.losses[r] - (double)a.baseline;
    const double big = isfinite(fb) && fabs(fb) > 0x1p64 ? ldexp(1.0, ilogb(fb)) : 1.0;
    const float fbs = (float)(fb / big);
    float* out = a.grad + r * n;
    const float restf = (float)rest;
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) {
      const double x = (double)reinforce_grad(fbs, j == d, p[j], restf) * big;
      out[j] = th[j] == -kInf ? 0.0f : (float)x;
    }
    if (row_overflows(out, n)) return gr_status_make(GR_GRAD_OVERFLOW, r);
  }
  return GR_OK;
}

}  // namespace gr::cpu::GR_ISA_NS
