// Helpers shared by the CPU kernels of one instruction set: row validation and probabilities,
// Philox on lane vectors, and tiles of kLanes rows transposed so that vector lanes run across
// rows (small arity) instead of across a row's few columns. Included by every kernel file; each
// instruction-set copy gets its own (GR_ISA_NS).
#pragma once

#include <math.h>
#include <string.h>

#include <vector>

#include "kernels.h"
#include "lanes.h"

#ifndef GR_ISA_NS
#error "GR_ISA_NS must name the instruction-set namespace of this translation unit"
#endif

namespace gr::cpu::GR_ISA_NS {

// Arity up to which this copy's kernels work on tiles of kLanes rows (see tile_max_arity).
constexpr int32_t kTileMaxArity = tile_max_arity(kLanes);

// Per-thread scratch, grown on demand and kept between calls. Callers catch std::bad_alloc.
struct Scratch {
  std::vector<float> f;
  std::vector<double> d;
  float* floats(size_t n) {
    if (f.size() < n) f.resize(n);
    return f.data();
  }
  double* doubles(size_t n) {
    if (d.size() < n) d.resize(n);
    return d.data();
  }
};
Scratch& scratch();  // this thread's (table.cpp)

// kLanes values of one column: one per lane (a row of a tile, or a draw).
typedef float TileColumn[kLanes];

inline int64_t quads(int32_t n) { return ((int64_t)n + 3) >> 2; }

// Validates a row of logits; returns a gr_code (0: valid) and the row maximum.
inline int scan_row(const float* th, int32_t n, float* max_out) {
  float m = -kInf;
  int nan = 0, pinf = 0;
#pragma omp simd reduction(max : m) reduction(| : nan, pinf)
  for (int32_t j = 0; j < n; ++j) {
    const float x = th[j];
    nan |= (x != x);
    pinf |= (x == kInf);
    m = x > m ? x : m;
  }
  if (nan) return GR_LOGITS_NAN;
  if (pinf) return GR_LOGITS_POS_INF;
  if (m == -kInf) return GR_ROW_ALL_MASKED;
  *max_out = m;
  return GR_OK;
}

// log of sum_j exp(theta_j - m), a sum of at least 1 (the maximum's term), accumulated in double
// so that 2^20 classes lose nothing: its float log is accurate to ~1e-7 absolute.
GR_HD float log_of_sum(double s) { return kLn2 * fast_log2_positive((float)s); }

// log sum_j exp(theta_j - m) of a valid row with maximum m; log p_j = log_softmax(theta_j, m, this).
inline float row_log_sum(const float* th, int32_t n, float m) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int32_t j = 0; j < n; ++j) s += (double)fast_exp2_nonpositive((th[j] - m) * kLog2e);
  return log_of_sum(s);
}

// log2 p_j and p_j of a valid row (-inf and 0 for masked classes).
inline void row_probabilities(const float* th, int32_t n, float m, float log_sum, float* log2_p,
                              float* p) {
#pragma omp simd
  for (int32_t j = 0; j < n; ++j) {
    const float l2 = log_softmax(th[j], m, log_sum) * kLog2e;
    log2_p[j] = l2;
    p[j] = fast_exp2_nonpositive(l2);
  }
}

inline int check_choice(const float* th, int32_t n, int32_t d) {
  if (d < 0 || d >= n) return GR_CHOICE_RANGE;
  if (th[d] == -kInf) return GR_CHOICE_MASKED;
  return GR_OK;
}

// Validates a row's upstream gradient (the policy of gumbel_rao.h): NaN or +-inf at an unmasked
// class is GR_UPSTREAM_NOT_FINITE; a masked class's value takes no part. Returns the gr_code and,
// when valid, upstream_scale of the row's largest |g_j| at unmasked classes.
inline int scan_upstream(const float* th, const float* g, int32_t n, UpstreamScale* scale) {
  float m = 0.0f;
  int bad = 0;
#pragma omp simd reduction(max : m) reduction(| : bad)
  for (int32_t j = 0; j < n; ++j) {
    const float x = th[j] == -kInf ? 0.0f : abs_value(g[j]);
    bad |= !(x <= 3.40282347e+38f);
    m = x > m ? x : m;
  }
  if (bad) return GR_UPSTREAM_NOT_FINITE;
  *scale = upstream_scale(m);
  return GR_OK;
}

