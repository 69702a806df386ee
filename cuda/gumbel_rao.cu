// Gumbel-Rao (GR-MCK) backward on the GPU: grad_j = (1/(K tau)) sum_k s_j^k (gs_j - <s^k, gs>),
// s^k = softmax(z^k / tau), z^k | D the k-th conditional draw (estimators.md), gs = g - g_D.
// Per draw k, with w_kj = gumbel_rao_weight (w_kD = 1), c_k = 1 / sum_i w_ki and
// dot_k = c_k sum_i w_ki gs_i, the row accumulates
//   h_j = sum_k w_kj (gs_j c_k - c_k dot_k)          (= gs_j a_j - b_j of the CPU backend)
// so that each element-draw costs two FMAs for the accumulation and one accumulator per column.
//
// Two mappings (dispatch at the bottom):
//  - team kernel, arity <= kTeamMaxArity: a row's columns live in the registers of a team of T
//    lanes (16 columns per lane; 4 or 8 for arity <= 8), log2 p_j, p_j and gs_j computed once and
//    reused by every draw. When rows are few, S slices of the team split the K draws (slice s
//    takes k = s, s + S, ...) and their sums meet at the end through shuffles (and shared memory
//    when a row spans warps). Per-draw row sums: butterflies over the T lanes.
//  - stream kernel, larger arity: a block per row, columns in tiles of kStreamQuads quads per
//    lane, draws in batches of kDrawBatch. Pass 1 recomputes the weights tile by tile to get each
//    draw's sum_i w_ki and sum_i w_ki gs_i (the accumulation needs c_k before it can start);
//    pass 2 recomputes them again and accumulates. The weights are recomputed rather than stored
//    because K x arity floats do not fit on chip and a scratch buffer would need an allocation.
//
// Column D: its weight is 1 (math.h). The kernels hold stand-in constants for column D
// (column_constants) that make the weight formula itself return exactly 1 there, so D needs no
// branch in the inner loop; gs_D = 0 keeps it out of the dot product.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "row_team.cuh"

