// Gumbel-Rao (GR-MCK) backward: per row, validation and log2 p (prepare), then chunks of draws
// summed into h_j = sum_k w_j^k (gs_j c^k - c_dot^k), math.h's gumbel_rao_term (api.cpp combines
// the chunks and finishes).
#include "rows.h"

namespace gr {
namespace cpu {
namespace GR_ISA_NS {

// Float accumulators are added into double ones every kFlush draws (row lanes) or at the end of
// the chunk (draw lanes: kChunk / kLanes = 64 draws per lane).
constexpr int32_t kFlush = 64;
// Arity up to which draws, not columns, fill the vector lanes.
constexpr int32_t kDrawLanesMaxArity = 128;
// Draws of a row tile computed step by step together (gumbel_rao_tiles_for).
constexpr int kTileDraws = 4;
static_assert(kFlush % kTileDraws == 0, "tiles fold their float sums at whole batches");

int64_t gumbel_rao_prepare(const GumbelRaoArgs& a, int64_t r, float* log2_p, float* p, float* gs) {
  const int32_t n = a.batch.arity;
  float m, log_sum;
  const int code =
      prepare_choice_row(a.batch.logits + r * n, n, a.choice[r], log2_p, p, &m, &log_sum);
  if (code) return gr_status_make(code, r);
  // Shift g by g_D: J(s)^T g is unchanged (sum s = 1), and as s -> onehot(D) at small tau the
  // dot product <s, g - g_D> stays small instead of cancelling against g_D.
  const float* g = a.upstream + r * n;
  const float g_d = g[a.choice[r]];
#pragma omp simd
  for (int32_t j = 0; j < n; ++j) gs[j] = g[j] - g_d;
  return GR_OK;
}

namespace {

// r_j^(1/tau): by multiplication when 1/tau is the integer M, else through log2 and exp2.
template <int M>
GR_HD float weight(float log2_p_j, float p_j, float e_j, float e_d, float log2_e_d,
                   float inv_tau) {
  if (M > 0) return gumbel_rao_weight_power<M>(p_j, e_j, e_d);
  return gumbel_rao_weight(log2_p_j, p_j, e_j, e_d, log2_e_d, inv_tau);
}

// Draw lanes: kLanes draws at a time, vectorised across draws; columns in the outer loop.
// Per block of draws: (1) the uniforms of every column, w[j][lane]; (2) E_D per lane;
// (3) the weights r_j^(1/tau), overwriting the uniforms; (4) the chunk's running sums.
template <int M>
void gumbel_rao_chunk_draw_lanes(const GumbelRaoArgs& a, int64_t r, const float* log2_p,
                                 const float* p, const float* gs, int32_t k0, int32_t k1,
                                 ChunkSums sums) {
  const int32_t n = a.batch.arity;
  const int32_t d = a.choice[r];
  const float inv_tau = inverse_temperature(a.tau);
  const int64_t nq = quads(n);
  const size_t padded = 4 * (size_t)nq;
  float* buf = scratch().floats((padded + (size_t)n) * kLanes);
  TileColumn* w = reinterpret_cast<TileColumn*>(buf);
  TileColumn* acc = reinterpret_cast<TileColumn*>(buf + padded * kLanes);
  memset(acc, 0, sizeof(float) * (size_t)n * kLanes);
  for (int32_t kb = k0; kb < k1; kb += kLanes) {
    const int32_t live = k1 - kb < kLanes ? k1 - kb : kLanes;
    for (int64_t q = 0; q < nq; ++q) {
      quad_uniform_lanes(a.key, (uint32_t)q, broadcast((uint32_t)r),
                         iota(conditional_slot((uint32_t)kb)), w + 4 * q);
    }
    float e_d[kLanes], log2_e_d[kLanes], sum[kLanes], dot[kLanes];
    float* w_d = w[d];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      e_d[l] = exponential_from_uniform(w_d[l]);
      log2_e_d[l] = fast_log2_positive(e_d[l]);
      w_d[l] = 1.0f;
      sum[l] = 1.0f;
      dot[l] = 0.0f;  // gs_D = 0
    }
    for (int32_t j = 0; j < n; ++j) {
      if (j == d) continue;
      const float lp = log2_p[j], pj = p[j], gj = gs[j];
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        const float wt = weight<M>(lp, pj, exponential_from_uniform(w[j][l]), e_d[l],
                                   log2_e_d[l], inv_tau);
        w[j][l] = wt;
        sum[l] += wt;
        dot[l] += wt * gj;
      }
    }
    // Lanes past the chunk's end add nothing (c = c_dot = 0).
    float c[kLanes], cd[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      const GumbelRaoDraw k = gumbel_rao_draw(sum[l], dot[l]);
      c[l] = l < live ? k.c : 0.0f;
      cd[l] = l < live ? k.c_dot : 0.0f;
    }
    for (int32_t j = 0; j < n; ++j) {
      const float gj = gs[j];
#pragma omp simd
      for (int l = 0; l < kLanes; ++l)
        acc[j][l] += gumbel_rao_term(w[j][l], gj, GumbelRaoDraw{c[l], cd[l]});
    }
  }
  for (int32_t j = 0; j < n; ++j) {
    double h = 0.0;
    for (int l = 0; l < kLanes; ++l) h += acc[j][l];
    sums.h[j] += h;
  }
}

// Row lanes: one draw at a time, vectorised across the row's columns (large arity).
template <int M>
void gumbel_rao_chunk_row_lanes(const GumbelRaoArgs& a, int64_t r, const float* log2_p,
                                const float* p, const float* gs, int32_t k0, int32_t k1,
                                ChunkSums sums) {
  const int32_t n = a.batch.arity;
  const int32_t d = a.choice[r];
  const float inv_tau = inverse_temperature(a.tau);
  const size_t nu = row_uniform_floats(n);
  float* buf = scratch().floats(nu + 2 * (size_t)n);
  float *u = buf, *acc = buf + nu, *w = acc + n;
  memset(acc, 0, sizeof(float) * (size_t)n);
  for (int32_t k = k0; k < k1; ++k) {
    row_uniforms(a.key, r, conditional_slot((uint32_t)k), n, u);
    const float e_d = exponential_from_uniform(u[d]);
    const float log2_e_d = fast_log2_positive(e_d);
    double sum = 0.0, dot = 0.0;
#pragma omp simd reduction(+ : sum, dot)
    for (int32_t j = 0; j < n; ++j) {
      const float wt = j == d ? 1.0f
                              : weight<M>(log2_p[j], p[j], exponential_from_uniform(u[j]), e_d,
                                          log2_e_d, inv_tau);
      w[j] = wt;
      sum += wt;
      dot += wt * gs[j];
    }
    const GumbelRaoDraw draw = gumbel_rao_draw((float)sum, (float)dot);
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) acc[j] += gumbel_rao_term(w[j], gs[j], draw);
    if ((k - k0) % kFlush == kFlush - 1 || k == k1 - 1) {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) {
        sums.h[j] += acc[j];
        acc[j] = 0.0f;
      }
    }
  }
}