// gs_j = g_j down - g_top down, the upstream shifted by its value at class `top` (J(s)^T g is
// unchanged, sum s = 1) and scaled by upstream_scale's `down`; 0 at masked classes, whose weight
// is 0 and whose g is never used.
inline void shifted_upstream(const float* th, const float* g, int32_t n, int32_t top, float down,
                             float* gs) {
  const float g_top = g[top] * down;
#pragma omp simd
  for (int32_t j = 0; j < n; ++j) gs[j] = th[j] == -kInf ? 0.0f : g[j] * down - g_top;
}

// |x| > 2^64 or x NaN, by its bits (+-inf and NaN have the largest magnitude patterns): an
// integer compare, which vectorises where the float form with its NaN case did not.
GR_HD int beyond_2_64(float x) { return (float_bits(x) & 0x7FFFFFFFu) > 0x5F800000u; }

// The rare branch of scan_shifted_upstream, out of line so that the common path stays small.
__attribute__((noinline, cold)) inline int rescaled_shifted_upstream(
    const float* th, const float* g, int32_t n, int32_t top, float* gs, UpstreamScale* scale) {
  const int code = scan_upstream(th, g, n, scale);
  if (code) return code;
  shifted_upstream(th, g, n, top, scale->down, gs);
  return GR_OK;
}

// The prologue of the backward passes that shift the upstream by g at class `top` (D, or the
// top of s): gs_j = g_j - g_top at unmasked classes, 0 at masked ones. The kernels' arithmetic
// sees only gs, so the common row, max |gs_j| <= 2^64, is done in that one pass (a non-finite
// g_j at an unmasked class makes gs_j non-finite, so such rows never pass). Any other row goes
// through scan_upstream (GR_UPSTREAM_NOT_FINITE, or the upstream_scale of its g) and gs is
// formed again, scaled. Returns the gr_code; *scale is {1, 1} in the common case.
inline int scan_shifted_upstream(const float* th, const float* g, int32_t n, int32_t top,
                                 float* gs, UpstreamScale* scale) {
  const float g_top = g[top];
  int big = 0;
#pragma omp simd reduction(| : big)
  for (int32_t j = 0; j < n; ++j) {
    const float x = th[j] == -kInf ? 0.0f : g[j] - g_top;
    big |= beyond_2_64(x);
    gs[j] = x;
  }
  *scale = UpstreamScale{1.0f, 1.0f};
  return big ? rescaled_shifted_upstream(th, g, n, top, gs, scale) : (int)GR_OK;
}

// A gradient component as written: x up, exactly +0 at a masked class.
GR_HD float gradient_out(float theta_j, float x, float up) {
  return theta_j == -kInf ? 0.0f : x * up;
}

// Whether a written gradient row holds a component beyond the float range (GR_GRAD_OVERFLOW).
inline bool row_overflows(const float* out, int32_t n) {
  int inf = 0;
#pragma omp simd reduction(| : inf)
  for (int32_t j = 0; j < n; ++j) inf |= abs_value(out[j]) == kInf;
  return inf != 0;
}

// The prologue of the row kernels that take a choice: validates the row's logits and its choice
// d (a gr_code, 0 when valid), then fills log2 p, p and the row's log-sum (log_softmax's
// argument, with the row maximum in *max).
inline int prepare_choice_row(const float* th, int32_t n, int32_t d, float* log2_p, float* p,
                              float* max, float* log_sum) {
  int code = scan_row(th, n, max);
  if (!code) code = check_choice(th, n, d);
  if (code) return code;
  *log_sum = row_log_sum(th, n, *max);
  row_probabilities(th, n, *max, *log_sum, log2_p, p);
  return GR_OK;
}

