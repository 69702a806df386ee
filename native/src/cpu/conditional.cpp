// Conditional Gumbel noise: K draws of G given D per row, written as noise[k][row][column], with
// conditional_gumbel_below keeping argmax(theta + G) = D for the float values. A row whose D has
// -log p_D = +inf in float (its logit 3.4e38 or more below the row's log-sum-exp) has no float
// noise: GR_NOISE_OVERFLOW. (G_D = -log p_D - log E_D with -log E_D in [-2.8, 16.7] is infinite
// exactly then: a finite -log p_D near 3.4e38 plus at most 16.7 rounds to a finite float.)
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {
namespace {

// Large arity: one draw of one row at a time, lanes across its quads.
int64_t conditional_row_lanes(const ConditionalArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t rows = a.batch.rows;
  float* buf = scratch().floats(row_uniform_floats(n) + 2 * (size_t)n);
  float *u = buf, *log2_p = buf + row_uniform_floats(n), *p = log2_p + n;
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const float* th = a.batch.logits + r * n;
    const int32_t d = a.choice[r];
    float m, log_sum;
    const int code = prepare_choice_row(th, n, d, log2_p, p, &m, &log_sum);
    if (code) return gr_status_make(code, r);
    const float neg_log_p_d = -log_softmax(th[d], m, log_sum);
    if (neg_log_p_d == kInf) return gr_status_make(GR_NOISE_OVERFLOW, r);
    for (int32_t k = 0; k < a.samples; ++k) {
      if ((k & 1023) == 1023 && a.batch.cancel.requested())
        return gr_status_make(GR_CANCELLED, r);
      row_uniforms(a.key, r, conditional_slot((uint32_t)k), n, u);
      const float e_d = exponential_from_uniform(u[d]);
      float* out = a.noise + ((int64_t)k * rows + r) * n;
#pragma omp simd
      for (int32_t j = 0; j < n; ++j)
        out[j] = conditional_gumbel_other(p[j], exponential_from_uniform(u[j]), e_d);
      out[d] = conditional_gumbel_winner(neg_log_p_d, e_d);
      const float z_d = th[d] + out[d];
      int tie = 0;
#pragma omp simd reduction(| : tie)
      for (int32_t j = 0; j < n; ++j) tie |= (j != d) & !(th[j] + out[j] < z_d);
      if (tie) {
        for (int32_t j = 0; j < n; ++j)
          if (j != d) out[j] = conditional_gumbel_below(th[j], out[j], z_d);
      }
    }
  }
  return GR_OK;
}

// Small arity: kLanes draws of a row at a time, lanes across the draws. Rows go in blocks of
// about kRunFloats floats, each draw batch over the whole block, so that every draw's output run
// is a whole block of rows (1 KiB) instead of one row: one row at a time wrote 4 n bytes to each
// of K places in turn, and at arity 16 the stores, not the arithmetic, set the pace.
constexpr int32_t kRunFloats = 256;

int64_t conditional_draw_lanes(const ConditionalArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t rows = a.batch.rows, nq = quads(n);
  const int64_t block = n >= kRunFloats ? 1 : kRunFloats / n;
  float* buf = scratch().floats(4 * (size_t)nq * kLanes + (size_t)n + (size_t)(block * (n + 1)));
  TileColumn* g = reinterpret_cast<TileColumn*>(buf);
  float* log2_p = buf + 4 * (size_t)nq * kLanes;
  float* p_block = log2_p + n;                 // block x n
  float* neg_log_p_d = p_block + block * n;    // block
  for (int64_t b0 = r0; b0 < r1; b0 += block) {
    const int64_t b1 = r1 - b0 < block ? r1 : b0 + block;
    for (int64_t r = b0; r < b1; ++r) {
      const float* th = a.batch.logits + r * n;
      const int32_t d = a.choice[r];
      float m, log_sum;
      const int code = prepare_choice_row(th, n, d, log2_p, p_block + (r - b0) * n, &m, &log_sum);
      if (code) return gr_status_make(code, r);
      neg_log_p_d[r - b0] = -log_softmax(th[d], m, log_sum);
      if (neg_log_p_d[r - b0] == kInf) return gr_status_make(GR_NOISE_OVERFLOW, r);
    }
    // 64-bit draw index: K may be 2^31 - 1 at arity 1, and kb + kLanes would overflow an int32.
    for (int64_t kb = 0; kb < a.samples; kb += kLanes) {
      if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, b0);
      const int live = a.samples - kb < kLanes ? (int)(a.samples - kb) : kLanes;
      for (int64_t r = b0; r < b1; ++r) {
        const float* th = a.batch.logits + r * n;
        const float* p = p_block + (r - b0) * n;
        const int32_t d = a.choice[r];
        for (int64_t q = 0; q < nq; ++q) {
          quad_uniform_lanes(a.key, (uint32_t)q, broadcast((uint32_t)r),
                             iota(conditional_slot((uint32_t)kb)), g + 4 * q);
        }
        float e_d[kLanes], z_d[kLanes];
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) e_d[l] = exponential_from_uniform(g[d][l]);
        for (int32_t j = 0; j < n; ++j) {
          const float pj = p[j];
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            g[j][l] = conditional_gumbel_other(pj, exponential_from_uniform(g[j][l]), e_d[l]);
        }
        int tie = 0;
        const float nlpd = neg_log_p_d[r - b0];
#pragma omp simd reduction(| : tie)
        for (int l = 0; l < kLanes; ++l) {
          g[d][l] = conditional_gumbel_winner(nlpd, e_d[l]);
          z_d[l] = th[d] + g[d][l];
        }
        for (int32_t j = 0; j < n; ++j) {
          const float tj = th[j];
#pragma omp simd reduction(| : tie)
          for (int l = 0; l < kLanes; ++l) tie |= (j != d) & !(tj + g[j][l] < z_d[l]);
        }
        if (tie) {  // rare: float ties with the winner (conditional_gumbel_below)
          for (int32_t j = 0; j < n; ++j) {
            if (j == d) continue;
            for (int l = 0; l < kLanes; ++l)
              g[j][l] = conditional_gumbel_below(th[j], g[j][l], z_d[l]);
          }
        }
        // lane l is draw kb + l: its row of the [K][rows][arity] output starts rows * n after
        // the previous lane's
        store_tile(g, n, live, a.noise + ((int64_t)kb * rows + r) * n, rows * (int64_t)n);
      }
    }
  }
  return GR_OK;
}