template <int M>
void gumbel_rao_chunk_for(const GumbelRaoArgs& a, int64_t r, const float* log2_p, const float* p,
                          const float* gs, int32_t k0, int32_t k1, ChunkSums sums) {
  // Draw lanes need a full vector of draws; a shorter chunk (K < 16 past the tile arities, or
  // the last chunk of a row) fills the lanes with columns instead.
  if (a.batch.arity <= kDrawLanesMaxArity && k1 - k0 >= kLanes)
    gumbel_rao_chunk_draw_lanes<M>(a, r, log2_p, p, gs, k0, k1, sums);
  else
    gumbel_rao_chunk_row_lanes<M>(a, r, log2_p, p, gs, k0, k1, sums);
}

}  // namespace

void gumbel_rao_chunk(const GumbelRaoArgs& a, int64_t r, const float* log2_p, const float* p,
                      const float* gs, int32_t k0, int32_t k1, ChunkSums sums) {
  switch (integer_inverse_temperature(a.tau)) {
    case 1: return gumbel_rao_chunk_for<1>(a, r, log2_p, p, gs, k0, k1, sums);
    case 2: return gumbel_rao_chunk_for<2>(a, r, log2_p, p, gs, k0, k1, sums);
    case 3: return gumbel_rao_chunk_for<3>(a, r, log2_p, p, gs, k0, k1, sums);
    case 4: return gumbel_rao_chunk_for<4>(a, r, log2_p, p, gs, k0, k1, sums);
    default: return gumbel_rao_chunk_for<0>(a, r, log2_p, p, gs, k0, k1, sums);
  }
}