// Philox4x32-10 on kLanes counters at once (math.h's rounds on lane vectors); words[i][lane] is
// output word i of lane `lane`. c1 holds rows within the call: the key's first_row is added here,
// as math.h's noise_words adds it, so every lane kernel numbers rows as the whole batch does.
// Always inlined: the lane vectors stay in registers (an out-of-line call would pass them on the
// stack, which is what GCC's note "the ABI for passing parameters with 64-byte alignment has
// changed" pointed at).
GR_HD void philox_lanes(NoiseKey key, Lanes c0, Lanes c1, Lanes c2, Lanes c3,
                        uint32_t (*words)[kLanes]) {
  c1.v += key.first_row;
  philox4x32_10_rounds(c0, c1, c2, c3, key.k0, key.k1);
  memcpy(words[0], &c0.v, sizeof c0.v);
  memcpy(words[1], &c1.v, sizeof c1.v);
  memcpy(words[2], &c2.v, sizeof c2.v);
  memcpy(words[3], &c3.v, sizeof c3.v);
}

// The uniforms of columns 4q .. 4q+3 for kLanes counters (lanes differ in their row or their
// slot): u[0..3][lane].
GR_HD void quad_uniform_lanes(NoiseKey key, uint32_t quad, Lanes row, Lanes slot,
                              TileColumn* u) {
  uint32_t words[4][kLanes];
  philox_lanes(key, broadcast(quad), row, slot, broadcast(key.offset), words);
  for (int i = 0; i < 4; ++i) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) u[i][l] = uniform_open(words[i][l]);
  }
}

// The uniforms of one row at one slot, all columns (u holds 4 * quads(n) floats, rounded up to a
// multiple of 4 * kLanes): lanes are consecutive quads.
inline void row_uniforms(NoiseKey key, int64_t row, uint32_t slot, int32_t n, float* u) {
  const int64_t nq = quads(n);
  for (int64_t q0 = 0; q0 < nq; q0 += kLanes) {
    uint32_t words[4][kLanes];
    philox_lanes(key, iota((uint32_t)q0), broadcast((uint32_t)row), broadcast(slot),
                 broadcast(key.offset), words);
    float* out = u + 4 * q0;
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      out[4 * l + 0] = uniform_open(words[0][l]);
      out[4 * l + 1] = uniform_open(words[1][l]);
      out[4 * l + 2] = uniform_open(words[2][l]);
      out[4 * l + 3] = uniform_open(words[3][l]);
    }
  }
}

// Scratch floats for row_uniforms of arity n.
inline size_t row_uniform_floats(int32_t n) {
  return 4 * (size_t)((quads(n) + kLanes - 1) / kLanes * kLanes);
}

inline int32_t first_argmax(const float* v, int32_t n) {
  float m = -kInf;
#pragma omp simd reduction(max : m)
  for (int32_t j = 0; j < n; ++j) m = v[j] > m ? v[j] : m;
  for (int32_t j = 0; j < n; ++j)
    if (v[j] == m) return j;
  return 0;
}

// ------------------------------------------------------------------------------- row tiles
// A tile is kLanes consecutive rows [row0, row0 + live) of a small arity n, stored transposed:
// t[j][lane] (TileColumn). Lanes past `live` repeat the last live row so that every lane
// computes on valid data; their results are never written.

