// sample: D = argmax_j(theta_j + G_j) with the forward noise (slot 0), and the optional one-hot;
// the argmax of the max-shifted perturbed logits (math.h, perturbed_logit), so that large logits
// do not round the noise away.
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {
namespace {

// Large arity: one row at a time, lanes across its quads.
int64_t sample_row_lanes(const SampleArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* v = scratch().floats(row_uniform_floats(n));
  for (int64_t r = r0; r < r1; ++r) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const float* th = a.batch.logits + r * n;
    float m;
    const int code = scan_row(th, n, &m);
    if (code) return gr_status_make(code, r);
    row_uniforms(a.key, r, kForwardSlot, n, v);
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) v[j] = perturbed_logit(th[j], m, gumbel_from_uniform(v[j]));
    const int32_t d = first_argmax(v, n);
    a.choice[r] = d;
    if (a.one_hot) {
      float* oh = a.one_hot + r * n;
      memset(oh, 0, sizeof(float) * (size_t)n);
      oh[d] = 1.0f;
    }
  }
  return GR_OK;
}

// Small arity: tiles of kLanes rows, lanes across rows.
int64_t sample_tiles(const SampleArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  TileColumn* t = reinterpret_cast<TileColumn*>(scratch().floats(2 * (size_t)n * kLanes));
  TileColumn* g = t + n;
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, row0);
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    load_tile(a.batch.logits, row0, live, n, t);
    float max[kLanes];
    const int64_t status = scan_tile(t, n, row0, live, max);
    if (status) return status;
    tile_perturbed_logits(a.key, row0, n, t, max, g);
    int32_t top[kLanes];
    tile_first_argmax(g, n, top, max);
    for (int l = 0; l < live; ++l) a.choice[row0 + l] = top[l];
    if (a.one_hot) {
      float* oh = a.one_hot + row0 * n;
      memset(oh, 0, sizeof(float) * (size_t)n * live);
      for (int l = 0; l < live; ++l) oh[(int64_t)l * n + top[l]] = 1.0f;
    }
  }
  return GR_OK;
}

}  // namespace

int64_t sample_rows(const SampleArgs& a, int64_t r0, int64_t r1) {
  return a.batch.arity <= kTileMaxArity ? sample_tiles(a, r0, r1) : sample_row_lanes(a, r0, r1);
}

}  // namespace gr::cpu::GR_ISA_NS