namespace {

// Tiles of kLanes rows, lanes across rows, every draw of the tile in turn: when lanes across
// draws would idle (draws_on_row_tiles). Per row the arithmetic is that of the row-lane
// path (each draw's float term gumbel_rao_term added in float, folded into double every kFlush
// draws, then gumbel_rao_finish); only the order of the row's sum of exponentials differs, so
// the paths agree to float rounding.
template <int M>
int64_t gumbel_rao_tiles_for(const GumbelRaoArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t nq = quads(n);
  const float inv_tau = inverse_temperature(a.tau);
  const double scale = gumbel_rao_scale(a.samples, a.tau);
  float* buf = scratch().floats(((size_t)4 * nq * kTileDraws + 5 * (size_t)n) * kLanes);
  TileColumn* u = reinterpret_cast<TileColumn*>(buf);  // uniforms, then weights, per draw
  TileColumn* t = u + 4 * nq * kTileDraws;
  TileColumn* log2_p = t + n;
  TileColumn* p = log2_p + n;
  TileColumn* gs = p + n;
  TileColumn* part = gs + n;  // float sums of the draws since the last fold
  typedef double SumColumn[kLanes];
  SumColumn* acc = reinterpret_cast<SumColumn*>(scratch().doubles((size_t)n * kLanes));
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    int32_t d[kLanes];
    float max[kLanes], log_sum[kLanes];
    const int64_t status =
        prepare_choice_tile(a.batch.logits, a.choice, row0, live, n, t, d, max, log_sum);
    if (status) return status;
    load_tile(a.upstream, row0, live, n, gs);
    float g_d[kLanes];
    for (int l = 0; l < kLanes; ++l) g_d[l] = gs[d[l]][l];
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        log2_p[j][l] = log_softmax(t[j][l], max[l], log_sum[l]) * kLog2e;
        p[j][l] = fast_exp2_nonpositive(log2_p[j][l]);
        gs[j][l] -= g_d[l];  // see gumbel_rao_prepare
        acc[j][l] = 0.0;
        part[j][l] = 0.0f;
      }
    }
    // Draws go in batches of kTileDraws, each step over the whole batch: one draw of one tile
    // is a chain (Philox, E_D, the weights, their sum, 1/sum, the terms) longer than the
    // out-of-order window, so draw after draw ran at the chain's latency.
    for (int32_t k0 = 0; k0 < a.samples; k0 += kTileDraws) {
      const int nb = a.samples - k0 < kTileDraws ? a.samples - k0 : kTileDraws;
      for (int b = 0; b < nb; ++b) {
        for (int64_t q = 0; q < nq; ++q) {
          quad_uniform_lanes(a.key, (uint32_t)q, iota((uint32_t)row0),
                             broadcast(conditional_slot((uint32_t)(k0 + b))),
                             u + (4 * nq) * b + 4 * q);
        }
      }
      float e_d[kTileDraws][kLanes], log2_e_d[kTileDraws][kLanes];
      float sum[kTileDraws][kLanes], dot[kTileDraws][kLanes];
      float c[kTileDraws][kLanes], cd[kTileDraws][kLanes];
      for (int b = 0; b < nb; ++b) {
        const TileColumn* ub = u + (4 * nq) * b;
        for (int l = 0; l < kLanes; ++l) e_d[b][l] = ub[d[l]][l];
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) {
          e_d[b][l] = exponential_from_uniform(e_d[b][l]);
          log2_e_d[b][l] = fast_log2_positive(e_d[b][l]);
          sum[b][l] = 1.0f;  // the winner's weight, first, as in the chunked path
          dot[b][l] = 0.0f;  // gs_D = 0
        }
      }
      for (int b = 0; b < nb; ++b) {
        TileColumn* ub = u + (4 * nq) * b;
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) {
            const bool winner = j == d[l];
            const float wt = weight<M>(log2_p[j][l], p[j][l],
                                       exponential_from_uniform(ub[j][l]), e_d[b][l],
                                       log2_e_d[b][l], inv_tau);
            ub[j][l] = winner ? 1.0f : wt;
            sum[b][l] = winner ? sum[b][l] : sum[b][l] + wt;
            dot[b][l] = winner ? dot[b][l] : dot[b][l] + wt * gs[j][l];
          }
        }
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) {
          const GumbelRaoDraw draw = gumbel_rao_draw(sum[b][l], dot[b][l]);
          c[b][l] = draw.c;
          cd[b][l] = draw.c_dot;
        }
      }
      // Draw order per element, as one draw at a time added them.
      for (int b = 0; b < nb; ++b) {
        const TileColumn* ub = u + (4 * nq) * b;
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l)
            part[j][l] += gumbel_rao_term(ub[j][l], gs[j][l], GumbelRaoDraw{c[b][l], cd[b][l]});
        }
      }
      const int32_t done = k0 + nb;  // kFlush is a multiple of kTileDraws
      if (done % kFlush == 0 || done == a.samples) {
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) {
            acc[j][l] += (double)part[j][l];
            part[j][l] = 0.0f;
          }
        }
      }
    }
    // The finish in tile form (part is free after the last fold), stored through the transposes:
    // per lane and column in scalar code it was a quarter of a small call's prologue.
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) part[j][l] = gumbel_rao_finish(acc[j][l], scale);
    }
    store_tile(part, n, live, a.grad + row0 * n, n);
  }
  return GR_OK;
}

}  // namespace

int64_t gumbel_rao_tiles(const GumbelRaoArgs& a, int64_t r0, int64_t r1) {
  switch (integer_inverse_temperature(a.tau)) {
    case 1: return gumbel_rao_tiles_for<1>(a, r0, r1);
    case 2: return gumbel_rao_tiles_for<2>(a, r0, r1);
    case 3: return gumbel_rao_tiles_for<3>(a, r0, r1);
    case 4: return gumbel_rao_tiles_for<4>(a, r0, r1);
    default: return gumbel_rao_tiles_for<0>(a, r0, r1);
  }
}

}  // namespace GR_ISA_NS
}  // namespace cpu
}  // namespace gr