// Whole blocks of kLanes columns move through transpose_lanes; the last columns one by one.
inline void load_tile(const float* src, int64_t row0, int live, int32_t n, TileColumn* t) {
  const int32_t blocks = n / kLanes * kLanes;
  for (int32_t j0 = 0; j0 < blocks; j0 += kLanes) {
    LaneFloats v[kLanes];
    for (int l = 0; l < kLanes; ++l)
      memcpy(&v[l], src + (row0 + (l < live ? l : live - 1)) * n + j0, sizeof(LaneFloats));
    transpose_lanes(v);
    for (int i = 0; i < kLanes; ++i) memcpy(t[j0 + i], &v[i], sizeof(LaneFloats));
  }
  if (blocks == n) return;
  for (int l = 0; l < kLanes; ++l) {
    const float* row = src + (row0 + (l < live ? l : live - 1)) * n;
    for (int32_t j = blocks; j < n; ++j) t[j][l] = row[j];
  }
}

// The inverse: lane l's column values t[0..n)[l] to base + l * stride, for the live lanes.
inline void store_tile(const TileColumn* t, int32_t n, int live, float* base, int64_t stride) {
  const int32_t blocks = n / kLanes * kLanes;
  for (int32_t j0 = 0; j0 < blocks; j0 += kLanes) {
    LaneFloats v[kLanes];
    for (int i = 0; i < kLanes; ++i) memcpy(&v[i], t[j0 + i], sizeof(LaneFloats));
    transpose_lanes(v);
    for (int l = 0; l < live; ++l) memcpy(base + l * stride + j0, &v[l], sizeof(LaneFloats));
  }
  if (blocks == n) return;
  for (int l = 0; l < live; ++l) {
    float* row = base + l * stride;
    for (int32_t j = blocks; j < n; ++j) row[j] = t[j][l];
  }
}

// Validates the live rows of a tile; returns 0 or the status of its lowest bad row, and each
// lane's maximum logit.
inline int64_t scan_tile(const TileColumn* t, int32_t n, int64_t row0, int live, float* max) {
  int nan[kLanes], pinf[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) {
    max[l] = -kInf;
    nan[l] = 0;
    pinf[l] = 0;
  }
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const float x = t[j][l];
      nan[l] |= (x != x);
      pinf[l] |= (x == kInf);
      max[l] = x > max[l] ? x : max[l];
    }
  }
  for (int l = 0; l < live; ++l) {
    const int code = nan[l] ? GR_LOGITS_NAN
                            : (pinf[l] ? GR_LOGITS_POS_INF
                                       : (max[l] == -kInf ? GR_ROW_ALL_MASKED : GR_OK));
    if (code) return gr_status_make(code, row0 + l);
  }
  return GR_OK;
}

// The perturbed logits of a tile, v[j][lane] = perturbed_logit(t[j][lane], max[lane], G) (lanes
// are rows, forward noise, slot 0), as one expression like the row kernels' so that both round
// the same way.
inline void tile_perturbed_logits(NoiseKey key, int64_t row0, int32_t n, const TileColumn* t,
                                  const float* max, TileColumn* v) {
  const int64_t nq = quads(n);
  for (int64_t q = 0; q < nq; ++q) {
    uint32_t words[4][kLanes];
    philox_lanes(key, broadcast((uint32_t)q), iota((uint32_t)row0), broadcast(kForwardSlot),
                 broadcast(key.offset), words);
    for (int i = 0; i < 4 && 4 * q + i < n; ++i) {
      const int64_t j = 4 * q + i;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l)
        v[j][l] = perturbed_logit(t[j][l], max[l], gumbel_from_uniform(uniform_open(words[i][l])));
    }
  }
}

// Per lane, the first column of the largest value, and that value.
inline void tile_first_argmax(const TileColumn* v, int32_t n, int32_t* top, float* max) {
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) {
    top[l] = 0;
    max[l] = v[0][l];
  }
  for (int32_t j = 1; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const bool better = v[j][l] > max[l];
      top[l] = better ? j : top[l];
      max[l] = better ? v[j][l] : max[l];
    }
  }
}