namespace gr {
namespace cuda {
namespace {

constexpr int kStreamQuads = 4;      // quads per lane per tile of the stream kernel
constexpr int kDrawBatch = 128;      // draws per batch of the stream kernel
// The draw loop of the team kernel stays rolled (its body is hundreds of instructions); a build
// with -DGR_DRAW_LOOP_UNROLL=2 unrolls it once, so the growth of the kernel's SASS measures one
// loop body (cuda/NOTES.md, "Counting SASS").
#ifndef GR_DRAW_LOOP_UNROLL
#define GR_DRAW_LOOP_UNROLL 1
#endif
constexpr int kDrawLoopUnroll = GR_DRAW_LOOP_UNROLL;
// Enough threads to fill a card at the team kernel's occupancy; draw slices are added until a
// launch reaches it. A constant, not the device's SM count: results depend on the launch shape
// (the order of float sums) and must not change from one card to another.
constexpr int64_t kTargetThreads = 65536;
// Each lane of a slice keeps at least this many draws, so the per-row prologue stays amortised.
constexpr int kMinDrawsPerLane = 4;

struct GumbelRaoArgs {
  const float* logits;
  const int32_t* choice;
  const float* upstream;
  float* grad;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  int32_t samples;
  float inv_tau;
  double scale;  // 1 / (K tau)
  NoiseKey key;
  bool logits_vec, upstream_vec, grad_vec;
};

// log2 p_j, p_j of one column, with column D's stand-ins log2 p_D = 0 and p_D = 0: then
//   log2 r_D = (0 + log2 E_D) - log2(E_D + 0 E_D) = 0 and gumbel_rao_weight = exp2(0) = 1
// exactly, because the column's E_D and the winner's E_D are the same function of the same
// Philox word (and 0 E_D = 0 adds nothing). The weight of D is 1 in math.h's derivation.
//
// The division form of math.h for integer 1/tau (gumbel_rao_weight_power) is not used here: on
// the GPU its IEEE division costs more issue slots (about 7 more SASS instructions per
// element-draw) than the MUFU operation it saves (cuda/NOTES.md).
__device__ __forceinline__ void column_constants(float theta, float max, float log_sum,
                                                 bool is_d, float& log2_p, float& p) {
  log2_p = log_softmax(theta, max, log_sum) * kLog2e;
  p = fast_exp2_nonpositive(log2_p);
  if (is_d) {
    log2_p = 0.0f;
    p = 0.0f;
  }
}

// ------------------------------------------------------------------------------ team kernel
// T = 2^log2_team lanes per column set, S = 2^log2_slices draw slices, G = T S lanes per row,
// kBlock / G rows per block. fold != 0: a lane takes more than kFoldTerms draws, so its float
// accumulators are added into the double ones in `wide` every kFoldTerms draws. `wide` (dynamic
// shared memory, [4 QPL][kBlock] doubles) also carries the slice sums between warps when G > 32.
template <int QPL>
__global__ void __launch_bounds__(kBlock, 2)
    gumbel_rao_team_kernel(const GumbelRaoArgs a, int log2_team, int log2_slices, int fold) {
  constexpr int kCols = 4 * QPL;
#if defined(GR_SASS_PROBE)  // the hot path alone (T = 1, S = 1, no fold), for counting SASS
  log2_team = 0;
  log2_slices = 0;
  fold = 0;
#endif
  __shared__ TeamExchange exchange;
  extern __shared__ double wide[];

  const int tid = threadIdx.x;
  const int log2_group = log2_team + log2_slices;
  const int T = 1 << log2_team, S = 1 << log2_slices, G = 1 << log2_group;
  const int g = tid & (G - 1), t = tid & (T - 1), s = g >> log2_team;
  const int64_t row = ((int64_t)blockIdx.x << (kLog2Block - log2_group)) + (tid >> log2_group);
  const int n = a.arity;
  Team team(log2_team, &exchange);

  float th[kCols];
  const PreparedRow pr =
      prepare_row<QPL>(a.logits, a.choice, a.rows, n, row, a.logits_vec, a.status, g == 0, team, th);
  const int d = pr.d;

  // Row constants: log2 p, p (column D's stand-ins), gs = g - g_D (0 on padding columns, whose
  // weight is 0 anyway since log2 p = -inf there).
  float log2_p[kCols], p[kCols], gs[kCols];
  {
    const float* g_row = a.upstream + (pr.ok ? row : 0) * (int64_t)n;
    const float g_d = pr.ok ? __ldg(g_row + d) : 0.0f;
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      const int64_t q = t + (int64_t)T * i;
      float gq[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      if (pr.ok) load_quad(g_row, q, n, a.upstream_vec, 0.0f, gq);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int j = 4 * i + c;
        column_constants(th[j], pr.max, pr.log_sum, 4 * q + c == d, log2_p[j], p[j]);
        gs[j] = gq[c] - g_d;
      }
    }
  }

  if (fold) {
#pragma unroll
    for (int j = 0; j < kCols; ++j) wide[j * kBlock + tid] = 0.0;
  }

  // Column D's Philox word: quad qd, word wd, held by team lane (qd mod T) in its quad number
  // (qd / T). For T <= 32 that lane hands it to its team with one shuffle per draw; wider teams
  // span warps, and every lane runs the winner's Philox call itself instead.
  const int qd = d >> 2, wd = d & 3;
  const int owner_quad = qd >> log2_team;
  const int owner_lane = ((tid & (kWarp - 1)) & ~(T - 1)) | (qd & (T - 1));
  int draws = (a.samples + S - 1) >> log2_slices;
#if defined(GR_SASS_PROBE)
  draws -= draws % kDrawLoopUnroll;  // no remainder copy: unroll u adds u - 1 bodies exactly
#endif

