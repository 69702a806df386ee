// Gumbel-Rao (GR-MCK) backward on the GPU: grad_j = (1/(K tau)) sum_k s_j^k (gs_j - <s^k, gs>),
// s^k = softmax(z^k / tau), z^k | D the k-th conditional draw (estimators.md), gs = g - g_D.
// Per draw k, with w_kj = gumbel_rao_weight (w_kD = 1), c_k = 1 / sum_i w_ki and
// dot_k = c_k sum_i w_ki gs_i, the row accumulates
//   h_j = sum_k w_kj (gs_j c_k - c_k dot_k)          (= gs_j a_j - b_j of the CPU backend)
// so that each element-draw costs two FMAs for the accumulation and one accumulator per column.
//
// Two mappings (dispatch at the bottom; the kernel table is in cuda/NOTES.md):
//  - gumbel_rao_team_kernel<ColumnsPerLane<C>>, arity <= kTeamMaxArity: a row's columns live in
//    the registers of a team of T lanes (C = 16 columns per lane; 4 or 8 for arity <= 8),
//    log2 p_j, p_j and gs_j computed once and reused by every draw. When rows are few, S slices
//    of the team split the K draws (slice s takes k = s, s + S, ...) and their sums meet at the
//    end through shuffles (and shared memory when a row spans warps). Per-draw row sums:
//    butterflies over the T lanes.
//  - gumbel_rao_block_per_row_kernel, larger arity: a block per row, draws in windows of
//    kDrawWindow. Pass 1 recomputes the weights tile by tile to get each draw's sum_i w_ki and
//    sum_i w_ki gs_i (the accumulation needs c_k before it can start) and keeps the window's
//    per-draw constants in shared memory; pass 2 recomputes the weights again and accumulates the
//    whole window per column, float folded into double every kFoldTerms draws. The weights are
//    recomputed rather than stored because K x arity floats do not fit on chip and a scratch
//    buffer would need an allocation (which a captured CUDA graph cannot make).
//
// Column D: its weight is 1 (math.h). The kernels hold stand-in constants for column D
// (column_constants) that make the weight formula itself return exactly 1 there, so D needs no
// branch in the inner loop; gs_D = 0 keeps it out of the dot product.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/nvtx_ranges.h"
#include "row_team.cuh"