// The prologue of the tile kernels that take a choice: the tile's logits t (transposed), then the
// status of the lowest bad live row (bad logits or a bad choice; 0 when none), each lane's choice
// d, and log_softmax's arguments max and log_sum per lane. When the status is not 0, only the
// lanes of rows below its row hold valid values (so that the caller can still check later
// conditions of those rows, which come first in row order).
GR_HD int64_t prepare_choice_tile(const float* logits, const int32_t* choice, int64_t row0,
                                   int live, int32_t n, TileColumn* t, int32_t* d, float* max,
                                   float* log_sum) {
  load_tile(logits, row0, live, n, t);
  int64_t status = scan_tile(t, n, row0, live, max);
  const int64_t logits_row = status ? gr_status_row(status) : row0 + kLanes;
  for (int l = 0; l < kLanes; ++l) d[l] = choice[row0 + (l < live ? l : live - 1)];
  for (int l = 0; l < kLanes && row0 + l < logits_row; ++l) {
    const int code = d[l] < 0 || d[l] >= n ? GR_CHOICE_RANGE
                                           : (t[d[l]][l] == -kInf ? GR_CHOICE_MASKED : GR_OK);
    if (code) {
      status = gr_status_make(code, row0 + l);
      break;
    }
  }
  double sum_exp[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) sum_exp[l] = 0.0;
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l)
      sum_exp[l] += (double)fast_exp2_nonpositive((t[j][l] - max[l]) * kLog2e);
  }
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) log_sum[l] = log_of_sum(sum_exp[l]);
  return status;
}

// Tile form of scan_upstream for the live rows of a tile below row `limit` (the lowest row the
// caller already found bad, or past the tile): the status of the lowest bad one (0 when none),
// and each lane's upstream_scale factors.
inline int64_t scan_upstream_tile(const TileColumn* t, const TileColumn* g, int32_t n,
                                  int64_t row0, int live, int64_t limit, float* down, float* up) {
  float m[kLanes];
  int bad[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) {
    m[l] = 0.0f;
    bad[l] = 0;
  }
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const float x = t[j][l] == -kInf ? 0.0f : abs_value(g[j][l]);
      bad[l] |= !(x <= 3.40282347e+38f);
      m[l] = x > m[l] ? x : m[l];
    }
  }
  for (int l = 0; l < live && row0 + l < limit; ++l)
    if (bad[l]) return gr_status_make(GR_UPSTREAM_NOT_FINITE, row0 + l);
  for (int l = 0; l < kLanes; ++l) {
    const UpstreamScale s = upstream_scale(m[l]);
    down[l] = s.down;
    up[l] = s.up;
  }
  return GR_OK;
}

// The prologue of the tile kernels that take a choice and an upstream gradient (Gumbel-Rao, ZGR,
// ReinMax, GST): prepare_choice_tile (t, d and each lane's maximum logit), then log2 p and p,
// and the upstream shifted by g_D (gs),
// checked in the same pass as scan_shifted_upstream does per row; the rare tile with a row
// beyond 2^64 (or a bad value) is checked and shifted again, scaled (up[lane] the factor to
// apply to the gradient, else 1). Returns the status of the lowest bad row (0 when none).
inline int64_t choice_upstream_tile(const float* logits, const int32_t* choice,
                                    const float* upstream, int64_t row0, int live, int32_t n,
                                    TileColumn* t, TileColumn* log2_p, TileColumn* p,
                                    TileColumn* gs, int32_t* d, float* max, float* up) {
  float log_sum[kLanes], down[kLanes];
  const int64_t status = prepare_choice_tile(logits, choice, row0, live, n, t, d, max, log_sum);
  load_tile(upstream, row0, live, n, gs);
  if (status) {  // the rows below the bad one may still have a bad upstream
    const int64_t upstream_status =
        scan_upstream_tile(t, gs, n, row0, live, gr_status_row(status), down, up);
    return upstream_status ? upstream_status : status;
  }
  float g_d[kLanes];
  int big[kLanes];
  for (int l = 0; l < kLanes; ++l) g_d[l] = gs[d[l]][l];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) big[l] = 0;
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      log2_p[j][l] = log_softmax(t[j][l], max[l], log_sum[l]) * kLog2e;
      p[j][l] = fast_exp2_nonpositive(log2_p[j][l]);
      gs[j][l] = t[j][l] == -kInf ? 0.0f : gs[j][l] - g_d[l];
    }
  }
  // A loop of its own: in the one above, GCC sinks the flag's update into the unmasked branch,
  // and the conditional store kept that loop scalar.
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) big[l] |= beyond_2_64(gs[j][l]);
  }
  // Lanes past `live` repeat the last live row's logits and upstream, so their flags are its
  // own: all lanes can be tested at once.
  int any_big = 0;
