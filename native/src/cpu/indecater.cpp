// IndeCateR (De Smet, Sansone, Zuidberg Dos Martires 2023): N draws of every row, the loss table
// f_n(k) laid out [samples][rows][arity]; grad_j = indecater_grad(p_j, G_j, sum_k p_k G_k) with
// G_k = F_k - F_c, F_k the mean of f_n(k) over the draws (in order) and c the row's most probable
// class, the first index of its maximum (math.h: accuracy on peaked rows, exact zeros for a loss
// that ignores the row's class). In double, as the
// JAVA backend, rounded to float once per component. Checks in the order of gumbel_rao.h: the
// row's logits, then its losses at unmasked classes, draw by draw (masked classes' losses are
// never read).
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {

int64_t indecater_rows(const IndecaterArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity, samples = a.samples;
  const int64_t rows = a.batch.rows;
  float* log2_p = scratch().floats(2 * (size_t)n);
  float* p = log2_p + n;
  double* g = scratch().doubles((size_t)n);
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const float* th = a.batch.logits + r * n;
    float m;
    int code = scan_row(th, n, &m);
    for (int32_t s = 0; s < samples && !code; ++s) {
      const float* f = a.loss_table + (s * rows + r) * n;
      for (int32_t j = 0; j < n; ++j)
        if (th[j] != -kInf && !(std::fabs(f[j]) < kInf)) code = GR_LOSSES_NOT_FINITE;
    }
    if (code) return gr_status_make(code, r);
    row_probabilities(th, n, m, row_log_sum(th, n, m), log2_p, p);
    int32_t c = 0;
    while (th[c] != m) ++c;  // the first index of the row maximum (finite: scan_row passed)
    for (int32_t j = 0; j < n; ++j) g[j] = 0.0;
    for (int32_t s = 0; s < samples; ++s) {
      const float* f = a.loss_table + (s * rows + r) * n;
      for (int32_t j = 0; j < n; ++j)
        if (th[j] != -kInf) g[j] += (double)f[j];
    }
    const double ref = g[c] / samples;
    double centre = 0.0;
    for (int32_t j = 0; j < n; ++j) {
      g[j] = th[j] == -kInf ? 0.0 : g[j] / samples - ref;
      centre += (double)p[j] * g[j];
    }
    float* out = a.grad + r * n;
    for (int32_t j = 0; j < n; ++j)
      out[j] = th[j] == -kInf ? 0.0f : (float)indecater_grad((double)p[j], g[j], centre);
    if (row_overflows(out, n)) return gr_status_make(GR_GRAD_OVERFLOW, r);
  }
  return GR_OK;
}

}  // namespace gr::cpu::GR_ISA_NS