namespace gr {
namespace cuda {
namespace {

// Block-per-row kernel: quads per lane of a tile (8 columns: with 16, pass 2's float and double
// accumulators per column spilled); draws per pass-1 batch (whose partial sums per warp live in
// shared memory); draws per window (whose constants live in shared memory: 2048 x 16 bytes, so
// that all the kernel's shared memory stays under the 48 KiB that needs no opt-in on any target).
// The emulator's build (cuda/emu/build.sh) shrinks the window to 64 draws with -DGR_DRAW_WINDOW,
// so that its small sizes cross windows.
#ifndef GR_DRAW_WINDOW
#define GR_DRAW_WINDOW 2048
#endif
constexpr int kTileQuads = 2;
constexpr int kSumBatch = 32;
constexpr int kDrawWindow = GR_DRAW_WINDOW;
static_assert(kDrawWindow % kSumBatch == 0, "a window is whole pass-1 batches");
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

}  // namespace

// The kernels' argument block. Outside the anonymous namespace, like the kernels, so that a
// profiler's kernel list reads gr::cuda::gumbel_rao_team_kernel<gr::cuda::ColumnsPerLane<16> >(
// gr::cuda::GumbelRaoArgs, int, int, int).
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

namespace {

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

}  // namespace

// ------------------------------------------------------------------------------ team kernel
// T = 2^log2_team lanes per column set, S = 2^log2_slices draw slices, G = T S lanes per row,
// kBlock / G rows per block. fold != 0: a lane takes more than kFoldTerms draws, so its float
// accumulators are added into the double ones in `wide` every kFoldTerms draws. `wide` (dynamic
// shared memory, [4 QPL][kBlock] doubles) also carries the slice sums between warps when G > 32.
template <class Cols>
__global__ void __launch_bounds__(kBlock, 2)
    gumbel_rao_team_kernel(const GumbelRaoArgs a, int log2_team, int log2_slices, int fold) {
  constexpr int QPL = Cols::kQuads, kCols = Cols::kColumns;
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
  // Round i takes draw k = s + i S of slice s; k < K + S <= 2^31 + 255, so k and the Philox slot
  // k + 1 fit in 32 unsigned bits for every K up to 2^31 - 1 (an int k = s + (i << log2 S)
  // overflows near K = 2^31). k is stepped, not recomputed: the smaller SASS of the two.
  int draws = (int)(((int64_t)a.samples + S - 1) >> log2_slices);
#if defined(GR_SASS_PROBE)
  draws -= draws % kDrawLoopUnroll;  // no remainder copy: unroll u adds u - 1 bodies exactly
#endif

  float h[kCols];
#pragma unroll
  for (int j = 0; j < kCols; ++j) h[j] = 0.0f;

  uint32_t k = (uint32_t)s;
#pragma unroll kDrawLoopUnroll
  for (int i = 0; i < draws; ++i) {
    const uint32_t slot = conditional_slot(k);
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
    const GumbelRaoDraw kd = gumbel_rao_draw(k < (uint32_t)a.samples ? sums.a : kInf, sums.b);
#pragma unroll
    for (int j = 0; j < kCols; ++j) h[j] += gumbel_rao_term(w[j], gs[j], kd);

    if (fold && (i & (kFoldTerms - 1)) == kFoldTerms - 1) {
#pragma unroll
      for (int j = 0; j < kCols; ++j) {
        wide[j * kBlock + tid] += (double)h[j];
        h[j] = 0.0f;
      }
    }
    k += (uint32_t)S;
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

namespace {

// ------------------------------------------------------------------- block-per-row kernel
// One row per block of kStreamBlock lanes. Lane t's tile r holds quads
// r * kStreamBlock * kTileQuads + qi * kStreamBlock + t (qi < kTileQuads), so each load
// instruction of a warp reads contiguous memory.
struct DrawInfo {  // one draw of the window: the winner's E_D and log2 E_D, then c and c_dot
  float e_d, log2_e_d;
  GumbelRaoDraw k;
};

constexpr int kTileCols = 4 * kTileQuads;

__device__ __forceinline__ int64_t tile_quad(int64_t tile, int qi) {
  return (tile * kTileQuads + qi) * kStreamBlock + threadIdx.x;
}

__device__ __forceinline__ void tile_constants(const GumbelRaoArgs& a, int64_t row, int64_t tile,
                                               float max, float log_sum, int d, float g_d,
                                               float (&log2_p)[kTileCols],
                                               float (&p)[kTileCols], float (&gs)[kTileCols]) {
  const int64_t n = a.arity;
  const float* th_row = a.logits + row * n;
  const float* g_row = a.upstream + row * n;
#pragma unroll
  for (int qi = 0; qi < kTileQuads; ++qi) {
    const int64_t q = tile_quad(tile, qi);
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
                                             uint32_t slot, float e_d, float log2_e_d,
                                             const float (&log2_p)[kTileCols],
                                             const float (&p)[kTileCols],
                                             float (&w)[kTileCols]) {
#pragma unroll
  for (int qi = 0; qi < kTileQuads; ++qi) {
    const Words4 words = noise_words(a.key, (uint32_t)tile_quad(tile, qi), (uint32_t)row, slot);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * qi + c;
      w[j] = gumbel_rao_weight(log2_p[j], p[j], exponential_from_uniform(uniform_open(words.w[c])),
                               e_d, log2_e_d, a.inv_tau);
    }
  }
}

}  // namespace

// Accumulation: within a window of W <= kDrawWindow draws, each column's sum is a float over at
// most kFoldTerms draws folded into double, then rounded once; windows after the first add their
// rounded sum to the output (one float add per kDrawWindow draws: none for K <= 2048). A double
// sum across all windows would need 8 bytes per column (up to 2^31 columns) or per draw (up to
// 2^31 draws) that neither shared memory nor the float output can hold (cuda/NOTES.md).
__global__ void __launch_bounds__(kStreamBlock, 1) gumbel_rao_block_per_row_kernel(const GumbelRaoArgs a) {
  constexpr int kWarps = kStreamBlock / kWarp;
  __shared__ TeamExchange exchange;
  __shared__ double2 draw_sums[kSumBatch][kWarps];  // per draw and warp: sum w, sum w gs
  __shared__ DrawInfo window_info[kDrawWindow];

  const int tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const int64_t tiles = (nq + (int64_t)kStreamBlock * kTileQuads - 1) / ((int64_t)kStreamBlock * kTileQuads);
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
  float* out = a.grad + row * n;

  // k0 in 64 bits: k0 + kDrawWindow passes 2^31 - 1 in the last window of K near 2^31.
  for (int64_t k0 = 0; k0 < a.samples; k0 += kDrawWindow) {
    const int window = a.samples - k0 < kDrawWindow ? (int)(a.samples - k0) : kDrawWindow;

    // Pass 1, in batches of kSumBatch draws: each draw's row sums, tile by tile (tiles in order,
    // so the sums are deterministic), then its c and c_dot (math.h) into window_info.
    for (int b0 = 0; b0 < window; b0 += kSumBatch) {
      const int batch = window - b0 < kSumBatch ? window - b0 : kSumBatch;
      if (tid < batch) {
        const uint32_t slot = conditional_slot((uint32_t)(k0 + b0 + tid));
        const float e_d = exponential_from_uniform(
            uniform_open(word_at(noise_words(a.key, (uint32_t)qd, (uint32_t)row, slot), wd)));
        window_info[b0 + tid].e_d = e_d;
        window_info[b0 + tid].log2_e_d = fast_log2_positive(e_d);
      }
      for (int i = tid; i < kSumBatch * kWarps; i += kStreamBlock)
        draw_sums[i / kWarps][i % kWarps] = make_double2(0.0, 0.0);
      __syncthreads();
      for (int64_t tile = 0; tile < tiles; ++tile) {
        float log2_p[kTileCols], p[kTileCols], gs[kTileCols];
        tile_constants(a, row, tile, sr.max, log_sum, d, g_d, log2_p, p, gs);
        for (int kk = 0; kk < batch; ++kk) {
          const DrawInfo di = window_info[b0 + kk];
          float w[kTileCols];
          tile_weights(a, row, tile, conditional_slot((uint32_t)(k0 + b0 + kk)), di.e_d,
                       di.log2_e_d, log2_p, p, w);
          Sum2 part{0.0f, 0.0f};
#pragma unroll
          for (int j = 0; j < kTileCols; ++j) {
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
      if (tid < batch) {
        double sum = 0.0, dot = 0.0;
        for (int wp = 0; wp < kWarps; ++wp) {
          sum += draw_sums[tid][wp].x;
          dot += draw_sums[tid][wp].y;
        }
        window_info[b0 + tid].k = gumbel_rao_draw((float)sum, (float)dot);
      }
      __syncthreads();  // draw_sums is cleared by the next batch; window_info read by pass 2
    }

    // Pass 2: the window's draws accumulated column by column.
    for (int64_t tile = 0; tile < tiles; ++tile) {
      float log2_p[kTileCols], p[kTileCols], gs[kTileCols], h[kTileCols];
      double total[kTileCols];
      tile_constants(a, row, tile, sr.max, log_sum, d, g_d, log2_p, p, gs);
#pragma unroll
      for (int j = 0; j < kTileCols; ++j) {
        h[j] = 0.0f;
        total[j] = 0.0;
      }
      for (int kk = 0; kk < window; ++kk) {
        const DrawInfo di = window_info[kk];
        float w[kTileCols];
        tile_weights(a, row, tile, conditional_slot((uint32_t)(k0 + kk)), di.e_d, di.log2_e_d,
                     log2_p, p, w);
#pragma unroll
        for (int j = 0; j < kTileCols; ++j) h[j] += gumbel_rao_term(w[j], gs[j], di.k);
        if ((kk & (kFoldTerms - 1)) == kFoldTerms - 1) {
#pragma unroll
          for (int j = 0; j < kTileCols; ++j) {
            total[j] += (double)h[j];
            h[j] = 0.0f;
          }
        }
      }
#pragma unroll
      for (int qi = 0; qi < kTileQuads; ++qi) {
        const int64_t q = tile_quad(tile, qi);
        if (4 * q >= n) continue;
        float x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          x[c] = gumbel_rao_finish(total[4 * qi + c] + (double)h[4 * qi + c], a.scale);
          if (k0 > 0 && 4 * q + c < n) x[c] += out[4 * q + c];
        }
        store_quad(out, q, n, a.grad_vec, x);
      }
    }
    __syncthreads();  // window_info is rewritten by the next window
  }
}

}  // namespace cuda
}  // namespace gr


using namespace gr;
using namespace gr::cuda;

extern "C" int32_t gr_cuda_gumbel_rao_backward(const float* logits, const int32_t* choice,
                                               const float* upstream, int64_t rows,
                                               int32_t arity, int32_t samples, float tau,
                                               uint64_t seed, uint32_t offset, float* grad,
                                               uint64_t* status, void* stream) {
  GR_NVTX_RANGE("gumbel_rao_backward", "cuda", rows, arity, samples, tau);
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
    gumbel_rao_block_per_row_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
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
  const int64_t draws_per_lane = ((int64_t)samples + (1 << log2_slices) - 1) >> log2_slices;
  const int fold = draws_per_lane > kFoldTerms ? 1 : 0;
  const bool cross_warp = log2_slices > 0 && log2_group > 5;
  const size_t wide_bytes = (fold || cross_warp) ? sizeof(double) * 4 * qpl * kBlock : 0;
  const int64_t rows_per_block = kBlock >> log2_group;
  const unsigned blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  switch (qpl) {
    case 1:
      gumbel_rao_team_kernel<ColumnsPerLane<4>><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
      break;
    case 2:
      gumbel_rao_team_kernel<ColumnsPerLane<8>><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
      break;
    default:
      gumbel_rao_team_kernel<ColumnsPerLane<16>><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
      break;
  }
  return launch_status();
}