  float h[kCols];
#pragma unroll
  for (int j = 0; j < kCols; ++j) h[j] = 0.0f;

#pragma unroll kDrawLoopUnroll
  for (int i = 0; i < draws; ++i) {
    const int k = s + (i << log2_slices);
    const uint32_t slot = conditional_slot((uint32_t)k);
    float w[kCols];  // E_j, then the weights
    uint32_t pick = 0;
#pragma unroll
    for (int qi = 0; qi < QPL; ++qi) {
      const Words4 words = noise_words(a.key, (uint32_t)(t + (qi << log2_team)), (uint32_t)row, slot);
#pragma unroll
      for (int c = 0; c < 4; ++c) w[4 * qi + c] = exponential_from_uniform(uniform_open(words.w[c]));
      if (qi == owner_quad) pick = word_at(words, wd);
    }
    uint32_t winner_word;
    if (log2_team <= 5)
      winner_word = QPL < 4 ? pick : __shfl_sync(kFullMask, pick, owner_lane);
    else
      winner_word = word_at(noise_words(a.key, (uint32_t)qd, (uint32_t)row, slot), wd);
    const float e_d = exponential_from_uniform(uniform_open(winner_word));
    const float log2_e_d = fast_log2_positive(e_d);

    Sum2 part{0.0f, 0.0f};
#pragma unroll
    for (int j = 0; j < kCols; ++j) {
      w[j] = gumbel_rao_weight(log2_p[j], p[j], w[j], e_d, log2_e_d, a.inv_tau);
      part.a += w[j];
      part.b = fmaf(w[j], gs[j], part.b);
    }
    const Sum2 sums = team.all(part, AddSum2());
    // A draw past K (a slice's last round) adds nothing: an infinite sum gives c = c_dot = 0.
    // (This select, rather than one on the result, gives the smallest SASS: cuda/NOTES.md.)
    const GumbelRaoDraw kd = gumbel_rao_draw(k < a.samples ? sums.a : kInf, sums.b);
#pragma unroll
    for (int j = 0; j < kCols; ++j) h[j] += gumbel_rao_term(w[j], gs[j], kd);

    if (fold && (i & (kFoldTerms - 1)) == kFoldTerms - 1) {
#pragma unroll
      for (int j = 0; j < kCols; ++j) {
        wide[j * kBlock + tid] += (double)h[j];
        h[j] = 0.0f;
      }
    }
  }

  // Slice sums in double, in a fixed tree: butterflies over the slices within a warp, then the
  // warps' partial sums in warp order.
  double total[kCols];
#pragma unroll
  for (int j = 0; j < kCols; ++j) total[j] = (double)h[j] + (fold ? wide[j * kBlock + tid] : 0.0);
  const int in_warp = G < kWarp ? G : kWarp;
  for (int m = T; m < in_warp; m <<= 1) {
#pragma unroll
    for (int j = 0; j < kCols; ++j) total[j] += __shfl_xor_sync(kFullMask, total[j], m);
  }
  if (G > kWarp && S > 1) {  // each lane overwrites only its own column of `wide`
#pragma unroll
    for (int j = 0; j < kCols; ++j) wide[j * kBlock + tid] = total[j];
    __syncthreads();
    if (g < T) {
      const int stride = T > kWarp ? T : kWarp, parts = G / stride, base = tid - g;
#pragma unroll
      for (int j = 0; j < kCols; ++j) {
        double v = wide[j * kBlock + base + t];
        for (int r = 1; r < parts; ++r) v += wide[j * kBlock + base + r * stride + t];
        total[j] = v;
      }
    }
  }

  if (pr.ok && g < T) {
    float* out = a.grad + row * (int64_t)n;
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      float x[4];
#pragma unroll
      for (int c = 0; c < 4; ++c) x[c] = gumbel_rao_finish(total[4 * i + c], a.scale);
      store_quad(out, t + (int64_t)T * i, n, a.grad_vec, x);
    }
  }
}

// ---------------------------------------------------------------------------- stream kernel
// One row per block of kStreamBlock lanes. Lane t's tile r holds quads
// r * kStreamBlock * kStreamQuads + qi * kStreamBlock + t (qi < kStreamQuads), so each load
// instruction of a warp reads contiguous memory.
struct DrawInfo {
  float e_d, log2_e_d, c, c_dot;
};

__device__ __forceinline__ void tile_constants(const GumbelRaoArgs& a, int64_t row, int64_t tile,
                                               float max, float log_sum, int d, float g_d,
                                               float (&log2_p)[4 * kStreamQuads],
                                               float (&p)[4 * kStreamQuads],
                                               float (&gs)[4 * kStreamQuads]) {
  const int64_t n = a.arity;
  const float* th_row = a.logits + row * n;
  const float* g_row = a.upstream + row * n;
#pragma unroll
  for (int qi = 0; qi < kStreamQuads; ++qi) {
    const int64_t q = (tile * kStreamQuads + qi) * kStreamBlock + threadIdx.x;
    float th[4], gq[4];
    load_quad(th_row, q, n, a.logits_vec, -kInf, th);
    load_quad(g_row, q, n, a.upstream_vec, 0.0f, gq);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * qi + c;
      column_constants(th[c], max, log_sum, 4 * q + c == d, log2_p[j], p[j]);
      gs[j] = gq[c] - g_d;
    }
  }
}

