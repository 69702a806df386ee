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
//
// Gumbel-Rao with the total derivative (gumbel_rao_total_* of math.h, the paper's Sec. 3.2): the
// same kernels with kTotal = true. Each element-draw also forms r_j = gumbel_rao_base(p_j, E_j,
// E_D) and adds gumbel_rao_total_term(t_j, r_j) to h_j instead of t_j; the finish takes the row
// sum H of the h_j (in double) and writes gumbel_rao_total_finish_of_sums(h_j, p_j, H,
// 1/(K tau)): no second dot product per draw (math.h: u = -H exactly). Column D's stand-in
// p_D = 0 gives r_D = 0 instead of math.h's r_D = 1, so D's accumulator gathers t_D where
// math.h's h_D is t_D - t_D = 0: the finish leaves that accumulator out of H and takes h_D = 0.
// No branch on D in the inner loop; the detached kernels are unchanged.
//
// Both read the upstream row once per row: the checks of gumbel_rao.h (non-finite at an unmasked
// class: GR_UPSTREAM_NOT_FINITE; masked classes read as 0) and the power-of-two scale that keeps
// g - g_D finite for |g| up to 3.4e38 (row_team.cuh, "upstream gradients"), folded into the
// double finish scale, so rows with max |g| < 2^64 compute exactly as before.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {
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
// The total derivative's team kernel holds at most 8 columns per lane (its 16-column copy spilled
// 68 bytes at the 128 registers of two blocks per SM, sm_90), so teams of 256 lanes reach 2048
// columns; longer rows take its block-per-row kernel.
constexpr int kTotalTeamMaxArity = 2048;

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
// shared memory, [4 QPL (+ 1 for u)][kBlock] doubles) also carries the slice sums between warps
// when G > 32.
namespace {

template <class Cols, bool kTotal>
__device__ __forceinline__ void gumbel_rao_team_rows(const GumbelRaoArgs& a, int log2_team,
                                                     int log2_slices, int fold) {
  constexpr int QPL = Cols::kQuads, kCols = Cols::kColumns;
  constexpr int kAcc = kCols;  // accumulators per lane: h_j
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

  // Row constants: log2 p, p (column D's stand-ins), gs = g - g_D in the row's upstream scale
  // (0 at masked classes, padding columns and stand-in rows; their weight is 0 anyway, since
  // log2 p = -inf there).
  float log2_p[kCols], p[kCols], gs[kCols];
  UpstreamScale sc;
  const bool ok =
      prepare_upstream<QPL>(a.upstream, row, n, a.upstream_vec, pr.ok, a.status, g == 0, team, th, gs, sc);
  {
    const float g_d = ok ? __ldg(a.upstream + row * (int64_t)n + d) * sc.down : 0.0f;
#pragma unroll
    for (int i = 0; i < QPL; ++i) {
      const int64_t q = t + (int64_t)T * i;
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int j = 4 * i + c;
        column_constants(th[j], pr.max, pr.log_sum, 4 * q + c == d, log2_p[j], p[j]);
        gs[j] = th[j] == -kInf || !ok ? 0.0f : gs[j] - g_d;
      }
    }
  }

