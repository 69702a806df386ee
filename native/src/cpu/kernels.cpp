// CPU kernels, compiled once per instruction set (see CMakeLists.txt: GR_ISA_TABLE names the
// table this copy defines). Loops marked `omp simd` are vectorised by the compiler for the ISA
// of this copy (-fopenmp-simd: no OpenMP runtime). All formulas come from gumbel_rao/math.h.
//
// Two layouts, chosen by arity only (never by thread count, so results never depend on it):
//  - row lanes: one row (or one draw of a row) at a time, vector lanes over its columns;
//  - draw lanes (Gumbel-Rao, small arity): kLanes draws of one row at a time, vector lanes over
//    the draws, columns in an outer loop, so that arity 2..kDrawLanesMaxArity fills the vectors.
#include <math.h>
#include <string.h>

#include <new>
#include <vector>

#include "kernels.h"
#include "lanes.h"

#ifndef GR_ISA_TABLE
#error "GR_ISA_TABLE must name the kernel table this translation unit defines"
#endif
#ifndef GR_ISA_NAME
#error "GR_ISA_NAME must name the instruction set of this translation unit"
#endif

namespace gr {
namespace cpu {
namespace {

constexpr int32_t kDrawLanesMaxArity = 128;
// Float accumulators are added into double ones every kFlush draws (row-lane layout) or at the
// end of the chunk (draw-lane layout, kChunk / kLanes = 64 draws per lane).
constexpr int32_t kFlush = 64;

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
thread_local Scratch tls_scratch;

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

// log sum_j exp(theta_j - m) of a valid row with maximum m, summed in double so that 2^20 classes
// lose nothing; log p_j = log_softmax(theta_j, m, this).
inline float row_log_sum(const float* th, int32_t n, float m) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int32_t j = 0; j < n; ++j) s += (double)fast_exp2_nonpositive((th[j] - m) * kLog2e);
  return (float)log(s);
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

// Philox4x32-10 on kLanes counters at once (math.h's rounds on lane vectors); words[i][lane] is
// output word i of lane `lane`.
inline void philox_lanes(NoiseKey key, Lanes c0, Lanes c1, Lanes c2, Lanes c3,
                         uint32_t (*words)[kLanes]) {
  philox4x32_10_rounds(c0, c1, c2, c3, key.k0, key.k1);
  memcpy(words[0], &c0.v, sizeof c0.v);
  memcpy(words[1], &c1.v, sizeof c1.v);
  memcpy(words[2], &c2.v, sizeof c2.v);
  memcpy(words[3], &c3.v, sizeof c3.v);
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

// ------------------------------------------------------------------------------------ sample
int64_t sample_rows(const SampleArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* v = tls_scratch.floats(row_uniform_floats(n));
  for (int64_t r = r0; r < r1; ++r) {
    const float* th = a.batch.logits + r * n;
    float m;
    const int code = scan_row(th, n, &m);
    if (code) return gr_status_make(code, r);
    row_uniforms(a.key, r, kForwardSlot, n, v);
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) v[j] = th[j] + gumbel_from_uniform(v[j]);
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

// ------------------------------------------------- Gumbel-Softmax forward / backward, ST backward
int64_t soft_rows(const SoftArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* v = tls_scratch.floats(row_uniform_floats(n));
  const float scale = inverse_temperature(a.tau * kLn2);  // log2(e) / tau, finite
  for (int64_t r = r0; r < r1; ++r) {
    const float* th = a.batch.logits + r * n;
    float m;
    const int code = scan_row(th, n, &m);
    if (code) return gr_status_make(code, r);
    if (a.noisy) {
      row_uniforms(a.key, r, kForwardSlot, n, v);
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) v[j] = th[j] + gumbel_from_uniform(v[j]);
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
    if (!a.upstream) {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) out[j] = v[j] * inv_sum;
      continue;
    }
    // J(s)^T g / tau with g shifted by g_top: the product is unchanged (sum s = 1) and, when s
    // is nearly one-hot, <s, g> no longer cancels against g_top.
    const float* g = a.upstream + r * n;
    const float g_top = g[top];
    double dot = 0.0;
#pragma omp simd reduction(+ : dot)
    for (int32_t j = 0; j < n; ++j) {
      v[j] *= inv_sum;
      dot += (double)v[j] * (g[j] - g_top);
    }
    const float dotf = (float)dot;
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) out[j] = softmax_jvp(v[j], g[j] - g_top, dotf) / a.tau;
  }
  return GR_OK;
}

// ---------------------------------------------------------------------------------- REINFORCE
int64_t reinforce_rows(const ReinforceArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  float* scratch = tls_scratch.floats(2 * (size_t)n);
  float *log2_p = scratch, *p = scratch + n;
  for (int64_t r = r0; r < r1; ++r) {
    const float* th = a.batch.logits + r * n;
    float m;
    int code = scan_row(th, n, &m);
    if (!code) code = check_choice(th, n, a.choice[r]);
    if (code) return gr_status_make(code, r);
    row_probabilities(th, n, m, row_log_sum(th, n, m), log2_p, p);
    const int32_t d = a.choice[r];
    double rest = 0.0;
#pragma omp simd reduction(+ : rest)
    for (int32_t j = 0; j < n; ++j) rest += j == d ? 0.0 : (double)p[j];
    const float fb = a.losses[r] - a.baseline;
    float* out = a.grad + r * n;
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) out[j] = reinforce_grad(fb, j == d, p[j], (float)rest);
  }
  return GR_OK;
}

// --------------------------------------------------------------------- conditional Gumbel noise
int64_t conditional_rows(const ConditionalArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t rows = a.batch.rows;
  float* scratch = tls_scratch.floats(row_uniform_floats(n) + 2 * (size_t)n);
  float *u = scratch, *log2_p = scratch + row_uniform_floats(n), *p = log2_p + n;
  for (int64_t r = r0; r < r1; ++r) {
    const float* th = a.batch.logits + r * n;
    float m;
    int code = scan_row(th, n, &m);
    if (!code) code = check_choice(th, n, a.choice[r]);
    if (code) return gr_status_make(code, r);
    const float log_sum = row_log_sum(th, n, m);
    row_probabilities(th, n, m, log_sum, log2_p, p);
    const int32_t d = a.choice[r];
    const float neg_log_p_d = -log_softmax(th[d], m, log_sum);
    for (int32_t k = 0; k < a.samples; ++k) {
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

// ----------------------------------------------------------------------------------- Gumbel-Rao
int64_t gumbel_rao_prepare(const GumbelRaoArgs& a, int64_t r, float* log2_p, float* p, float* gs) {
  const int32_t n = a.batch.arity;
  const float* th = a.batch.logits + r * n;
  float m;
  int code = scan_row(th, n, &m);
  if (!code) code = check_choice(th, n, a.choice[r]);
  if (code) return gr_status_make(code, r);
  row_probabilities(th, n, m, row_log_sum(th, n, m), log2_p, p);
  // Shift g by g_D: J(s)^T g is unchanged (sum s = 1), and as s -> onehot(D) at small tau the
  // dot product <s, g - g_D> stays small instead of cancelling against g_D.
  const float* g = a.upstream + r * n;
  const float g_d = g[a.choice[r]];
#pragma omp simd
  for (int32_t j = 0; j < n; ++j) gs[j] = g[j] - g_d;
  return GR_OK;
}

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
  float* scratch = tls_scratch.floats((padded + 2 * (size_t)n) * kLanes);
  float(*w)[kLanes] = reinterpret_cast<float(*)[kLanes]>(scratch);
  float(*acc_a)[kLanes] = reinterpret_cast<float(*)[kLanes]>(scratch + padded * kLanes);
  float(*acc_b)[kLanes] = acc_a + n;
  memset(acc_a, 0, sizeof(float) * 2 * (size_t)n * kLanes);
  for (int32_t kb = k0; kb < k1; kb += kLanes) {
    const int32_t live = k1 - kb < kLanes ? k1 - kb : kLanes;
    for (int64_t q = 0; q < nq; ++q) {
      uint32_t words[4][kLanes];
      philox_lanes(a.key, broadcast((uint32_t)q), broadcast((uint32_t)r),
                   iota(conditional_slot((uint32_t)kb)), broadcast(a.key.offset), words);
      for (int i = 0; i < 4; ++i) {
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) w[4 * q + i][l] = uniform_open(words[i][l]);
      }
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
    // s_j = w_j c and <s, gs> = dot c with c = 1 / sum; lanes past the chunk's end add nothing.
    float c[kLanes], cd[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) {
      c[l] = l < live ? 1.0f / sum[l] : 0.0f;
      cd[l] = c[l] * dot[l] * c[l];
    }
    for (int32_t j = 0; j < n; ++j) {
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        acc_a[j][l] += w[j][l] * c[l];
        acc_b[j][l] += w[j][l] * cd[l];
      }
    }
  }
  for (int32_t j = 0; j < n; ++j) {
    double sa = 0.0, sb = 0.0;
    for (int l = 0; l < kLanes; ++l) {
      sa += acc_a[j][l];
      sb += acc_b[j][l];
    }
    sums.a[j] += sa;
    sums.b[j] += sb;
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
  float* scratch = tls_scratch.floats(nu + 3 * (size_t)n);
  float *u = scratch, *acc_a = scratch + nu, *acc_b = acc_a + n, *w = acc_b + n;
  memset(acc_a, 0, sizeof(float) * 2 * (size_t)n);
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
    const float c = (float)(1.0 / sum);
    const float cd = (float)(dot / sum / sum);
#pragma omp simd
    for (int32_t j = 0; j < n; ++j) {
      acc_a[j] += w[j] * c;
      acc_b[j] += w[j] * cd;
    }
    if ((k - k0) % kFlush == kFlush - 1 || k == k1 - 1) {
#pragma omp simd
      for (int32_t j = 0; j < n; ++j) {
        sums.a[j] += acc_a[j];
        sums.b[j] += acc_b[j];
        acc_a[j] = 0.0f;
        acc_b[j] = 0.0f;
      }
    }
  }
}

template <int M>
void gumbel_rao_chunk_for(const GumbelRaoArgs& a, int64_t r, const float* log2_p, const float* p,
                          const float* gs, int32_t k0, int32_t k1, ChunkSums sums) {
  if (a.batch.arity <= kDrawLanesMaxArity)
    gumbel_rao_chunk_draw_lanes<M>(a, r, log2_p, p, gs, k0, k1, sums);
  else
    gumbel_rao_chunk_row_lanes<M>(a, r, log2_p, p, gs, k0, k1, sums);
}

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

}  // namespace

extern const KernelTable GR_ISA_TABLE = {
    GR_ISA_NAME,   sample_rows,        conditional_rows, soft_rows,
    reinforce_rows, gumbel_rao_prepare, gumbel_rao_chunk,
};

}  // namespace cpu
}  // namespace gr
