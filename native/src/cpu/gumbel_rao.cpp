// Gumbel-Rao (GR-MCK) backward: per row, validation and log2 p (prepare), then chunks of draws
// summed into h_j = sum_k w_j^k (gs_j c^k - c_dot^k), math.h's gumbel_rao_term (api.cpp combines
// the chunks and finishes). With the total derivative (GumbelRaoArgs::total) the same draws also
// give r_j^k and h_j sums gumbel_rao_total_term (the finish takes the row sum of h, math.h): one
// template parameter, so the detached kernels are exactly those of before.
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {

// Float accumulators are added into double ones every kFlush draws (row lanes) or at the end of
// the chunk (draw lanes: kChunk / kLanes = 64 draws per lane).
constexpr int32_t kFlush = 64;
// Arity up to which draws, not columns, fill the vector lanes.
constexpr int32_t kDrawLanesMaxArity = 128;
// Draws of a row tile computed step by step together (gumbel_rao_tiles_for).
constexpr int kTileDraws = 4;
static_assert(kFlush % kTileDraws == 0, "tiles fold their float sums at whole batches");

int64_t gumbel_rao_prepare(const GumbelRaoArgs& a, int64_t r, float* log2_p, float* p, float* gs,
                           float* up) {
  const int32_t n = a.batch.arity;
  const float* th = a.batch.logits + r * n;
  const float* g = a.upstream + r * n;
  float m, log_sum;
  UpstreamScale scale;
  // Shift g by g_D: J(s)^T g is unchanged (sum s = 1), and as s -> onehot(D) at small tau the
  // dot product <s, g - g_D> stays small instead of cancelling against g_D.
  int code = prepare_choice_row(th, n, a.choice[r], log2_p, p, &m, &log_sum);
  if (!code) code = scan_shifted_upstream(th, g, n, a.choice[r], gs, &scale);
  if (code) return gr_status_make(code, r);
  *up = scale.up;
  return GR_OK;
}

namespace {

template <bool Total>
int64_t finish_row_of(const GumbelRaoArgs& a, int64_t r, const float* p, const double* h,
                      float up) {
  const int32_t n = a.batch.arity;
  double h_sum = 0.0;
  if (Total) {
    for (int32_t j = 0; j < n; ++j) h_sum += h[j];
  }
  const double scale = gumbel_rao_scale(a.samples, a.tau) * (double)up;
  float* out = a.grad + r * n;
  int inf = 0;
#pragma omp simd reduction(| : inf)
  for (int32_t j = 0; j < n; ++j) {
    const float x = Total ? gumbel_rao_total_finish_of_sums(h[j], p[j], h_sum, scale)
                          : gumbel_rao_finish(h[j], scale);
    inf |= abs_value(x) == kInf;
    out[j] = x;
  }
  return inf ? gr_status_make(GR_GRAD_OVERFLOW, r) : (int64_t)GR_OK;
}

}  // namespace

// grad_j = gumbel_rao_finish(h_j, scale) (with the total derivative
// gumbel_rao_total_finish_of_sums, p and the row sum of h) and the row's status. A masked class has gs_j = 0 and weight exactly 0 in every draw,
// so its h_j (and, with p_j = 0, its total-derivative term) is +0, and so is what is written: no
// select needed.
int64_t gumbel_rao_finish_row(const GumbelRaoArgs& a, int64_t r, const float* p, const double* h,
                              float up) {
  return a.total ? finish_row_of<true>(a, r, p, h, up) : finish_row_of<false>(a, r, p, h, up);
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
// (3) the weights r_j^(1/tau), overwriting the uniforms (and, Total, the bases r_j beside them);
// (4) the chunk's running sums.
template <int M, bool Total>
void gumbel_rao_chunk_draw_lanes(const GumbelRaoArgs& a, int64_t r, const float* log2_p,
                                 const float* p, const float* gs, int32_t k0, int32_t k1,
                                 ChunkSums sums) {
  const int32_t n = a.batch.arity;
  const int32_t d = a.choice[r];
  const float inv_tau = inverse_temperature(a.tau);
  const int64_t nq = quads(n);
  const size_t padded = 4 * (size_t)nq;
  float* buf = scratch().floats((padded + (size_t)n * (Total ? 2 : 1)) * kLanes);
  TileColumn* w = reinterpret_cast<TileColumn*>(buf);
  TileColumn* acc = reinterpret_cast<TileColumn*>(buf + padded * kLanes);
  TileColumn* base = acc + n;  // Total: r_j per lane
  memset(acc, 0, sizeof(float) * (size_t)n * kLanes);
  // The draw index in 64 bits: k1 may be 2^31 - 1, and kb + kLanes would overflow an int32.
  for (int64_t kb = k0; kb < k1; kb += kLanes) {
    const int32_t live = k1 - kb < kLanes ? (int32_t)(k1 - kb) : kLanes;
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
    if (Total) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) base[d][l] = 1.0f;
    }
    for (int32_t j = 0; j < n; ++j) {
      if (j == d) continue;
      const float lp = log2_p[j], pj = p[j], gj = gs[j];
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        const float e_j = exponential_from_uniform(w[j][l]);
        const float wt = weight<M>(lp, pj, e_j, e_d[l], log2_e_d[l], inv_tau);
        if (Total) base[j][l] = gumbel_rao_base(pj, e_j, e_d[l]);
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
      for (int l = 0; l < kLanes; ++l) {
        const float t = gumbel_rao_term(w[j][l], gj, GumbelRaoDraw{c[l], cd[l]});
        acc[j][l] += Total ? gumbel_rao_total_term(t, base[j][l]) : t;
      }
    }
  }
  for (int32_t j = 0; j < n; ++j) {
    double h = 0.0;
    for (int l = 0; l < kLanes; ++l) h += acc[j][l];
    sums.h[j] += h;
  }
}

