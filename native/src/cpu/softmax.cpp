// The softmax family: Gumbel-Softmax forward y = softmax((theta + G)/tau), and the backward pass
// J(s)^T g / tau shared by ST-GS and GS (s = y, noise regenerated) and ST (s = softmax(theta/tau)).
// The perturbed logits are max-shifted (math.h, perturbed_logit); the upstream follows the policy
// of gumbel_rao.h (checked at unmasked classes, scaled by upstream_scale, +0 at masked classes,
// GR_GRAD_OVERFLOW beyond the float range).
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {
namespace {

// Large arity: one row at a time, lanes across its columns.
int64_t soft_row_lanes(const SoftArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* v = scratch().floats(row_uniform_floats(n));
  const float scale = inverse_temperature(a.tau * kLn2);  // log2(e) / tau, finite
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const float* th = a.batch.logits + r * n;
    const float* g = a.upstream ? a.upstream + r * n : nullptr;
    float m;
    UpstreamScale us{1.0f, 1.0f};
    int code = scan_row(th, n, &m);
    if (!code && g) code = scan_upstream(th, g, n, &us);
    if (code) return gr_status_make(code, r);
    if (a.noisy) {
      row_uniforms(a.key, r, kForwardSlot, n, v);
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) v[j] = perturbed_logit(th[j], m, gumbel_from_uniform(v[j]));
    } else {
      memcpy(v, th, sizeof(float) * (size_t)n);
    }
    // s = softmax(v / tau), shifted by the maximum so that every exponent is <= 0.
    const int32_t top = first_argmax(v, n);
    const float vmax = v[top];
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int32_t j = 0; j < n; ++j) {
      v[j] = fast_exp2_nonpositive((v[j] - vmax) * scale);
      sum += v[j];
    }
    const float inv_sum = (float)(1.0 / sum);
    float* out = a.out + r * n;
    if (!g) {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) out[j] = v[j] * inv_sum;
      continue;
    }
    // J(s)^T g / tau with g shifted by g_top: the product is unchanged (sum s = 1) and, when s
    // is nearly one-hot, <s, g> no longer cancels against g_top (shifted_upstream, inline).
    const float down = us.down, g_top = g[top] * down;
    double dot = 0.0;
#pragma omp simd reduction(+ : dot)
    for (int32_t j = 0; j < n; ++j) {
      v[j] *= inv_sum;
      dot += (double)v[j] * (th[j] == -kInf ? 0.0f : g[j] * down - g_top);
    }
    const float dotf = (float)dot;
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) {
      const float gs = th[j] == -kInf ? 0.0f : g[j] * down - g_top;
      out[j] = gradient_out(th[j], softmax_jvp(v[j], gs, dotf) / a.tau, us.up);
    }
    if (row_overflows(out, n)) return gr_status_make(GR_GRAD_OVERFLOW, r);
  }
  return GR_OK;
}

// Small arity: tiles of kLanes rows, lanes across rows; the same arithmetic per row.
int64_t soft_tiles(const SoftArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  TileColumn* v = reinterpret_cast<TileColumn*>(scratch().floats(3 * (size_t)n * kLanes));
  TileColumn* t = v + n;
  TileColumn* g = t + n;
  const float scale = inverse_temperature(a.tau * kLn2);  // log2(e) / tau, finite
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, row0);
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    load_tile(a.batch.logits, row0, live, n, t);
    float vmax[kLanes], down[kLanes], up[kLanes];
    const int64_t status = scan_tile(t, n, row0, live, vmax);
    if (a.upstream) {
      load_tile(a.upstream, row0, live, n, g);
      const int64_t upstream_status = scan_upstream_tile(
          t, g, n, row0, live, status ? gr_status_row(status) : row0 + kLanes, down, up);
      if (upstream_status) return upstream_status;
    }
    if (status) return status;
    if (a.noisy) {
      tile_perturbed_logits(a.key, row0, n, t, vmax, v);
    } else {
      memcpy(v, t, sizeof(TileColumn) * (size_t)n);
    }
    int32_t top[kLanes];
    tile_first_argmax(v, n, top, vmax);
    double sum[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) sum[l] = 0.0;
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        v[j][l] = fast_exp2_nonpositive((v[j][l] - vmax[l]) * scale);
        sum[l] += v[j][l];
      }
    }
    float inv_sum[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) inv_sum[l] = (float)(1.0 / sum[l]);
    if (!a.upstream) {
      for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) v[j][l] *= inv_sum[l];
      }
      store_tile(v, n, live, a.out + row0 * n, n);
      continue;
    }
    // J(s)^T g / tau with g shifted by g_top, as in soft_row_lanes.
    float g_top[kLanes];
    for (int l = 0; l < kLanes; ++l) g_top[l] = g[top[l]][l] * down[l];
    double dot[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) dot[l] = 0.0;
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        v[j][l] *= inv_sum[l];
        g[j][l] = t[j][l] == -kInf ? 0.0f : g[j][l] * down[l] - g_top[l];
        dot[l] += (double)v[j][l] * g[j][l];
      }
    }
    float dotf[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) dotf[l] = (float)dot[l];
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l)
        v[j][l] =
            gradient_out(t[j][l], softmax_jvp(v[j][l], g[j][l], dotf[l]) / a.tau, up[l]);
    }
    const int64_t overflow = tile_overflow(v, n, row0, live);
    if (overflow) return overflow;
    store_tile(v, n, live, a.out + row0 * n, n);
  }
  return GR_OK;
}

}  // namespace

int64_t soft_rows(const SoftArgs& a, int64_t r0, int64_t r1) {
  return a.batch.arity <= kTileMaxArity ? soft_tiles(a, r0, r1) : soft_row_lanes(a, r0, r1);
}

}  // namespace gr::cpu::GR_ISA_NS