  if (fold) {
#pragma unroll
    for (int j = 0; j < kAcc; ++j) wide[j * kBlock + tid] = 0.0;
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

  float h[kAcc];  // h_j
#pragma unroll
  for (int j = 0; j < kAcc; ++j) h[j] = 0.0f;

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
      // The detached kernels take fewer than 16 columns per lane only for n <= 8 (T = 1: the lane
      // owns D itself); the total derivative's 8-column copy runs teams of up to 256 lanes.
      winner_word = (QPL < 4 && !kTotal) || log2_team == 0 ? pick : __shfl_sync(kFullMask, pick, owner_lane);
    else
      winner_word = word_at(noise_words(a.key, (uint32_t)qd, (uint32_t)row, slot), wd);
    const float e_d = exponential_from_uniform(uniform_open(winner_word));
    const float log2_e_d = fast_log2_positive(e_d);

    [[maybe_unused]] float r[kTotal ? kCols : 1];  // kTotal: the weights' bases (D's stand-in: 0)
    Sum2 part{0.0f, 0.0f};
#pragma unroll
    for (int j = 0; j < kCols; ++j) {
      if constexpr (kTotal) r[j] = gumbel_rao_base(p[j], w[j], e_d);
      w[j] = gumbel_rao_weight(log2_p[j], p[j], w[j], e_d, log2_e_d, a.inv_tau);
      part.a += w[j];
      part.b = fmaf(w[j], gs[j], part.b);
    }
    const Sum2 sums = team.all(part, AddSum2());
    // A draw past K (a slice's last round) adds nothing: an infinite sum gives c = c_dot = 0.
    // (This select, rather than one on the result, gives the smallest SASS: cuda/NOTES.md.)
    const GumbelRaoDraw kd = gumbel_rao_draw(k < (uint32_t)a.samples ? sums.a : kInf, sums.b);
    if constexpr (kTotal) {
#pragma unroll
      for (int j = 0; j < kCols; ++j) h[j] += gumbel_rao_total_term(gumbel_rao_term(w[j], gs[j], kd), r[j]);
    } else {
#pragma unroll
      for (int j = 0; j < kCols; ++j) h[j] += gumbel_rao_term(w[j], gs[j], kd);
    }

    if (fold && (i & (kFoldTerms - 1)) == kFoldTerms - 1) {
#pragma unroll
      for (int j = 0; j < kAcc; ++j) {
        wide[j * kBlock + tid] += (double)h[j];
        h[j] = 0.0f;
      }
    }
    k += (uint32_t)S;
  }

  // Slice sums in double, in a fixed tree: butterflies over the slices within a warp, then the
  // warps' partial sums in warp order.
  double total[kAcc];
#pragma unroll
  for (int j = 0; j < kAcc; ++j) total[j] = (double)h[j] + (fold ? wide[j * kBlock + tid] : 0.0);
  const int in_warp = G < kWarp ? G : kWarp;
  for (int m = T; m < in_warp; m <<= 1) {
#pragma unroll
    for (int j = 0; j < kAcc; ++j) total[j] += __shfl_xor_sync(kFullMask, total[j], m);
  }
  if (G > kWarp && S > 1) {  // each lane overwrites only its own column of `wide`
#pragma unroll
    for (int j = 0; j < kAcc; ++j) wide[j * kBlock + tid] = total[j];
    __syncthreads();
    if (g < T) {
      const int stride = T > kWarp ? T : kWarp, parts = G / stride, base = tid - g;
#pragma unroll
      for (int j = 0; j < kAcc; ++j) {
        double v = wide[j * kBlock + base + t];
        for (int r = 1; r < parts; ++r) v += wide[j * kBlock + base + r * stride + t];
        total[j] = v;
      }
    }
  }

  // The finish; rows of slices s > 0 hold partial sums and store nothing.
  const double scale = a.scale * (double)sc.up;
  float p_d = 0.0f;
  double h_row = 0.0;
  if constexpr (kTotal) {
    // H over the row's lanes, D's accumulator left out (see the top of this file); every lane of
    // slice 0 gets the same sum. p_D is the true probability of D (p[] holds its stand-in 0).
    double h_lane = 0.0;
#pragma unroll
    for (int i = 0; i < QPL; ++i)
#pragma unroll
      for (int c = 0; c < 4; ++c)
        if (4 * (t + (int64_t)T * i) + c != d) h_lane += total[4 * i + c];
    h_row = team.all(h_lane, AddD());
    const float th_d = ok ? __ldg(a.logits + row * (int64_t)n + d) : 0.0f;
    p_d = fast_exp2_nonpositive(log_softmax(th_d, pr.max, pr.log_sum) * kLog2e);
  }
  if (ok && g < T) {
    store_lane_row<QPL>(a.grad + row * (int64_t)n, t, T, n, a.grad_vec, a.status, row,
                        [&](int j, int64_t column) {
                          float x;
                          if constexpr (kTotal) {
                            const bool is_d = column == d;
                            x = gumbel_rao_total_finish_of_sums(is_d ? 0.0 : total[j], is_d ? p_d : p[j],
                                                                h_row, scale);
                          } else {
                            x = gumbel_rao_finish(total[j], scale);
                          }
                          return log2_p[j] == -kInf ? 0.0f : x;  // a masked class: exactly +0
                        });
  }
}

}  // namespace

