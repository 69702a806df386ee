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

namespace gr {
namespace cpu {
namespace GR_ISA_NS {

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
// output word i of lane `lane`.
// Always inlined: the lane vectors stay in registers (an out-of-line call would pass them on the
// stack, which is what GCC's note "the ABI for passing parameters with 64-byte alignment has
// changed" pointed at).
GR_HD void philox_lanes(NoiseKey key, Lanes c0, Lanes c1, Lanes c2, Lanes c3,
                        uint32_t (*words)[kLanes]) {
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

// The perturbed logits of a tile, v[j][lane] = t[j][lane] + G (lanes are rows, forward noise,
// slot 0), as one expression like the row kernels' so that both round the same way.
inline void tile_perturbed_logits(NoiseKey key, int64_t row0, int32_t n, const TileColumn* t,
                                  TileColumn* v) {
  const int64_t nq = quads(n);
  for (int64_t q = 0; q < nq; ++q) {
    uint32_t words[4][kLanes];
    philox_lanes(key, broadcast((uint32_t)q), iota((uint32_t)row0), broadcast(kForwardSlot),
                 broadcast(key.offset), words);
    for (int i = 0; i < 4 && 4 * q + i < n; ++i) {
      const int64_t j = 4 * q + i;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l)
        v[j][l] = t[j][l] + gumbel_from_uniform(uniform_open(words[i][l]));
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
// d, and log_softmax's arguments max and log_sum per lane.
inline int64_t prepare_choice_tile(const float* logits, const int32_t* choice, int64_t row0,
                                   int live, int32_t n, TileColumn* t, int32_t* d, float* max,
                                   float* log_sum) {
  load_tile(logits, row0, live, n, t);
  const int64_t logits_status = scan_tile(t, n, row0, live, max);
  const int64_t logits_row = logits_status ? gr_status_row(logits_status) : row0 + kLanes;
  for (int l = 0; l < kLanes; ++l) {
    d[l] = choice[row0 + (l < live ? l : live - 1)];
    if (row0 + l >= logits_row) continue;
    const int code = d[l] < 0 || d[l] >= n ? GR_CHOICE_RANGE
                                           : (t[d[l]][l] == -kInf ? GR_CHOICE_MASKED : GR_OK);
    if (code) return gr_status_make(code, row0 + l);
  }
  if (logits_status) return logits_status;
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
  return GR_OK;
}

// --------------------------------------------------------------- the kernels (one file each)
int64_t sample_rows(const SampleArgs& a, int64_t row_begin, int64_t row_end);
int64_t soft_rows(const SoftArgs& a, int64_t row_begin, int64_t row_end);
int64_t reinforce_rows(const ReinforceArgs& a, int64_t row_begin, int64_t row_end);
int64_t conditional_rows(const ConditionalArgs& a, int64_t row_begin, int64_t row_end);
int64_t gumbel_rao_prepare(const GumbelRaoArgs& a, int64_t row, float* log2_p, float* p,
                           float* gs);
int64_t gumbel_rao_tiles(const GumbelRaoArgs& a, int64_t row_begin, int64_t row_end);
void gumbel_rao_chunk(const GumbelRaoArgs& a, int64_t row, const float* log2_p, const float* p,
                      const float* gs, int32_t k_begin, int32_t k_end, ChunkSums sums);

}  // namespace GR_ISA_NS
}  // namespace cpu
}  // namespace gr
