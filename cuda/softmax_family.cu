// The softmax family on the GPU, one kernel for three operations (the CPU's soft_rows):
//  - Gumbel-Softmax forward:  y = softmax(v / tau),            v = theta + G (slot 0 noise);
//  - Gumbel-Softmax backward: J(s)^T g / tau at s = softmax(v / tau), the backward of ST-GS and GS;
//  - straight-through backward: the same with v = theta (no noise).
// softmax(v / tau) is taken relative to the row's first argmax of v (every exponent <= 0, the
// sum >= 1), and the backward shifts g by g at that argmax: J(s)^T g is unchanged (sum s = 1)
// and <s, g - g_top> does not cancel when s is nearly one-hot. The noisy v is math.h's
// perturbed_logit (theta shifted by the row maximum before the noise is added, as on the JAVA
// and CPU backends); the backward follows the upstream policy of row_team.cuh (checks, masked
// classes +0, the power-of-two scale, GR_GRAD_OVERFLOW).
//
// One draw per row, so these are memory-bound: a team of T lanes per row with the row's values
// in registers (one read of theta and g, one write), 4 columns per lane for arity <= 128 (so a
// small row still spreads over lanes and loads coalesce), 16 for arity <= 4096. Larger rows: a
// block per row that re-reads the row (L1/L2) and recomputes the noise in each pass instead of
// holding it.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

// The kernels' argument block, outside the anonymous namespace like the kernels (readable names
// in profilers: see gumbel_rao.cu).
struct SoftArgs {
  const float* logits;
  const float* upstream;  // null: the forward pass
  float* out;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  float tau;
  float scale;  // log2(e) / tau, finite
  NoiseKey key;
  bool noisy;  // false: straight-through (v = theta)
  bool logits_vec, upstream_vec, out_vec;
};

