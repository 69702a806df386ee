// The softmax family on the GPU, one kernel for three operations (the CPU's soft_rows):
//  - Gumbel-Softmax forward:  y = softmax(v / tau),            v = theta + G (slot 0 noise);
//  - Gumbel-Softmax backward: J(s)^T g / tau at s = softmax(v / tau), the backward of ST-GS and GS;
//  - straight-through backward: the same with v = theta (no noise).
// softmax(v / tau) is taken relative to the row's first argmax of v (every exponent <= 0, the
// sum >= 1), and the backward shifts g by g at that argmax: J(s)^T g is unchanged (sum s = 1)
// and <s, g - g_top> does not cancel when s is nearly one-hot.
//
// One draw per row, so these are memory-bound: a team of T lanes per row with the row's values
// in registers (one read of theta and g, one write), 4 columns per lane for arity <= 128 (so a
// small row still spreads over lanes and loads coalesce), 16 for arity <= 4096. Larger rows: a
// block per row that re-reads the row (L1/L2) and recomputes the noise in each pass instead of
// holding it.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/nvtx_ranges.h"
#include "row_team.cuh"

namespace gr {
namespace cuda {

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

// v of one quad (theta, plus the forward noise when noisy); the raw logits go to the scan.
__device__ __forceinline__ void quad_values(const SoftArgs& a, const float* th_row, int64_t row,
                                            int64_t q, float* v, RowScan* scan) {
  load_quad(th_row, q, a.arity, a.logits_vec, -kInf, v);
  if (scan != nullptr) {
#pragma unroll
    for (int c = 0; c < 4; ++c) scan_add(*scan, v[c]);
  }
  if (a.noisy) {
    const Words4 words = noise_words(a.key, (uint32_t)q, (uint32_t)row, kForwardSlot);
#pragma unroll
    for (int c = 0; c < 4; ++c) v[c] += gumbel_from_uniform(uniform_open(words.w[c]));
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
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const float* th_row = a.logits + (live ? row : 0) * n;
  const float* g_row = a.upstream + (live ? row : 0) * n;
  Team team(log2_team, &exchange);

  // Pass 1: the checks of the raw logits, and the first argmax of v.
  float v[kCols];  // kHeld: v, then exp2((v - vmax) scale), then s
  ScanArgMax sa{scan_start(), ArgMax{-kInf, 0}};
  if constexpr (kHeld) {
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      const int64_t q = t + (int64_t)T * i;
      if (live) {
        quad_values(a, th_row, row, q, &v[4 * i], &sa.scan);
      } else {
#pragma unroll
        for (int c = 0; c < 4; ++c) v[4 * i + c] = -kInf;
      }
      quad_argmax(&v[4 * i], q, sa.top);
    }
  } else {
    for (int64_t q = t; q < nq; q += T) {
      quad_values(a, th_row, row, q, v, &sa.scan);
      quad_argmax(v, q, sa.top);
    }
  }
  sa = team.all(sa, MergeScanArgMax());
  const int code = scan_code(sa.scan);
  if (live && code != GR_OK && t == 0) record_bad_row(a.status, row, code);
  const bool ok = live && code == GR_OK;
  if constexpr (!kHeld) {
    if (!ok) return;  // one row per block: the whole block leaves together
  }
  const float vmax = ok ? sa.top.v : 0.0f;
  const int top = ok ? sa.top.j : 0;

  // Pass 2: e_j = exp2((v_j - vmax) log2(e) / tau) and their sum. Stand-in rows (kHeld only)
  // compute on v = 0 and store nothing.
  float sum;
  if constexpr (kHeld) {
    float part = 0.0f;
#pragma unroll
    for (int j = 0; j < kCols; ++j) {
      const float x = ok ? v[j] : (4 * (t + (int64_t)T * (j / 4)) + j % 4 < n ? 0.0f : -kInf);
      v[j] = fast_exp2_nonpositive((x - vmax) * a.scale);
      part += v[j];
    }
    sum = team.all(part, AddF());
  } else {
    ChunkedSum part;
    for (int64_t q = t; q < nq; q += T) {
      quad_values(a, th_row, row, q, v, nullptr);
#pragma unroll
      for (int c = 0; c < 4; ++c) part.add(fast_exp2_nonpositive((v[c] - vmax) * a.scale));
    }
    sum = (float)team.all(part.value(), AddD());
  }
  const float inv_sum = 1.0f / sum;

  float* out_row = a.out + (live ? row : 0) * n;
  if (a.upstream == nullptr) {  // forward: y = e / sum
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
        quad_values(a, th_row, row, q, v, nullptr);
#pragma unroll
        for (int c = 0; c < 4; ++c) v[c] = fast_exp2_nonpositive((v[c] - vmax) * a.scale) * inv_sum;
        store_quad(out_row, q, n, a.out_vec, v);
      }
    }
    return;
  }

