// REINFORCE leave-one-out (RLOO): S samples D_s of a row with losses f_s, both laid out
// [samples][rows]; grad_j = sum over the samples with D_s = j of rloo_term(f_s - mean f, S)
// (math.h: the p term of (e_{D_s} - p) sums to zero; exactly 0 when every D_s is one class). In
// double, as the JAVA backend, rounded to
// float once per component.
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {

int64_t rloo_rows(const RlooArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity, samples = a.samples;
  const int64_t rows = a.batch.rows;
  double* sum = scratch().doubles((size_t)n);
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const float* th = a.batch.logits + r * n;
    float m;
    int code = scan_row(th, n, &m);
    for (int32_t s = 0; s < samples && !code; ++s)
      code = check_choice(th, n, a.choice[s * rows + r]);
    for (int32_t s = 0; s < samples && !code; ++s)  // then the losses
      if (!(std::fabs(a.losses[s * rows + r]) < kInf)) code = GR_LOSSES_NOT_FINITE;
    if (code) return gr_status_make(code, r);
    double mean = 0.0;
    for (int32_t s = 0; s < samples; ++s) mean += (double)a.losses[s * rows + r];
    mean /= samples;
    memset(sum, 0, sizeof(double) * (size_t)n);
    bool spread = false;  // not every sample at one class (math.h: else the row is exactly 0)
    for (int32_t s = 0; s < samples; ++s) {
      const int32_t d = a.choice[s * rows + r];
      spread |= d != a.choice[r];
      sum[d] += rloo_term((double)a.losses[s * rows + r] - mean, samples);
    }
    if (!spread) sum[a.choice[r]] = 0.0;
    float* out = a.grad + r * n;
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) out[j] = th[j] == -kInf ? 0.0f : (float)sum[j];
    if (row_overflows(out, n)) return gr_status_make(GR_GRAD_OVERFLOW, r);
  }
  return GR_OK;
}

}  // namespace gr::cpu::GR_ISA_NS