__device__ __forceinline__ void tile_weights(const GumbelRaoArgs& a, int64_t row, int64_t tile,
                                             uint32_t slot, DrawInfo di,
                                             const float (&log2_p)[4 * kStreamQuads],
                                             const float (&p)[4 * kStreamQuads],
                                             float (&w)[4 * kStreamQuads]) {
#pragma unroll
  for (int qi = 0; qi < kStreamQuads; ++qi) {
    const int64_t q = (tile * kStreamQuads + qi) * kStreamBlock + threadIdx.x;
    const Words4 words = noise_words(a.key, (uint32_t)q, (uint32_t)row, slot);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * qi + c;
      w[j] = gumbel_rao_weight(log2_p[j], p[j],
                               exponential_from_uniform(uniform_open(words.w[c])), di.e_d,
                               di.log2_e_d, a.inv_tau);
    }
  }
}

__global__ void __launch_bounds__(kStreamBlock, 1) gumbel_rao_stream_kernel(const GumbelRaoArgs a) {
  constexpr int kCols = 4 * kStreamQuads;
  constexpr int kWarps = kStreamBlock / kWarp;
  __shared__ TeamExchange exchange;
  __shared__ double2 draw_sums[kDrawBatch][kWarps];  // per draw and warp: sum w, sum w gs
  __shared__ DrawInfo draw_info[kDrawBatch];

  const int tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const int64_t tiles = (nq + (int64_t)kStreamBlock * kStreamQuads - 1) / ((int64_t)kStreamBlock * kStreamQuads);
  const float* th_row = a.logits + row * n;
  Team team(kLog2StreamBlock, &exchange);

  StreamRow sr;
  const int code = stream_choice_row(team, th_row, n, a.logits_vec, a.choice, row, &sr);
  if (code != GR_OK) {  // the whole block leaves together
    if (tid == 0) record_bad_row(a.status, row, code);
    return;
  }
  const int d = sr.d;
  const float log_sum = sr.log_sum;
  const float g_d = __ldg(a.upstream + row * n + d);
  const int qd = d >> 2, wd = d & 3;

  for (int k0 = 0; k0 < a.samples; k0 += kDrawBatch) {
    const int batch = a.samples - k0 < kDrawBatch ? a.samples - k0 : kDrawBatch;
    for (int kk = tid; kk < batch; kk += kStreamBlock) {
      const uint32_t word =
          word_at(noise_words(a.key, (uint32_t)qd, (uint32_t)row, conditional_slot((uint32_t)(k0 + kk))), wd);
      const float e_d = exponential_from_uniform(uniform_open(word));
      draw_info[kk] = DrawInfo{e_d, fast_log2_positive(e_d), 0.0f, 0.0f};
      for (int wp = 0; wp < kWarps; ++wp) draw_sums[kk][wp] = make_double2(0.0, 0.0);
    }
    __syncthreads();

    // Pass 1: each draw's row sums, tile by tile (tiles in order, so the sums are deterministic).
    for (int64_t tile = 0; tile < tiles; ++tile) {
      float log2_p[kCols], p[kCols], gs[kCols];
      tile_constants(a, row, tile, sr.max, log_sum, d, g_d, log2_p, p, gs);
      for (int kk = 0; kk < batch; ++kk) {
        float w[kCols];
        tile_weights(a, row, tile, conditional_slot((uint32_t)(k0 + kk)), draw_info[kk], log2_p, p, w);
        Sum2 part{0.0f, 0.0f};
#pragma unroll
        for (int j = 0; j < kCols; ++j) {
          part.a += w[j];
          part.b = fmaf(w[j], gs[j], part.b);
        }
#pragma unroll
        for (int m = 1; m < kWarp; m <<= 1) part = AddSum2()(part, shfl_xor(part, m));
        if ((tid & (kWarp - 1)) == 0) {
          double2& acc = draw_sums[kk][tid >> 5];
          acc.x += (double)part.a;
          acc.y += (double)part.b;
        }
      }
    }
    __syncthreads();
    for (int kk = tid; kk < batch; kk += kStreamBlock) {
      double sum = 0.0, dot = 0.0;
      for (int wp = 0; wp < kWarps; ++wp) {
        sum += draw_sums[kk][wp].x;
        dot += draw_sums[kk][wp].y;
      }
      const GumbelRaoDraw kd = gumbel_rao_draw((float)sum, (float)dot);
      draw_info[kk].c = kd.c;
      draw_info[kk].c_dot = kd.c_dot;
    }
    __syncthreads();

    // Pass 2: accumulate the batch's draws column by column; batches after the first add to
    // the gradient already stored (a float add per batch of kDrawBatch draws).
    for (int64_t tile = 0; tile < tiles; ++tile) {
      float log2_p[kCols], p[kCols], gs[kCols], h[kCols];
      tile_constants(a, row, tile, sr.max, log_sum, d, g_d, log2_p, p, gs);
#pragma unroll
      for (int j = 0; j < kCols; ++j) h[j] = 0.0f;
      for (int kk = 0; kk < batch; ++kk) {
        const DrawInfo di = draw_info[kk];
        float w[kCols];
        tile_weights(a, row, tile, conditional_slot((uint32_t)(k0 + kk)), di, log2_p, p, w);
#pragma unroll
        for (int j = 0; j < kCols; ++j) h[j] += gumbel_rao_term(w[j], gs[j], GumbelRaoDraw{di.c, di.c_dot});
      }
      float* out = a.grad + row * n;
#pragma unroll
      for (int qi = 0; qi < kStreamQuads; ++qi) {
        const int64_t q = (tile * kStreamQuads + qi) * kStreamBlock + tid;
        if (4 * q >= n) continue;
        float x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c) x[c] = gumbel_rao_finish((double)h[4 * qi + c], a.scale);
        if (k0 > 0) {
          float prev[4];
#pragma unroll
          for (int c = 0; c < 4; ++c) prev[c] = 4 * q + c < n ? out[4 * q + c] : 0.0f;
#pragma unroll
          for (int c = 0; c < 4; ++c) x[c] += prev[c];
        }
        store_quad(out, q, n, a.grad_vec, x);
      }
    }
    __syncthreads();  // draw_info and draw_sums are rewritten by the next batch
  }
}

}  // namespace
}  // namespace cuda
}  // namespace gr