#pragma omp simd reduction(| : any_big)
  for (int l = 0; l < kLanes; ++l) any_big |= big[l];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) up[l] = 1.0f;
  if (any_big) {
    load_tile(upstream, row0, live, n, gs);
    const int64_t upstream_status =
        scan_upstream_tile(t, gs, n, row0, live, row0 + kLanes, down, up);
    if (upstream_status) return upstream_status;
    for (int l = 0; l < kLanes; ++l) g_d[l] = gs[d[l]][l] * down[l];
    for (int32_t j = 0; j < n; ++j) {
      for (int l = 0; l < kLanes; ++l)
        gs[j][l] = t[j][l] == -kInf ? 0.0f : gs[j][l] * down[l] - g_d[l];
    }
  }
  return GR_OK;
}

// The lowest live row of a tile whose gradient v (v[j][lane]) holds a component beyond the float
// range: its GR_GRAD_OVERFLOW status, or 0.
inline int64_t tile_overflow(const TileColumn* v, int32_t n, int64_t row0, int live) {
  int inf[kLanes];
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) inf[l] = 0;
  for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) inf[l] |= abs_value(v[j][l]) == kInf;
  }
  for (int l = 0; l < live; ++l)
    if (inf[l]) return gr_status_make(GR_GRAD_OVERFLOW, row0 + l);
  return GR_OK;
}

// --------------------------------------------------------------- the kernels (one file each)
int64_t sample_rows(const SampleArgs& a, int64_t row_begin, int64_t row_end);
int64_t soft_rows(const SoftArgs& a, int64_t row_begin, int64_t row_end);
int64_t reinforce_rows(const ReinforceArgs& a, int64_t row_begin, int64_t row_end);
int64_t conditional_rows(const ConditionalArgs& a, int64_t row_begin, int64_t row_end);
int64_t gumbel_rao_prepare(const GumbelRaoArgs& a, int64_t row, float* log2_p, float* p,
                           float* gs, float* up);
int64_t gumbel_rao_tiles(const GumbelRaoArgs& a, int64_t row_begin, int64_t row_end);
int64_t gumbel_rao_finish_row(const GumbelRaoArgs& a, int64_t row, const float* p,
                              const double* h, float up);
void gumbel_rao_chunk(const GumbelRaoArgs& a, int64_t row, const float* log2_p, const float* p,
                      const float* gs, int32_t k_begin, int32_t k_end, ChunkSums sums);
int64_t binary_sample_rows(const BinarySampleArgs& a, int64_t row_begin, int64_t row_end);
int64_t zgr_binary_rows(const BinaryBackwardArgs& a, int64_t row_begin, int64_t row_end);
int64_t disarm_rows(const BinaryBackwardArgs& a, int64_t row_begin, int64_t row_end);
int64_t arms_rows(const BinaryBackwardArgs& a, int64_t row_begin, int64_t row_end);
int64_t choice_gradient_rows(const ChoiceGradArgs& a, int64_t row_begin, int64_t row_end);
int64_t rloo_rows(const RlooArgs& a, int64_t row_begin, int64_t row_end);
int64_t indecater_rows(const IndecaterArgs& a, int64_t row_begin, int64_t row_end);

}  // namespace gr::cpu::GR_ISA_NS