namespace {

// v of one quad: theta, or perturbed_logit(theta, m, G) with the forward noise when noisy (the
// JAVA and CPU backends' shift by the row maximum m, so that huge logits keep their noise).
__device__ __forceinline__ void quad_values(const SoftArgs& a, const float* th_row, int64_t row,
                                            int64_t q, float max, float* v) {
  load_quad(th_row, q, a.arity, a.logits_vec, -kInf, v);
  if (a.noisy) {
    const Words4 words = noise_words(a.key, (uint32_t)q, (uint32_t)row, kForwardSlot);
#pragma unroll
    for (int c = 0; c < 4; ++c) v[c] = perturbed_logit(v[c], max, gumbel_from_uniform(uniform_open(words.w[c])));
  }
}

__device__ __forceinline__ void quad_argmax(const float* v, int64_t q, ArgMax& top) {
#pragma unroll
  for (int c = 0; c < 4; ++c) top = argmax_merge(top, ArgMax{v[c], (int)(4 * q + c)});
}

// The body of both kernels below. QPL > 0: QPL quads per lane in registers, T = 2^log2_team lanes
// per row. QPL = 0: one row per block of kStreamBlock lanes, every pass recomputes v from memory.
template <int QPL>
__device__ __forceinline__ void softmax_family_rows(const SoftArgs& a, int log2_team) {
  constexpr bool kHeld = QPL > 0;
  constexpr int kCols = kHeld ? 4 * QPL : 4;
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int T = 1 << log2_team, t = tid & (T - 1);
  const int64_t row = kHeld ? (int64_t)blockIdx.x * (blockDim.x >> log2_team) + (tid >> log2_team)
                            : (int64_t)blockIdx.x;
  const bool live = row < a.rows;
  const bool backward = a.upstream != nullptr;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const float* th_row = a.logits + (live ? row : 0) * n;
  const float* g_row = a.upstream + (live ? row : 0) * n;
  Team team(log2_team, &exchange);

  // Pass 1: the checks of the raw logits and (backward) of the upstream row, the row maximum
  // and the largest |g| of unmasked classes (upstream_magnitude).
  float v[kCols];   // kHeld: theta, then v, then exp2((v - vmax) scale), then s
  float gq[kCols];  // kHeld: g, then g - g_top, both in the row's upstream scale
  uint32_t masked = 0;  // kHeld: bit j for a -inf logit
  ScanMagnitude sm{scan_start(), 0.0f};
  if constexpr (kHeld) {
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      const int64_t q = t + (int64_t)T * i;
      float x[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      if (live) {
        load_quad(th_row, q, n, a.logits_vec, -kInf, &v[4 * i]);
        if (backward) load_quad(g_row, q, n, a.upstream_vec, 0.0f, x);
      } else {
#pragma unroll
        for (int c = 0; c < 4; ++c) v[4 * i + c] = -kInf;
      }
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int j = 4 * i + c;
        scan_add(sm.scan, v[j]);
        sm.magnitude = fmaxf(sm.magnitude, upstream_magnitude(v[j], x[c]));
        masked |= (v[j] == -kInf ? 1u : 0u) << j;
        gq[j] = x[c];
      }
    }
  } else {
    for (int64_t q = t; q < nq; q += T) {
      float x[4], y[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, x);
      if (backward) load_quad(g_row, q, n, a.upstream_vec, 0.0f, y);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        scan_add(sm.scan, x[c]);
        if (backward) sm.magnitude = fmaxf(sm.magnitude, upstream_magnitude(x[c], y[c]));
      }
    }
  }
  sm = team.all(sm, MergeScanMagnitude());
  int code = scan_code(sm.scan);
  if (code == GR_OK && !(sm.magnitude < kInf)) code = GR_UPSTREAM_NOT_FINITE;
  if (live && code != GR_OK && t == 0) record_bad_row(a.status, row, code);
  const bool ok = live && code == GR_OK;
  if constexpr (!kHeld) {
    if (!ok) return;  // one row per block: the whole block leaves together
  }
  const float max = ok ? sm.scan.max : 0.0f;
  const UpstreamScale sc = upstream_scale(ok ? sm.magnitude : 0.0f);

  // Pass 2: the first argmax of v. Stand-in rows (kHeld only) compute on theta = 0 and store
  // nothing.
  ArgMax top{-kInf, 0};
  if constexpr (kHeld) {
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      const int64_t q = t + (int64_t)T * i;
      if (!ok) {
#pragma unroll
        for (int c = 0; c < 4; ++c) v[4 * i + c] = 4 * q + c < n ? 0.0f : -kInf;
      } else if (a.noisy) {
        const Words4 words = noise_words(a.key, (uint32_t)q, (uint32_t)row, kForwardSlot);
#pragma unroll
        for (int c = 0; c < 4; ++c)
          v[4 * i + c] = perturbed_logit(v[4 * i + c], max, gumbel_from_uniform(uniform_open(words.w[c])));
      }
      quad_argmax(&v[4 * i], q, top);
    }
  } else {
    for (int64_t q = t; q < nq; q += T) {
      quad_values(a, th_row, row, q, max, v);
      quad_argmax(v, q, top);
    }
  }
  top = team.all(top, MaxArgMax());
  const float vmax = top.v;

  // Pass 3: e_j = exp2((v_j - vmax) log2(e) / tau) and their sum.
  float sum;
  if constexpr (kHeld) {
    float part = 0.0f;
#pragma unroll
    for (int j = 0; j < kCols; ++j) {
      v[j] = fast_exp2_nonpositive((v[j] - vmax) * a.scale);
      part += v[j];
    }
    sum = team.all(part, AddF());
  } else {
    ChunkedSum part;
    for (int64_t q = t; q < nq; q += T) {
      quad_values(a, th_row, row, q, max, v);
#pragma unroll
      for (int c = 0; c < 4; ++c) part.add(fast_exp2_nonpositive((v[c] - vmax) * a.scale));
    }
    sum = (float)team.all(part.value(), AddD());
  }
  const float inv_sum = 1.0f / sum;

  float* out_row = a.out + (live ? row : 0) * n;
  if (!backward) {  // forward: y = e / sum
    if constexpr (kHeld) {
      if (ok) {
#pragma unroll
        for (int i = 0; i < QPL; ++i) {
          float x[4];
#pragma unroll
          for (int c = 0; c < 4; ++c) x[c] = v[4 * i + c] * inv_sum;
          store_quad(out_row, t + (int64_t)T * i, n, a.out_vec, x);
        }
      }
    } else {
      for (int64_t q = t; q < nq; q += T) {
        quad_values(a, th_row, row, q, max, v);
#pragma unroll
        for (int c = 0; c < 4; ++c) v[c] = fast_exp2_nonpositive((v[c] - vmax) * a.scale) * inv_sum;
        store_quad(out_row, q, n, a.out_vec, v);
      }
    }
    return;
  }

  // Backward. Pass 4: <s, g - g_top>; pass 5: J(s)^T g / tau with g shifted by g_top, scaled
  // back by the row's power of two; masked classes exactly +0, a component beyond the float range
  // reported instead of stored.
  const float g_top = ok ? __ldg(g_row + top.j) * sc.down : 0.0f;
  float dot;
  if constexpr (kHeld) {
    float part = 0.0f;
#pragma unroll
    for (int j = 0; j < kCols; ++j) {
      gq[j] = ok && !((masked >> j) & 1u) ? gq[j] * sc.down - g_top : 0.0f;
      v[j] *= inv_sum;
      part = fmaf(v[j], gq[j], part);
    }
    dot = team.all(part, AddF());
  } else {
    ChunkedSum part;
    for (int64_t q = t; q < nq; q += T) {
      float th[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, th);
      quad_values(a, th_row, row, q, max, v);
      load_upstream_quad(g_row, q, n, a.upstream_vec, th, sc.down, gq);
#pragma unroll
      for (int c = 0; c < 4; ++c)
        part.add(th[c] == -kInf ? 0.0f
                                : fast_exp2_nonpositive((v[c] - vmax) * a.scale) * inv_sum * (gq[c] - g_top));
    }
    dot = (float)team.all(part.value(), AddD());
  }
  bool overflow = false;
  if constexpr (kHeld) {
    if (ok) {
#pragma unroll
      for (int i = 0; i < QPL; ++i) {
        float x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int j = 4 * i + c;
          x[c] = (masked >> j) & 1u ? 0.0f : softmax_jvp(v[j], gq[j], dot) / a.tau * sc.up;
        }
        overflow |= store_quad_finite(out_row, t + (int64_t)T * i, n, a.out_vec, x);
      }
    }
  } else {
    for (int64_t q = t; q < nq; q += T) {
      float th[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, th);
      quad_values(a, th_row, row, q, max, v);
      load_upstream_quad(g_row, q, n, a.upstream_vec, th, sc.down, gq);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const float s = fast_exp2_nonpositive((v[c] - vmax) * a.scale) * inv_sum;
        v[c] = th[c] == -kInf ? 0.0f : softmax_jvp(s, gq[c] - g_top, dot) / a.tau * sc.up;
      }
      overflow |= store_quad_finite(out_row, q, n, a.out_vec, v);
    }
  }
  if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
}

}  // namespace

