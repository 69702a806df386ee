// K conditional samples of the Gumbel noise given D on the GPU (estimators.md, "Conditional
// Gumbel noise"): noise[k][row][j] = G_j^k with argmax_j(theta_j + G_j^k) = D for every k,
// the formulas conditional_gumbel_winner / _other / _below of math.h, the Philox words of slot
// k + 1. The output is K x rows x arity floats, so the kernels are built around coalesced stores.
//
// Two mappings, as for Gumbel-Rao (gumbel_rao.cu; the kernel table is in cuda/NOTES.md):
//  - conditional_gumbel_team_kernel<ColumnsPerLane<C>>, arity <= kTeamMaxArity: the row's logits
//    and p in the registers of a team of T lanes; S slices of the team split the K draws when
//    rows are few (no reduction is needed across draws: each slice writes its own draws). Column
//    D's Philox word comes from its owner lane by one shuffle per draw (T <= 32), or from a Philox
//    call of every lane.
//  - conditional_gumbel_block_per_row_kernel, larger arity: a block per row and draw slice
//    (grid.y splits the K draws so that a few rows still fill the card), columns in tiles of
//    kStreamQuads quads per lane, the per-draw winner values of a batch of draws in shared memory.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {
namespace {

constexpr int kStreamQuads = 4;
constexpr int kDrawBatch = 128;
constexpr int64_t kTargetThreads = 65536;  // see gumbel_rao.cu
constexpr int kMinDrawsPerLane = 4;
constexpr int64_t kTargetBlocks = 264;  // block-per-row kernel: two blocks per SM of a large card

}  // namespace

// The kernels' argument block, outside the anonymous namespace like the kernels (readable names
// in profilers: see gumbel_rao.cu).
struct ConditionalArgs {
  const float* logits;
  const int32_t* choice;
  float* noise;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  int32_t samples;
  NoiseKey key;
  bool logits_vec, noise_vec;
};

namespace {

// Float rounding can lift theta_j + G_j to z_D (probability ~1e-7 per element, math.h). The
// kernels store the draw, note whether any of the lane's columns tied, and only then revisit
// the lane's columns in memory with conditional_gumbel_below: one rolled loop instead of an
// inlined copy of it per register column (which also made ptxas take minutes).
__device__ __noinline__ void lower_ties(const float* __restrict__ th_row, float* out, int64_t n,
                                        int64_t first_quad, int64_t quad_stride, int quads,
                                        int64_t d, float z_d) {
  for (int i = 0; i < quads; ++i) {
    const int64_t q = first_quad + quad_stride * i;
    for (int c = 0; c < 4; ++c) {
      const int64_t j = 4 * q + c;
      if (j < n && j != d) out[j] = conditional_gumbel_below(__ldg(th_row + j), out[j], z_d);
    }
  }
}

}  // namespace