template <class Cols>
__global__ void __launch_bounds__(kBlock, 2)
    gumbel_rao_team_kernel(const GumbelRaoArgs a, int log2_team, int log2_slices, int fold) {
  gumbel_rao_team_rows<Cols, false>(a, log2_team, log2_slices, fold);
}
template <class Cols>
__global__ void __launch_bounds__(kBlock, 2)
    gumbel_rao_total_team_kernel(const GumbelRaoArgs a, int log2_team, int log2_slices, int fold) {
  gumbel_rao_team_rows<Cols, true>(a, log2_team, log2_slices, fold);
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

// Tiles of TQ quads per lane: kTileQuads for Gumbel-Rao, 1 for the total derivative (whose
// bases r_j and u accumulator spilled 48 bytes at 2 quads, sm_90).
template <int TQ>
__device__ __forceinline__ int64_t tile_quad(int64_t tile, int qi) {
  return (tile * TQ + qi) * kStreamBlock + threadIdx.x;
}

// log2 p, p (D's stand-ins) and gs = g - g_D in the row's upstream scale (0 at masked classes).
template <int TQ>
__device__ __forceinline__ void tile_constants(const GumbelRaoArgs& a, int64_t row, int64_t tile,
                                               float max, float log_sum, int d, float g_d,
                                               float down, float (&log2_p)[4 * TQ],
                                               float (&p)[4 * TQ], float (&gs)[4 * TQ]) {
  const int64_t n = a.arity;
  const float* th_row = a.logits + row * n;
  const float* g_row = a.upstream + row * n;
#pragma unroll
  for (int qi = 0; qi < TQ; ++qi) {
    const int64_t q = tile_quad<TQ>(tile, qi);
    float th[4], gq[4];
    load_quad(th_row, q, n, a.logits_vec, -kInf, th);
    load_upstream_quad(g_row, q, n, a.upstream_vec, th, down, gq);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * qi + c;
      column_constants(th[c], max, log_sum, 4 * q + c == d, log2_p[j], p[j]);
      gs[j] = th[c] == -kInf ? 0.0f : gq[c] - g_d;
    }
  }
}

// The draw's weights of a tile; kTotal: also their bases r_j (gumbel_rao_base, D's stand-in 0).
template <int TQ, bool kTotal>
__device__ __forceinline__ void tile_weights(const GumbelRaoArgs& a, int64_t row, int64_t tile,
                                             uint32_t slot, float e_d, float log2_e_d,
                                             const float (&log2_p)[4 * TQ],
                                             const float (&p)[4 * TQ], float (&w)[4 * TQ],
                                             float* r) {
#pragma unroll
  for (int qi = 0; qi < TQ; ++qi) {
    const Words4 words = noise_words(a.key, (uint32_t)tile_quad<TQ>(tile, qi), (uint32_t)row, slot);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * qi + c;
      const float e_j = exponential_from_uniform(uniform_open(words.w[c]));
      if constexpr (kTotal) r[j] = gumbel_rao_base(p[j], e_j, e_d);
      w[j] = gumbel_rao_weight(log2_p[j], p[j], e_j, e_d, log2_e_d, a.inv_tau);
    }
  }
}