using namespace gr;
using namespace gr::cuda;

extern "C" int32_t gr_cuda_gumbel_rao_backward(const float* logits, const int32_t* choice,
                                               const float* upstream, int64_t rows,
                                               int32_t arity, int32_t samples, float tau,
                                               uint64_t seed, uint32_t offset, float* grad,
                                               uint64_t* status, void* stream) {
  if (rows < 0 || rows > INT32_MAX || arity < 1 || samples < 1 || !(tau > 0.0f) ||
      !(tau < kInf) || (rows > 0 && (!logits || !choice || !upstream || !grad)))
    return (int32_t)cudaErrorInvalidValue;
  if (rows == 0) return 0;
  cudaStream_t st = (cudaStream_t)stream;
  GumbelRaoArgs a;
  a.logits = logits;
  a.choice = choice;
  a.upstream = upstream;
  a.grad = grad;
  a.status = status;
  a.rows = rows;
  a.arity = arity;
  a.samples = samples;
  a.inv_tau = inverse_temperature(tau);
  a.scale = gumbel_rao_scale(samples, tau);
  a.key = noise_key(seed, offset);
  a.logits_vec = rows_vectorisable(logits, arity);
  a.upstream_vec = rows_vectorisable(upstream, arity);
  a.grad_vec = rows_vectorisable(grad, arity);

  if (arity > kTeamMaxArity) {
    gumbel_rao_stream_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
    return launch_status();
  }
  const int qpl = arity <= 4 ? 1 : arity <= 8 ? 2 : 4;
  const int log2_team = ceil_log2((arity + 4 * qpl - 1) / (4 * qpl));
  int log2_slices = 0;
  while (log2_team + log2_slices < kLog2Block &&
         ((int64_t)rows << (log2_team + log2_slices)) < kTargetThreads &&
         ((int64_t)kMinDrawsPerLane << (log2_slices + 1)) <= samples)
    ++log2_slices;
  const int log2_group = log2_team + log2_slices;
  const int draws_per_lane = (samples + (1 << log2_slices) - 1) >> log2_slices;
  const int fold = draws_per_lane > kFoldTerms ? 1 : 0;
  const bool cross_warp = log2_slices > 0 && log2_group > 5;
  const size_t wide_bytes = (fold || cross_warp) ? sizeof(double) * 4 * qpl * kBlock : 0;
  const int64_t rows_per_block = kBlock >> log2_group;
  const unsigned blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  switch (qpl) {
    case 1:
      gumbel_rao_team_kernel<1><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
      break;
    case 2:
      gumbel_rao_team_kernel<2><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
      break;
    default:
      gumbel_rao_team_kernel<4><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
      break;
  }
  return launch_status();
}