  // Backward. Pass 3: <s, g - g_top>; pass 4: J(s)^T g / tau with g shifted by g_top.
  const float g_top = ok ? __ldg(g_row + top) : 0.0f;
  float dot;
  float gq[kCols];
  if constexpr (kHeld) {
    float part = 0.0f;
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      float x[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      if (ok) load_quad(g_row, t + (int64_t)T * i, n, a.upstream_vec, 0.0f, x);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int j = 4 * i + c;
        gq[j] = x[c] - g_top;
        v[j] *= inv_sum;
        part = fmaf(v[j], gq[j], part);
      }
    }
    dot = team.all(part, AddF());
  } else {
    ChunkedSum part;
    for (int64_t q = t; q < nq; q += T) {
      quad_values(a, th_row, row, q, v, nullptr);
      load_quad(g_row, q, n, a.upstream_vec, 0.0f, gq);
#pragma unroll
      for (int c = 0; c < 4; ++c)
        part.add(fast_exp2_nonpositive((v[c] - vmax) * a.scale) * inv_sum * (gq[c] - g_top));
    }
    dot = (float)team.all(part.value(), AddD());
  }
  if constexpr (kHeld) {
    if (ok) {
#pragma unroll
      for (int i = 0; i < QPL; ++i) {
        float x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c) x[c] = softmax_jvp(v[4 * i + c], gq[4 * i + c], dot) / a.tau;
        store_quad(out_row, t + (int64_t)T * i, n, a.out_vec, x);
      }
    }
  } else {
    for (int64_t q = t; q < nq; q += T) {
      quad_values(a, th_row, row, q, v, nullptr);
      load_quad(g_row, q, n, a.upstream_vec, 0.0f, gq);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const float s = fast_exp2_nonpositive((v[c] - vmax) * a.scale) * inv_sum;
        v[c] = softmax_jvp(s, gq[c] - g_top, dot) / a.tau;
      }
      store_quad(out_row, q, n, a.out_vec, v);
    }
  }
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
                              int32_t arity, float tau, uint64_t seed, uint32_t offset,
                              bool noisy, float* out, uint64_t* status, void* stream) {
  if (rows < 0 || rows > INT32_MAX || arity < 1 || !(tau > 0.0f) || !(tau < kInf) ||
      (rows > 0 && (!logits || !out)))
    return (int32_t)cudaErrorInvalidValue;
  if (rows == 0) return 0;
  cudaStream_t st = (cudaStream_t)stream;
  SoftArgs a;
  a.logits = logits;
  a.upstream = upstream;
  a.out = out;
  a.status = status;
  a.rows = rows;
  a.arity = arity;
  a.tau = tau;
  a.scale = inverse_temperature(tau * kLn2);
  a.key = noise_key(seed, offset);
  a.noisy = noisy;
  a.logits_vec = rows_vectorisable(logits, arity);
  a.upstream_vec = rows_vectorisable(upstream, arity);
  a.out_vec = rows_vectorisable(out, arity);

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
}  // namespace cuda
}  // namespace gr

using namespace gr::cuda;

extern "C" {

int32_t gr_cuda_gumbel_softmax_forward(const float* logits, int64_t rows, int32_t arity,
                                       float tau, uint64_t seed, uint32_t offset, float* soft,
                                       uint64_t* status, void* stream) {
  GR_NVTX_RANGE("gumbel_softmax_forward", "cuda", rows, arity, 0, tau);
  return launch_softmax_family(logits, nullptr, rows, arity, tau, seed, offset, true, soft,
                               status, stream);
}

int32_t gr_cuda_gumbel_softmax_backward(const float* logits, const float* upstream,
                                        int64_t rows, int32_t arity, float tau, uint64_t seed,
                                        uint32_t offset, float* grad, uint64_t* status,
                                        void* stream) {
  GR_NVTX_RANGE("gumbel_softmax_backward", "cuda", rows, arity, 0, tau);
  if (upstream == nullptr && rows > 0) return (int32_t)cudaErrorInvalidValue;
  return launch_softmax_family(logits, upstream, rows, arity, tau, seed, offset, true, grad,
                               status, stream);
}

int32_t gr_cuda_straight_through_backward(const float* logits, const float* upstream,
                                          int64_t rows, int32_t arity, float tau, float* grad,
                                          uint64_t* status, void* stream) {
  GR_NVTX_RANGE("straight_through_backward", "cuda", rows, arity, 0, tau);
  if (upstream == nullptr && rows > 0) return (int32_t)cudaErrorInvalidValue;
  return launch_softmax_family(logits, upstream, rows, arity, tau, 0, 0, false, grad, status,
                               stream);
}

}  // extern "C"