// Accumulation: within a window of W <= kDrawWindow draws, each column's sum is a float over at
// most kFoldTerms draws folded into double, then rounded once; windows after the first add their
// rounded sum to the output (one float add per kDrawWindow draws: none for K <= 2048). A double
// sum across all windows would need 8 bytes per column (up to 2^31 columns) or per draw (up to
// 2^31 draws) that neither shared memory nor the float output can hold (cuda/NOTES.md).
//
// kTotal: the output holds each column's raw h_j (unscaled, float) until the last window, and a
// final pass over the row, once H is known (it sums over every column and draw), writes
// gumbel_rao_total_finish_of_sums(h_j, p_j, H, 1/(K tau)); column D's accumulator is left out
// (see the top).
template <bool kTotal>
__device__ __forceinline__ void gumbel_rao_block_row(const GumbelRaoArgs& a) {
  constexpr int kWarps = kStreamBlock / kWarp;
  constexpr int TQ = kTotal ? 1 : kTileQuads, kTileCols = 4 * TQ;
  __shared__ TeamExchange exchange;
  __shared__ double2 draw_sums[kSumBatch][kWarps];  // per draw and warp: sum w, sum w gs
  __shared__ DrawInfo window_info[kDrawWindow];

  const int tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const int64_t tiles = (nq + (int64_t)kStreamBlock * TQ - 1) / ((int64_t)kStreamBlock * TQ);
  const float* th_row = a.logits + row * n;
  const float* g_row = a.upstream + row * n;
  Team team(kLog2StreamBlock, &exchange);

  StreamRow sr;
  UpstreamScale sc;
  int code = stream_choice_row(team, th_row, n, a.logits_vec, a.choice, row, &sr);
  if (code == GR_OK) code = stream_upstream_row(team, th_row, g_row, n, a.logits_vec, a.upstream_vec, &sc);
  if (code != GR_OK) {  // the whole block leaves together
    if (tid == 0) record_bad_row(a.status, row, code);
    return;
  }
  const int d = sr.d;
  const float log_sum = sr.log_sum;
  const float g_d = __ldg(g_row + d) * sc.down;
  const int qd = d >> 2, wd = d & 3;
  float* out = a.grad + row * n;
  const double scale = a.scale * (double)sc.up;

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
        tile_constants<TQ>(a, row, tile, sr.max, log_sum, d, g_d, sc.down, log2_p, p, gs);
        for (int kk = 0; kk < batch; ++kk) {
          const DrawInfo di = window_info[b0 + kk];
          float w[kTileCols];
          tile_weights<TQ, false>(a, row, tile, conditional_slot((uint32_t)(k0 + b0 + kk)), di.e_d,
                              di.log2_e_d, log2_p, p, w, nullptr);
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
      tile_constants<TQ>(a, row, tile, sr.max, log_sum, d, g_d, sc.down, log2_p, p, gs);
#pragma unroll
      for (int j = 0; j < kTileCols; ++j) {
        h[j] = 0.0f;
        total[j] = 0.0;
      }
      for (int kk = 0; kk < window; ++kk) {
        const DrawInfo di = window_info[kk];
        float w[kTileCols];
        [[maybe_unused]] float r[kTotal ? kTileCols : 1];
        tile_weights<TQ, kTotal>(a, row, tile, conditional_slot((uint32_t)(k0 + kk)), di.e_d,
                             di.log2_e_d, log2_p, p, w, r);
        if constexpr (kTotal) {
#pragma unroll
          for (int j = 0; j < kTileCols; ++j)
            h[j] += gumbel_rao_total_term(gumbel_rao_term(w[j], gs[j], di.k), r[j]);
        } else {
#pragma unroll
          for (int j = 0; j < kTileCols; ++j) h[j] += gumbel_rao_term(w[j], gs[j], di.k);
        }
        if ((kk & (kFoldTerms - 1)) == kFoldTerms - 1) {
#pragma unroll
          for (int j = 0; j < kTileCols; ++j) {
            total[j] += (double)h[j];
            h[j] = 0.0f;
          }
        }
      }
      bool overflow = false;
#pragma unroll
      for (int qi = 0; qi < TQ; ++qi) {
        const int64_t q = tile_quad<TQ>(tile, qi);
        if (4 * q >= n) continue;
        float x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const double hj = total[4 * qi + c] + (double)h[4 * qi + c];
          x[c] = kTotal ? (float)hj : gumbel_rao_finish(hj, scale);
          if (k0 > 0 && 4 * q + c < n) x[c] += out[4 * q + c];
          if (log2_p[4 * qi + c] == -kInf) x[c] = 0.0f;  // a masked class: exactly +0
        }
        overflow |= store_quad_finite(out, q, n, a.grad_vec, x);
      }
      if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
    }
    __syncthreads();  // window_info is rewritten by the next window; kTotal: h_j all stored
  }
  if constexpr (kTotal) {
    // H over the block, D's accumulator left out: each thread sums the h_j of its own quads (as
    // pass 2 stored them), which only it overwrites below, after the reduction.
    double h_part = 0.0;
    for (int64_t q = tid; q < nq; q += kStreamBlock)
#pragma unroll
      for (int c = 0; c < 4; ++c)
        if (4 * q + c < n && 4 * q + c != d) h_part += (double)out[4 * q + c];
    const double h_row = team.all(h_part, AddD());
    bool overflow = false;
    for (int64_t q = tid; q < nq; q += kStreamBlock) {
      float th[4], x[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, th);
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const bool is_d = 4 * q + c == d;
        const float p_j = fast_exp2_nonpositive(log_softmax(th[c], sr.max, log_sum) * kLog2e);
        const double h_j = is_d || 4 * q + c >= n ? 0.0 : (double)out[4 * q + c];
        x[c] = th[c] == -kInf ? 0.0f : gumbel_rao_total_finish_of_sums(h_j, p_j, h_row, scale);
      }
      overflow |= store_quad_finite(out, q, n, a.grad_vec, x);
    }
    if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
  }
}

}  // namespace