// Row lanes: one draw at a time, vectorised across the row's columns (large arity).
template <int M, bool Total>
void gumbel_rao_chunk_row_lanes(const GumbelRaoArgs& a, int64_t r, const float* log2_p,
                                const float* p, const float* gs, int32_t k0, int32_t k1,
                                ChunkSums sums) {
  const int32_t n = a.batch.arity;
  const int32_t d = a.choice[r];
  const float inv_tau = inverse_temperature(a.tau);
  const size_t nu = row_uniform_floats(n);
  float* buf = scratch().floats(nu + (size_t)n * (Total ? 3 : 2));
  float *u = buf, *acc = buf + nu, *w = acc + n, *base = w + n;
  memset(acc, 0, sizeof(float) * (size_t)n);
  for (int32_t k = k0; k < k1; ++k) {
    row_uniforms(a.key, r, conditional_slot((uint32_t)k), n, u);
    const float e_d = exponential_from_uniform(u[d]);
    const float log2_e_d = fast_log2_positive(e_d);
    double sum = 0.0, dot = 0.0;
#pragma omp simd reduction(+ : sum, dot)
    for (int32_t j = 0; j < n; ++j) {
      const float e_j = exponential_from_uniform(u[j]);
      const float wt =
          j == d ? 1.0f : weight<M>(log2_p[j], p[j], e_j, e_d, log2_e_d, inv_tau);
      if (Total) base[j] = j == d ? 1.0f : gumbel_rao_base(p[j], e_j, e_d);
      w[j] = wt;
      sum += wt;
      dot += wt * gs[j];
    }
    const GumbelRaoDraw draw = gumbel_rao_draw((float)sum, (float)dot);
    if (Total) {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j)
        acc[j] += gumbel_rao_total_term(gumbel_rao_term(w[j], gs[j], draw), base[j]);
    } else {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) acc[j] += gumbel_rao_term(w[j], gs[j], draw);
    }
    if ((k - k0) % kFlush == kFlush - 1 || k == k1 - 1) {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) {
        sums.h[j] += acc[j];
        acc[j] = 0.0f;
      }
    }
  }
}

