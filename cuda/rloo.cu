// REINFORCE leave-one-out (RLOO, Kool et al. 2019) on the GPU: S samples D_1..D_S of a row with
// losses f_s (choice and losses laid out [S][rows]); grad_j = sum over the s with D_s = j of
// rloo_term(f_s - mean f, S) (math.h: the p term of the estimator sums to zero exactly; the row is
// exactly 0 when every D_s is one class), in double, rounded once. Every other class gets exactly
// +0, masked ones included (a masked class is never a valid D_s).
//
// The gradient row is zero except at the (at most S) chosen classes, so a team of T lanes per row
// (T = ceil(arity / 16) rounded to a power of two, at most kStreamBlock) reads the logits once
// for the checks of gumbel_rao.h, writes the zero row, and after a barrier the lane of sample s
// writes column D_s when s is that column's first sample, summing its samples in the order
// s = 0, 1, ... as the JAVA oracle does (O(S^2 / T) per lane: S is small, the gradient row is
// long). Every lane checks the samples and forms the mean itself, in that same order, from the
// cached [S][rows] arrays, so D_s checks report the lowest bad sample and the mean matches the
// oracle's double sum bit for bit. Memory: 4 bytes read and 4 written per element, plus 8 per
// sample.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

// The kernel's argument block, outside the anonymous namespace like the kernel (readable names
// in profilers: see gumbel_rao.cu).
struct RlooArgs {
  const float* logits;
  const int32_t* choice;  // [samples][rows]
  const float* losses;    // [samples][rows]
  float* grad;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  int32_t samples;
  bool logits_vec, grad_vec;
};

// Teams of T = 2^log2_team lanes, max(kBlock, T) threads per block (T = kStreamBlock: a block
// per row).
__global__ void __launch_bounds__(kStreamBlock) rloo_team_kernel(const RlooArgs a, int log2_team) {
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int T = 1 << log2_team, t = tid & (T - 1);
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> log2_team) + (tid >> log2_team);
  const bool live = row < a.rows;
  const int64_t n = a.arity, nq = (n + 3) / 4, rows = a.rows;
  const float* th_row = a.logits + (live ? row : 0) * n;
  Team team(log2_team, &exchange);

  RowScan scan = scan_start();
  if (live) {
    for (int64_t q = t; q < nq; q += T) {
      float x[4];
      load_quad(th_row, q, n, a.logits_vec, -kInf, x);
#pragma unroll
      for (int c = 0; c < 4; ++c) scan_add(scan, x[c]);
    }
  }
  scan = team.all(scan, MergeScan());
  int code = live ? scan_code(scan) : GR_OK;
  double mean = 0.0;
  if (live && code == GR_OK) {  // the samples in order: the first bad one decides the code
    for (int32_t s = 0; s < a.samples && code == GR_OK; ++s)
      code = choice_code(th_row, n, __ldg(a.choice + s * rows + row));
    for (int32_t s = 0; s < a.samples && code == GR_OK; ++s) {  // then the losses
      const float f = __ldg(a.losses + s * rows + row);
      if (!(abs_value(f) < kInf)) code = GR_LOSSES_NOT_FINITE;
      mean += (double)f;
    }
    mean /= (double)a.samples;
  }
  if (live && code != GR_OK && t == 0) record_bad_row(a.status, row, code);
  const bool ok = live && code == GR_OK;
  float* out = a.grad + (live ? row : 0) * n;
  if (ok) {
    const float zero[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int64_t q = t; q < nq; q += T) store_quad(out, q, n, a.grad_vec, zero);
  }
  __syncthreads();  // the zero row is written before the chosen columns overwrite it
  if (!ok) return;
  bool overflow = false;
  for (int32_t s = t; s < a.samples; s += T) {
    const int32_t j = __ldg(a.choice + s * rows + row);
    bool first = true;
    for (int32_t e = 0; e < s && first; ++e) first = __ldg(a.choice + e * rows + row) != j;
    if (!first) continue;
    double sum = 0.0;
    int32_t count = 0;
    for (int32_t e = s; e < a.samples; ++e)
      if (__ldg(a.choice + e * rows + row) == j) {
        sum += rloo_term((double)__ldg(a.losses + e * rows + row) - mean, a.samples);
        ++count;
      }
    // every sample at class j: the row's gradient is exactly 0 (math.h)
    const float x = count == a.samples ? 0.0f : (float)sum;
    if (abs_value(x) < kInf)
      out[j] = x;
    else
      overflow = true;
  }
  if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
}

int32_t rloo_backward(const op::RlooBackward& c, uint64_t* status, void* stream) {
  const int64_t rows = c.rows;
  const int32_t arity = c.arity;
  if ((int64_t)c.samples * rows > INT64_MAX / 4) return (int32_t)cudaErrorInvalidValue;
  const RlooArgs a{c.logits, c.choice, c.losses, c.grad, status, rows, arity, c.samples,
                   rows_vectorisable(c.logits, arity), rows_vectorisable(c.grad, arity)};
  const int64_t nq = ((int64_t)arity + 3) / 4;
  int log2_team = ceil_log2((nq + 3) / 4);  // about 4 quads per lane
  if (log2_team > kLog2StreamBlock) log2_team = kLog2StreamBlock;
  const int block = log2_team > kLog2Block ? kStreamBlock : kBlock;
  const int64_t rows_per_block = block >> log2_team;
  const unsigned blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  rloo_team_kernel<<<blocks, block, 0, (cudaStream_t)stream>>>(a, log2_team);
  return launch_status();
}

}  // namespace gr::cuda