// ------------------------------------------------------------------------------ team kernel
template <class Cols>
__global__ void __launch_bounds__(kBlock, 2)
    conditional_gumbel_team_kernel(const ConditionalArgs a, int log2_team, int log2_slices) {
  constexpr int QPL = Cols::kQuads, kCols = Cols::kColumns;
  __shared__ TeamExchange exchange;

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
  float p[kCols];
#pragma unroll
  for (int j = 0; j < kCols; ++j)
    p[j] = fast_exp2_nonpositive(log_softmax(th[j], pr.max, pr.log_sum) * kLog2e);
  const float th_d = pr.ok ? __ldg(a.logits + row * (int64_t)n + d) : 0.0f;
  const float neg_log_p_d = -log_softmax(th_d, pr.max, pr.log_sum);
  // G_D = -log p_D - log E_D beyond the float range (D's logit more than 3.4e38 below the row's
  // log-sum-exp): GR_NOISE_OVERFLOW, as the JAVA oracle reports it. -log E_D <= 16.7 cannot
  // carry a finite -log p_D past the range, so the row's check decides every draw.
  const bool ok = pr.ok && neg_log_p_d < kInf;
  if (pr.ok && !ok && g == 0) record_bad_row(a.status, row, GR_NOISE_OVERFLOW);

  const int qd = d >> 2, wd = d & 3;
  const int owner_quad = qd >> log2_team;
  const int owner_lane = ((tid & (kWarp - 1)) & ~(T - 1)) | (qd & (T - 1));
  // Round i writes draw k = s + i S of slice s: k < K + S <= 2^31 + 255 fits in 32 unsigned bits
  // for every K up to 2^31 - 1 (see gumbel_rao.cu).
  const int draws = (int)(((int64_t)a.samples + S - 1) >> log2_slices);

  for (int i = 0; i < draws; ++i) {
    const uint32_t k = (uint32_t)s + ((uint32_t)i << log2_slices);
    const uint32_t slot = conditional_slot(k);
    float e[kCols];
    uint32_t pick = 0;
#pragma unroll
    for (int qi = 0; qi < QPL; ++qi) {
      const Words4 words = noise_words(a.key, (uint32_t)(t + (qi << log2_team)), (uint32_t)row, slot);
#pragma unroll
      for (int c = 0; c < 4; ++c) e[4 * qi + c] = exponential_from_uniform(uniform_open(words.w[c]));
      if (qi == owner_quad) pick = word_at(words, wd);
    }
    uint32_t winner_word;
    if (log2_team <= 5)
      winner_word = QPL < 4 ? pick : __shfl_sync(kFullMask, pick, owner_lane);
    else
      winner_word = word_at(noise_words(a.key, (uint32_t)qd, (uint32_t)row, slot), wd);
    const float e_d = exponential_from_uniform(uniform_open(winner_word));
    const float g_d = conditional_gumbel_winner(neg_log_p_d, e_d);
    const float z_d = th_d + g_d;
    if (ok && k < (uint32_t)a.samples) {
      float* out = a.noise + ((int64_t)k * a.rows + row) * n;
      bool tie = false;
#pragma unroll
      for (int qi = 0; qi < QPL; ++qi) {
        const int64_t q = t + (int64_t)T * qi;
        float x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int j = 4 * qi + c;
          const bool is_d = 4 * q + c == d;
          x[c] = is_d ? g_d : conditional_gumbel_other(p[j], e[j], e_d);
          tie |= !is_d && !(th[j] + x[c] < z_d);
        }
        store_quad(out, q, n, a.noise_vec, x);
      }
      if (tie) lower_ties(a.logits + row * (int64_t)n, out, n, t, T, QPL, d, z_d);
    }
  }
}

// ------------------------------------------------------------------- block-per-row kernel
namespace {
struct WinnerInfo {
  float e_d, g_d, z_d;
};
}  // namespace

__global__ void __launch_bounds__(kStreamBlock, 1)
    conditional_gumbel_block_per_row_kernel(const ConditionalArgs a, int draws_per_block) {
  constexpr int kCols = 4 * kStreamQuads;
  __shared__ TeamExchange exchange;
  __shared__ WinnerInfo winner[kDrawBatch];

  const int tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const int64_t tiles = (nq + (int64_t)kStreamBlock * kStreamQuads - 1) / ((int64_t)kStreamBlock * kStreamQuads);
  const float* th_row = a.logits + row * n;
  // Draws [k_begin, k_end) of this block: k_end <= K, and the batch loop counts in 64 bits
  // (k0 + kDrawBatch passes 2^31 - 1 in the last batch of K near 2^31).
  const int64_t k_begin = (int64_t)blockIdx.y * draws_per_block;
  const int64_t k_end = a.samples - k_begin < draws_per_block ? a.samples : k_begin + draws_per_block;
  Team team(kLog2StreamBlock, &exchange);

  StreamRow sr;
  const int code = stream_choice_row(team, th_row, n, a.logits_vec, a.choice, row, &sr);
  if (code != GR_OK) {  // the whole block leaves together
    if (tid == 0 && blockIdx.y == 0) record_bad_row(a.status, row, code);
    return;
  }
  const int d = sr.d;
  const float log_sum = sr.log_sum;
  const float th_d = __ldg(th_row + d);
  const float neg_log_p_d = -log_softmax(th_d, sr.max, log_sum);
  if (!(neg_log_p_d < kInf)) {  // GR_NOISE_OVERFLOW: see the team kernel
    if (tid == 0 && blockIdx.y == 0) record_bad_row(a.status, row, GR_NOISE_OVERFLOW);
    return;
  }
  const int qd = d >> 2, wd = d & 3;

  for (int64_t k0 = k_begin; k0 < k_end; k0 += kDrawBatch) {
    const int batch = k_end - k0 < kDrawBatch ? (int)(k_end - k0) : kDrawBatch;
    for (int kk = tid; kk < batch; kk += kStreamBlock) {
      const uint32_t word =
          word_at(noise_words(a.key, (uint32_t)qd, (uint32_t)row, conditional_slot((uint32_t)(k0 + kk))), wd);
      const float e_d = exponential_from_uniform(uniform_open(word));
      const float g_d = conditional_gumbel_winner(neg_log_p_d, e_d);
      winner[kk] = WinnerInfo{e_d, g_d, th_d + g_d};
    }
    __syncthreads();
    for (int64_t tile = 0; tile < tiles; ++tile) {
      float th[kCols], p[kCols];
#pragma unroll
      for (int qi = 0; qi < kStreamQuads; ++qi) {
        const int64_t q = (tile * kStreamQuads + qi) * kStreamBlock + tid;
        load_quad(th_row, q, n, a.logits_vec, -kInf, &th[4 * qi]);
      }
#pragma unroll
      for (int j = 0; j < kCols; ++j)
        p[j] = fast_exp2_nonpositive(log_softmax(th[j], sr.max, log_sum) * kLog2e);
      for (int kk = 0; kk < batch; ++kk) {
        const WinnerInfo wi = winner[kk];
        const uint32_t slot = conditional_slot((uint32_t)(k0 + kk));
        float* out = a.noise + ((int64_t)(k0 + kk) * a.rows + row) * n;
        bool tie = false;
#pragma unroll
        for (int qi = 0; qi < kStreamQuads; ++qi) {
          const int64_t q = (tile * kStreamQuads + qi) * kStreamBlock + tid;
          if (4 * q >= n) continue;
          const Words4 words = noise_words(a.key, (uint32_t)q, (uint32_t)row, slot);
          float x[4];
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            const int j = 4 * qi + c;
            const bool is_d = 4 * q + c == d;
            x[c] = is_d ? wi.g_d
                        : conditional_gumbel_other(p[j], exponential_from_uniform(uniform_open(words.w[c])), wi.e_d);
            tie |= !is_d && !(th[j] + x[c] < wi.z_d);
          }
          store_quad(out, q, n, a.noise_vec, x);
        }
        if (tie)
          lower_ties(th_row, out, n, tile * kStreamQuads * kStreamBlock + tid, kStreamBlock,
                     kStreamQuads, d, wi.z_d);
      }
    }
    __syncthreads();  // `winner` is rewritten by the next batch
  }
}