template <int M, bool Total>
void gumbel_rao_chunk_for(const GumbelRaoArgs& a, int64_t r, const float* log2_p, const float* p,
                          const float* gs, int32_t k0, int32_t k1, ChunkSums sums) {
  // Draw lanes need a full vector of draws; a shorter chunk (K < 16 past the tile arities, or
  // the last chunk of a row) fills the lanes with columns instead.
  if (a.batch.arity <= kDrawLanesMaxArity && k1 - k0 >= kLanes)
    gumbel_rao_chunk_draw_lanes<M, Total>(a, r, log2_p, p, gs, k0, k1, sums);
  else
    gumbel_rao_chunk_row_lanes<M, Total>(a, r, log2_p, p, gs, k0, k1, sums);
}

template <bool Total>
void gumbel_rao_chunk_of(const GumbelRaoArgs& a, int64_t r, const float* log2_p, const float* p,
                         const float* gs, int32_t k0, int32_t k1, ChunkSums sums) {
  switch (integer_inverse_temperature(a.tau)) {
    case 1: return gumbel_rao_chunk_for<1, Total>(a, r, log2_p, p, gs, k0, k1, sums);
    case 2: return gumbel_rao_chunk_for<2, Total>(a, r, log2_p, p, gs, k0, k1, sums);
    case 3: return gumbel_rao_chunk_for<3, Total>(a, r, log2_p, p, gs, k0, k1, sums);
    case 4: return gumbel_rao_chunk_for<4, Total>(a, r, log2_p, p, gs, k0, k1, sums);
    default: return gumbel_rao_chunk_for<0, Total>(a, r, log2_p, p, gs, k0, k1, sums);
  }
}

}  // namespace

void gumbel_rao_chunk(const GumbelRaoArgs& a, int64_t r, const float* log2_p, const float* p,
                      const float* gs, int32_t k0, int32_t k1, ChunkSums sums) {
  if (a.total) return gumbel_rao_chunk_of<true>(a, r, log2_p, p, gs, k0, k1, sums);
  return gumbel_rao_chunk_of<false>(a, r, log2_p, p, gs, k0, k1, sums);
}

