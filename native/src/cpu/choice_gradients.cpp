// The estimators whose gradient, given D, is a function of the row's p and shifted upstream
// gs = g - g_D alone, with one or two row reductions (math.h): ZGR (zgr_grad), ReinMax
// (reinmax_pi, reinmax_grad) and gapped straight-through (gst_shifted_logit, gst_gap_p, then
// softmax_jvp). Rows of up to kTileMaxArity classes in tiles of kLanes rows, lanes across rows
// (short rows left most lanes of a vector idle one row at a time: ZGR ran at 0.16x ST-GS's rate
// at arity 2); longer rows one at a time, each pass a loop the compiler vectorises. Per row the
// same operations in the same order either way. The upstream follows the policy of gumbel_rao.h
// like every backward pass (upstream_scale, +0 at masked classes, GR_GRAD_OVERFLOW beyond the
// float range).
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {
namespace {

// <x, gs> in double.
inline float dot_of(const float* x, const float* gs, int32_t n) {
  double dot = 0.0;
#pragma omp simd reduction(+ : dot)
  for (int32_t j = 0; j < n; ++j) dot += (double)x[j] * gs[j];
  return (float)dot;
}

// s = softmax(z / tau) of shifted logits z <= 0 (z_j = 0 at the row's top): s_j, in place.
inline void softmax_of_shifted(float* z, int32_t n, float tau) {
  const float scale = inverse_temperature(tau * kLn2);  // log2(e) / tau, finite
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (int32_t j = 0; j < n; ++j) {
    z[j] = fast_exp2_nonpositive(z[j] * scale);
    sum += z[j];
  }
  const float inv_sum = (float)(1.0 / sum);
#pragma omp simd
  for (int32_t j = 0; j < n; ++j) z[j] *= inv_sum;
}

// Per lane, <x, gs> in double, summed over the columns in order (dot_of's order per row).
inline void tile_dot(const TileColumn* x, const TileColumn* gs, int32_t n, float* out) {
  double dot[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) dot[l] = 0.0;
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) dot[l] += (double)x[j][l] * gs[j][l];
  }
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) out[l] = (float)dot[l];
}

// softmax_of_shifted per lane: s[j][lane] = softmax(z / tau) of shifted logits z <= 0, in place.
inline void tile_softmax_of_shifted(TileColumn* z, int32_t n, float tau) {
  const float scale = inverse_temperature(tau * kLn2);
  double sum[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) sum[l] = 0.0;
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      z[j][l] = fast_exp2_nonpositive(z[j][l] * scale);
      sum[l] += z[j][l];
    }
  }
  float inv_sum[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) inv_sum[l] = (float)(1.0 / sum[l]);
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) z[j][l] *= inv_sum[l];
  }
}

int64_t choice_gradient_tiles(const ChoiceGradArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  TileColumn* t = reinterpret_cast<TileColumn*>(scratch().floats(5 * (size_t)n * kLanes));
  TileColumn *log2_p = t + n, *p = log2_p + n, *gs = p + n, *s = gs + n;
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, row0);
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    int32_t d[kLanes];
    float m[kLanes], up[kLanes];  // m: each row's maximum logit
    const int64_t status = choice_upstream_tile(a.batch.logits, a.choice, a.upstream, row0, live,
                                                n, t, log2_p, p, gs, d, m, up);
    if (status) return status;
    switch (a.estimator) {
      case ChoiceEstimator::kZgr: {
        float p_dot[kLanes];
        tile_dot(p, gs, n, p_dot);
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            s[j][l] = gradient_out(t[j][l], zgr_grad(p[j][l], gs[j][l], p_dot[l], j == d[l]),
                                   up[l]);
        }
        break;
      }
      case ChoiceEstimator::kReinMax: {
        float pi_dot[kLanes], p_dot[kLanes];
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) s[j][l] = t[j][l] - m[l];
        }
        tile_softmax_of_shifted(s, n, a.tau);
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) s[j][l] = reinmax_pi(s[j][l], j == d[l]);
        }
        tile_dot(s, gs, n, pi_dot);
        tile_dot(p, gs, n, p_dot);
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            s[j][l] = gradient_out(t[j][l], reinmax_grad(s[j][l], p[j][l], gs[j][l], pi_dot[l],
                                                         p_dot[l]), up[l]);
        }
        break;
      }
      case ChoiceEstimator::kGst: {
        float gap[kLanes], s_dot[kLanes];
        for (int l = 0; l < kLanes; ++l) gap[l] = a.gap > 0.0f ? a.gap : gst_gap_p(p[d[l]][l]);
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            s[j][l] = gst_shifted_logit(t[j][l] - m[l], j == d[l], gap[l]);
        }
        tile_softmax_of_shifted(s, n, a.tau);
        tile_dot(s, gs, n, s_dot);
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            s[j][l] = gradient_out(t[j][l], softmax_jvp(s[j][l], gs[j][l], s_dot[l]) / a.tau,
                                   up[l]);
        }
        break;
      }
    }
    const int64_t overflow = tile_overflow(s, n, row0, live);
    if (overflow) return overflow;
    store_tile(s, n, live, a.grad + row0 * n, n);
  }
  return GR_OK;
}

