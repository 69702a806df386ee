// Sampling on the GPU: D = argmax_j perturbed_logit(theta_j, m, G_j) = argmax_j((theta_j - m) + G_j),
// m the row maximum and G the forward noise (slot 0), first index on ties, with the row checks of
// gumbel_rao.h; optionally the one-hot rows. The maximum shift is math.h's (the JAVA and CPU
// backends perturb the same way), so D stays the same as theirs for huge logits, where theta + G
// would round G away (issue 9).
//
// Two passes over the logits: the checks and the maximum, then the argmax. The second pass
// re-reads the row, which the first has just brought into L1 for rows up to a team's share of it
// (8 quads per lane: 32 KiB per block of 256 lanes), into L2 for longer ones: DRAM traffic stays
// 4 bytes per element (plus the one-hot rows when asked for) except for rows of more than
// 32768 classes (cuda/NOTES.md). A team of T lanes streams each row: lane t takes quads t,
// t + T, ..., each one float4 load (when rows are 16-byte aligned) and one Philox call, so a
// warp's loads are contiguous whatever the arity: T = half the row's quad count up to 16, so
// that each lane has two loads in flight (several rows per warp for small arity: bytes in
// flight, not instructions, limit a one-pass kernel), a warp for up to kWarpMaxQuads quads, then
// wider teams (several warps, up to a block of 1024) so that a long row is read by many lanes.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {
namespace {

constexpr int kWarpMaxQuads = 256;  // up to 8 quads per lane for a warp per row
constexpr int kQuadsPerLane = 8;    // wider teams: about this many quads per lane
constexpr int kMaxTeam = 1024;

}  // namespace

// The kernel's argument block, outside the anonymous namespace like the kernel (readable names in
// profilers: see gumbel_rao.cu).
struct SampleArgs {
  const float* logits;
  int32_t* choice;
  float* one_hot;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  NoiseKey key;
  bool logits_vec, one_hot_vec;
};

// One team of T = 2^log2_team lanes (1 to 1024) per row.
__global__ void __launch_bounds__(kMaxTeam) sample_team_kernel(const SampleArgs a, int log2_team) {
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int T = 1 << log2_team, t = tid & (T - 1);
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> log2_team) + (tid >> log2_team);
  const bool live = row < a.rows;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const float* th_row = a.logits + (live ? row : 0) * n;
  Team team(log2_team, &exchange);

  RowScan scan = scan_start();
  if (live) {
#pragma unroll 2
    for (int64_t q = t; q < nq; q += T) {
      float x[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, x);
#pragma unroll
      for (int c = 0; c < 4; ++c) scan_add(scan, x[c]);
    }
  }
  scan = team.all(scan, MergeScan());
  const int code = scan_code(scan);
  ArgMax top{-kInf, 0};
  if (live && code == GR_OK) {
#pragma unroll 2
    for (int64_t q = t; q < nq; q += T) {
      float x[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, x);
      const Words4 words = noise_words(a.key, (uint32_t)q, (uint32_t)row, kForwardSlot);
#pragma unroll
      for (int c = 0; c < 4; ++c)
        top = argmax_merge(top, ArgMax{perturbed_logit(x[c], scan.max, gumbel_from_uniform(uniform_open(words.w[c]))),
                                       (int)(4 * q + c)});
    }
  }
  top = team.all(top, MaxArgMax());
  if (!live) return;  // after the last reduction
  if (code != GR_OK) {
    if (t == 0) record_bad_row(a.status, row, code);
    return;
  }
  if (t == 0) a.choice[row] = top.j;
  if (a.one_hot != nullptr) {
    float* oh = a.one_hot + row * n;
    for (int64_t q = t; q < nq; q += T) {
      float x[4];
#pragma unroll
      for (int c = 0; c < 4; ++c) x[c] = 4 * q + c == top.j ? 1.0f : 0.0f;
      store_quad(oh, q, n, a.one_hot_vec, x);
    }
  }
}

int32_t sample(const op::Sample& c, uint64_t* status, void* stream) {
  const int64_t rows = c.rows;
  const int32_t arity = c.arity;
  const SampleArgs a{c.logits, c.choice, c.one_hot, status, rows, arity, c.key(),
                     rows_vectorisable(c.logits, arity), rows_vectorisable(c.one_hot, arity)};
  const int64_t nq = ((int64_t)arity + 3) / 4;
  int log2_team;
  if (nq <= kWarp)  // two quads per lane: two loads in flight per thread
    log2_team = nq > 1 ? ceil_log2(nq) - 1 : 0;
  else if (nq <= kWarpMaxQuads)
    log2_team = 5;
  else
    log2_team = ceil_log2((nq + kQuadsPerLane - 1) / kQuadsPerLane);
  if (log2_team > 10) log2_team = 10;
  const int block = log2_team > kLog2Block ? 1 << log2_team : kBlock;
  const int64_t rows_per_block = block >> log2_team;
  const unsigned blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  sample_team_kernel<<<blocks, block, 0, (cudaStream_t)stream>>>(a, log2_team);
  return launch_status();
}

}  // namespace gr::cuda