// One kernel per mapping for the three operations (the NVTX range of the call names which one):
// a team of T lanes per row with C columns per lane, or a block per row.
template <class Cols>
__global__ void __launch_bounds__(kStreamBlock)
    softmax_family_team_kernel(const SoftArgs a, int log2_team) {
  softmax_family_rows<Cols::kQuads>(a, log2_team);
}
__global__ void __launch_bounds__(kStreamBlock)
    softmax_family_block_per_row_kernel(const SoftArgs a) {
  softmax_family_rows<0>(a, kLog2StreamBlock);
}

namespace {

int32_t launch_softmax_family(const float* logits, const float* upstream, int64_t rows,
                              int32_t arity, float tau, NoiseKey key, bool noisy, float* out,
                              uint64_t* status, void* stream) {
  cudaStream_t st = (cudaStream_t)stream;
  const SoftArgs a{logits, upstream, out, status, rows, arity, tau, inverse_temperature(tau * kLn2),
                   key, noisy, rows_vectorisable(logits, arity),
                   rows_vectorisable(upstream, arity), rows_vectorisable(out, arity)};

  if (arity > kTeamMaxArity) {
    softmax_family_block_per_row_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
    return launch_status();
  }
  const RegisterLaunch shape = register_launch(rows, arity);
  if (shape.qpl == 1)
    softmax_family_team_kernel<ColumnsPerLane<4>><<<shape.blocks, kBlock, 0, st>>>(a, shape.log2_team);
  else
    softmax_family_team_kernel<ColumnsPerLane<16>><<<shape.blocks, kBlock, 0, st>>>(a, shape.log2_team);
  return launch_status();
}

}  // namespace

int32_t gumbel_softmax_forward(const op::GumbelSoftmaxForward& c, uint64_t* status,
                               void* stream) {
  return launch_softmax_family(c.logits, nullptr, c.rows, c.arity, c.tau,
                               c.key(), true, c.values, status,
                               stream);
}

int32_t gumbel_softmax_backward(const op::GumbelSoftmaxBackward& c, uint64_t* status,
                                void* stream) {
  return launch_softmax_family(c.logits, c.upstream, c.rows, c.arity, c.tau,
                               c.key(), true, c.grad, status,
                               stream);
}

int32_t straight_through_backward(const op::StraightThroughBackward& c, uint64_t* status,
                                  void* stream) {
  return launch_softmax_family(c.logits, c.upstream, c.rows, c.arity, c.tau, noise_key(0, 0, 0),
                               false, c.grad, status, stream);
}

}  // namespace gr::cuda