int64_t choice_gradient_row_by_row(const ChoiceGradArgs& a, int64_t r0, int64_t r1);

}  // namespace

int64_t choice_gradient_rows(const ChoiceGradArgs& a, int64_t r0, int64_t r1) {
  return a.batch.arity <= kTileMaxArity ? choice_gradient_tiles(a, r0, r1)
                                        : choice_gradient_row_by_row(a, r0, r1);
}

namespace {

int64_t choice_gradient_row_by_row(const ChoiceGradArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* buf = scratch().floats(4 * (size_t)n);
  float *log2_p = buf, *p = log2_p + n, *gs = p + n, *s = gs + n;
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const float* th = a.batch.logits + r * n;
    const float* g = a.upstream + r * n;
    const int32_t d = a.choice[r];
    float m, log_sum;
    UpstreamScale us;
    int code = prepare_choice_row(th, n, d, log2_p, p, &m, &log_sum);
    if (!code) code = scan_shifted_upstream(th, g, n, d, gs, &us);
    if (code) return gr_status_make(code, r);
    float* out = a.grad + r * n;
    switch (a.estimator) {
      case ChoiceEstimator::kZgr: {
        const float p_dot = dot_of(p, gs, n);
#pragma omp simd
        for (int32_t j = 0; j < n; ++j)
          out[j] = gradient_out(th[j], zgr_grad(p[j], gs[j], p_dot, j == d), us.up);
        break;
      }
      case ChoiceEstimator::kReinMax: {
        // pi = (softmax(theta / tau) + e_D) / 2, the tempered softmax shifted by the maximum
#pragma omp simd
        for (int32_t j = 0; j < n; ++j) s[j] = th[j] - m;
        softmax_of_shifted(s, n, a.tau);
#pragma omp simd
        for (int32_t j = 0; j < n; ++j) s[j] = reinmax_pi(s[j], j == d);
        const float pi_dot = dot_of(s, gs, n), p_dot = dot_of(p, gs, n);
#pragma omp simd
        for (int32_t j = 0; j < n; ++j)
          out[j] = gradient_out(th[j], reinmax_grad(s[j], p[j], gs[j], pi_dot, p_dot), us.up);
        break;
      }
      case ChoiceEstimator::kGst: {
        // s = softmax(theta' / tau): theta'_D is the row's maximum, 0 after the shift by m
        const float gap = a.gap > 0.0f ? a.gap : gst_gap_p(p[d]);
#pragma omp simd
        for (int32_t j = 0; j < n; ++j) s[j] = gst_shifted_logit(th[j] - m, j == d, gap);
        softmax_of_shifted(s, n, a.tau);
        const float s_dot = dot_of(s, gs, n);
#pragma omp simd
        for (int32_t j = 0; j < n; ++j)
          out[j] = gradient_out(th[j], softmax_jvp(s[j], gs[j], s_dot) / a.tau, us.up);
        break;
      }
    }
    if (row_overflows(out, n)) return gr_status_make(GR_GRAD_OVERFLOW, r);
  }
  return GR_OK;
}

}  // namespace

}  // namespace gr::cpu::GR_ISA_NS