int32_t conditional_gumbel(const op::ConditionalGumbel& c, uint64_t* status, void* stream) {
  const int64_t rows = c.rows;
  const int32_t arity = c.arity, samples = c.samples;
  cudaStream_t st = (cudaStream_t)stream;
  const ConditionalArgs a{c.logits, c.choice, c.noise, status, rows, arity, samples,
                          c.key(), rows_vectorisable(c.logits, arity),
                          rows_vectorisable(c.noise, arity)};

  if (arity > kTeamMaxArity) {
    int64_t slices = (kTargetBlocks + rows - 1) / rows;
    const int64_t max_slices = (samples + 7) / 8;  // at least 8 draws per block
    if (slices > max_slices) slices = max_slices;
    if (slices > 65535) slices = 65535;
    const int per_block = (int)((samples + slices - 1) / slices);
    const dim3 grid((unsigned)rows, (unsigned)(((int64_t)samples + per_block - 1) / per_block));
    conditional_gumbel_block_per_row_kernel<<<grid, kStreamBlock, 0, st>>>(a, per_block);
    return launch_status();
  }
  const int qpl = arity <= 4 ? 1 : arity <= 8 ? 2 : 4;
  const int log2_team = ceil_log2((arity + 4 * qpl - 1) / (4 * qpl));
  int log2_slices = 0;
  while (log2_team + log2_slices < kLog2Block &&
         ((int64_t)rows << (log2_team + log2_slices)) < kTargetThreads &&
         ((int64_t)kMinDrawsPerLane << (log2_slices + 1)) <= samples)
    ++log2_slices;
  const int64_t rows_per_block = kBlock >> (log2_team + log2_slices);
  const unsigned blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  switch (qpl) {
    case 1:
      conditional_gumbel_team_kernel<ColumnsPerLane<4>><<<blocks, kBlock, 0, st>>>(a, log2_team, log2_slices);
      break;
    case 2:
      conditional_gumbel_team_kernel<ColumnsPerLane<8>><<<blocks, kBlock, 0, st>>>(a, log2_team, log2_slices);
      break;
    default:
      conditional_gumbel_team_kernel<ColumnsPerLane<16>><<<blocks, kBlock, 0, st>>>(a, log2_team, log2_slices);
      break;
  }
  return launch_status();
}

}  // namespace gr::cuda