// Small arity where draw lanes would idle (draws_on_row_tiles): tiles of kLanes rows, lanes
// across rows, each draw in turn; the arithmetic per row is that of conditional_draw_lanes.
int64_t conditional_row_tiles(const ConditionalArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t rows = a.batch.rows, nq = quads(n);
  float* buf = scratch().floats(((size_t)4 * nq + 2 * (size_t)n) * kLanes);
  TileColumn* g = reinterpret_cast<TileColumn*>(buf);  // uniforms, then the noise
  TileColumn* t = g + 4 * nq;
  TileColumn* p = t + n;
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, row0);
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    int32_t d[kLanes];
    float max[kLanes], log_sum[kLanes], neg_log_p_d[kLanes], theta_d[kLanes];
    const int64_t status =
        prepare_choice_tile(a.batch.logits, a.choice, row0, live, n, t, d, max, log_sum);
    const int64_t limit = status ? gr_status_row(status) : row0 + kLanes;
    for (int l = 0; l < live && row0 + l < limit; ++l) {
      if (-log_softmax(t[d[l]][l], max[l], log_sum[l]) == kInf)
        return gr_status_make(GR_NOISE_OVERFLOW, row0 + l);
    }
    if (status) return status;
    for (int l = 0; l < kLanes; ++l) {
      theta_d[l] = t[d[l]][l];
      neg_log_p_d[l] = -log_softmax(theta_d[l], max[l], log_sum[l]);
    }
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l)
        p[j][l] = fast_exp2_nonpositive(log_softmax(t[j][l], max[l], log_sum[l]) * kLog2e);
    }
    for (int32_t k = 0; k < a.samples; ++k) {
      for (int64_t q = 0; q < nq; ++q) {
        quad_uniform_lanes(a.key, (uint32_t)q, iota((uint32_t)row0),
                           broadcast(conditional_slot((uint32_t)k)), g + 4 * q);
      }
      float e_d[kLanes], z_d[kLanes];
      for (int l = 0; l < kLanes; ++l) e_d[l] = g[d[l]][l];
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) e_d[l] = exponential_from_uniform(e_d[l]);
      for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
        for (int l = 0; l < kLanes; ++l)
          g[j][l] = conditional_gumbel_other(p[j][l], exponential_from_uniform(g[j][l]), e_d[l]);
      }
      for (int l = 0; l < kLanes; ++l) {
        g[d[l]][l] = conditional_gumbel_winner(neg_log_p_d[l], e_d[l]);
        z_d[l] = theta_d[l] + g[d[l]][l];
      }
      int tie = 0;
      for (int32_t j = 0; j < n; ++j) {
#pragma omp simd reduction(| : tie)
        for (int l = 0; l < kLanes; ++l) tie |= (j != d[l]) & !(t[j][l] + g[j][l] < z_d[l]);
      }
      if (tie) {  // rare: float ties with the winner (conditional_gumbel_below)
        for (int32_t j = 0; j < n; ++j) {
          for (int l = 0; l < kLanes; ++l)
            if (j != d[l]) g[j][l] = conditional_gumbel_below(t[j][l], g[j][l], z_d[l]);
        }
      }
      store_tile(g, n, live, a.noise + ((int64_t)k * rows + row0) * n, n);
    }
  }
  return GR_OK;
}

}  // namespace

int64_t conditional_rows(const ConditionalArgs& a, int64_t r0, int64_t r1) {
  if (draws_on_row_tiles(kLanes, a.batch.arity, a.samples))
    return conditional_row_tiles(a, r0, r1);
  return a.batch.arity <= kTileMaxArity ? conditional_draw_lanes(a, r0, r1)
                                        : conditional_row_lanes(a, r0, r1);
}

}  // namespace gr::cpu::GR_ISA_NS