__global__ void __launch_bounds__(kStreamBlock, 1) gumbel_rao_block_per_row_kernel(const GumbelRaoArgs a) {
  gumbel_rao_block_row<false>(a);
}
__global__ void __launch_bounds__(kStreamBlock, 1)
    gumbel_rao_total_block_per_row_kernel(const GumbelRaoArgs a) {
  gumbel_rao_block_row<true>(a);
}

namespace {

// Both estimators' launches (their calls have the same fields): the same shapes, so that for a
// given (rows, arity, K) the detached and the total kernel sum in the same order.
template <class Call>
int32_t launch_gumbel_rao(const Call& c, uint64_t* status, void* stream, bool total) {
  const int64_t rows = c.rows;
  const int32_t arity = c.arity, samples = c.samples;
  cudaStream_t st = (cudaStream_t)stream;
  const GumbelRaoArgs a{c.logits, c.choice, c.upstream, c.grad, status, rows, arity, samples,
                        inverse_temperature(c.tau), gumbel_rao_scale(samples, c.tau),
                        c.key(), rows_vectorisable(c.logits, arity),
                        rows_vectorisable(c.upstream, arity), rows_vectorisable(c.grad, arity)};

  if (arity > (total ? kTotalTeamMaxArity : kTeamMaxArity)) {
    if (total)
      gumbel_rao_total_block_per_row_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
    else
      gumbel_rao_block_per_row_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
    return launch_status();
  }
  const int qpl = arity <= 4 ? 1 : arity <= 8 || total ? 2 : 4;
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
  const size_t accumulators = 4 * qpl;  // h_j per lane
  const size_t wide_bytes = (fold || cross_warp) ? sizeof(double) * accumulators * kBlock : 0;
  const int64_t rows_per_block = kBlock >> log2_group;
  const unsigned blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  if (total) {
    switch (qpl) {
      case 1:
        gumbel_rao_total_team_kernel<ColumnsPerLane<4>><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
        break;
      default:
        gumbel_rao_total_team_kernel<ColumnsPerLane<8>><<<blocks, kBlock, wide_bytes, st>>>(a, log2_team, log2_slices, fold);
        break;
    }
    return launch_status();
  }
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

}  // namespace

int32_t gumbel_rao_backward(const op::GumbelRaoBackward& c, uint64_t* status, void* stream) {
  return launch_gumbel_rao(c, status, stream, false);
}

int32_t gumbel_rao_total_backward(const op::GumbelRaoTotalBackward& c, uint64_t* status,
                                  void* stream) {
  return launch_gumbel_rao(c, status, stream, true);
}

}  // namespace gr::cuda