namespace {

// Tiles of kLanes rows, lanes across rows, every draw of the tile in turn: when lanes across
// draws would idle (draws_on_row_tiles, K < 8 kLanes). Per row the arithmetic is that of the
// row-lane path (each draw's float term gumbel_rao_term added in float, folded into double every
// kFlush draws, then gumbel_rao_finish); only the order of the row's sum of exponentials differs,
// so the paths agree to float rounding.
template <int M, bool Total>
int64_t gumbel_rao_tiles_for(const GumbelRaoArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t nq = quads(n);
  const float inv_tau = inverse_temperature(a.tau);
  const double scale = gumbel_rao_scale(a.samples, a.tau);
  const size_t draw_floats = (size_t)4 * nq * kTileDraws;
  float* buf = scratch().floats((draw_floats * (Total ? 2 : 1) + 5 * (size_t)n) * kLanes);
  TileColumn* u = reinterpret_cast<TileColumn*>(buf);  // uniforms, then weights, per draw
  TileColumn* t = u + draw_floats;
  TileColumn* log2_p = t + n;
  TileColumn* p = log2_p + n;
  TileColumn* gs = p + n;
  TileColumn* part = gs + n;  // float sums of the draws since the last fold
  TileColumn* base = part + n;  // Total: r_j per draw, laid out as u
  typedef double SumColumn[kLanes];
  SumColumn* acc = reinterpret_cast<SumColumn*>(scratch().doubles((size_t)(n + 1) * kLanes));
  double* h_sum = acc[n];  // Total: each lane's row sum of h, formed at the finish
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, row0);
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    int32_t d[kLanes];
    float max[kLanes], up[kLanes];
    const int64_t status = choice_upstream_tile(a.batch.logits, a.choice, a.upstream, row0, live,
                                                n, t, log2_p, p, gs, d, max, up);
    if (status) return status;
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        acc[j][l] = 0.0;
        part[j][l] = 0.0f;
      }
    }
    // Draws go in batches of kTileDraws, each step over the whole batch: one draw of one tile
    // is a chain (Philox, E_D, the weights, their sum, 1/sum, the terms) longer than the
    // out-of-order window, so draw after draw ran at the chain's latency.
    for (int64_t k0 = 0; k0 < a.samples; k0 += kTileDraws) {
      const int nb = a.samples - k0 < kTileDraws ? (int)(a.samples - k0) : kTileDraws;
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
        TileColumn* rb = base + (4 * nq) * b;
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) {
            const bool winner = j == d[l];
            const float e_j = exponential_from_uniform(ub[j][l]);
            const float wt = weight<M>(log2_p[j][l], p[j][l], e_j, e_d[b][l], log2_e_d[b][l],
                                       inv_tau);
            if (Total) rb[j][l] = winner ? 1.0f : gumbel_rao_base(p[j][l], e_j, e_d[b][l]);
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
        const TileColumn* rb = base + (4 * nq) * b;
        for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) {
            const float term =
                gumbel_rao_term(ub[j][l], gs[j][l], GumbelRaoDraw{c[b][l], cd[b][l]});
            part[j][l] += Total ? gumbel_rao_total_term(term, rb[j][l]) : term;
          }
        }
      }
      const int64_t done = k0 + nb;  // kFlush is a multiple of kTileDraws
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
    // A masked class's h_j is +0 (see gumbel_rao_finish_row), and so is its gradient.
    double s[kLanes];
    int inf[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      s[l] = scale * (double)up[l];
      inf[l] = 0;
    }
    if (Total) {  // each lane's row sum of h (gumbel_rao_total_finish_of_sums)
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) h_sum[l] = 0.0;
      for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) h_sum[l] += acc[j][l];
      }
    }
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        const float x = Total
                            ? gumbel_rao_total_finish_of_sums(acc[j][l], p[j][l], h_sum[l], s[l])
                            : gumbel_rao_finish(acc[j][l], s[l]);
        inf[l] |= abs_value(x) == kInf;
        part[j][l] = x;
      }
    }
    // Lanes past `live` have draws of their own (other rows' counters): any lane's flag sends
    // the tile to the check of its live ones.
    int any_inf = 0;
#pragma omp simd reduction(| : any_inf)
    for (int l = 0; l < kLanes; ++l) any_inf |= inf[l];
    if (any_inf) {
      for (int l = 0; l < live; ++l)
        if (inf[l]) return gr_status_make(GR_GRAD_OVERFLOW, row0 + l);
    }
    store_tile(part, n, live, a.grad + row0 * n, n);
  }
  return GR_OK;
}

template <bool Total>
int64_t gumbel_rao_tiles_of(const GumbelRaoArgs& a, int64_t r0, int64_t r1) {
  switch (integer_inverse_temperature(a.tau)) {
    case 1: return gumbel_rao_tiles_for<1, Total>(a, r0, r1);
    case 2: return gumbel_rao_tiles_for<2, Total>(a, r0, r1);
    case 3: return gumbel_rao_tiles_for<3, Total>(a, r0, r1);
    case 4: return gumbel_rao_tiles_for<4, Total>(a, r0, r1);
    default: return gumbel_rao_tiles_for<0, Total>(a, r0, r1);
  }
}

}  // namespace

int64_t gumbel_rao_tiles(const GumbelRaoArgs& a, int64_t r0, int64_t r1) {
  return a.total ? gumbel_rao_tiles_of<true>(a, r0, r1) : gumbel_rao_tiles_of<false>(a, r0, r1);
}

}  // namespace gr::cpu::GR_ISA_NS
