// REINFORCE with a baseline on the GPU: grad_j = (f_row - b) * (onehot(D)_j - p_j)
// (reinforce_grad of math.h), with 1 - p_D passed as sum_{i != D} p_i as in the CPU backend.
// f - b is formed in double (the JAVA oracle's policy: losses and baselines of up to 3.4e38 give
// differences up to 6.8e38) and enters math.h's float formula scaled by a power of two
// (scaled_scalar), scaled back when stored: a component beyond the float range is reported
// (GR_GRAD_OVERFLOW) instead of written; masked classes get exactly +0.
// Memory-bound: the same team mapping as softmax_family.cu (row in registers for arity <= 4096,
// a block per row that re-reads it beyond).
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

// The kernels' argument block, outside the anonymous namespace like the kernels (readable names
// in profilers: see gumbel_rao.cu).
struct ReinforceArgs {
  const float* logits;
  const int32_t* choice;
  const float* losses;
  float* grad;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  float baseline;
  bool logits_vec, grad_vec;
};

template <class Cols>
__global__ void __launch_bounds__(kBlock)
    reinforce_team_kernel(const ReinforceArgs a, int log2_team) {
  constexpr int QPL = Cols::kQuads, kCols = Cols::kColumns;
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int T = 1 << log2_team, t = tid & (T - 1);
  const int64_t row = (int64_t)blockIdx.x * (kBlock >> log2_team) + (tid >> log2_team);
  const int n = a.arity;
  Team team(log2_team, &exchange);

  float p[kCols];  // theta, then p
  const PreparedRow pr =
      prepare_row<QPL>(a.logits, a.choice, a.rows, n, row, a.logits_vec, a.status, t == 0, team, p);
  uint32_t masked = 0;  // bit j for a -inf logit
  float rest = 0.0f;
#pragma unroll
  for (int i = 0; i < QPL; ++i)
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * i + c;
      masked |= (p[j] == -kInf ? 1u : 0u) << j;
      p[j] = fast_exp2_nonpositive(log_softmax(p[j], pr.max, pr.log_sum) * kLog2e);
      if (4 * (t + (int64_t)T * i) + c != pr.d) rest += p[j];
    }
  rest = team.all(rest, AddF());
  if (!pr.ok) return;  // after the last reduction: no shuffle or barrier follows
  const ScaledScalar fb = scaled_scalar((double)__ldg(a.losses + row) - (double)a.baseline);
  store_lane_row<QPL>(a.grad + row * (int64_t)n, t, T, n, a.grad_vec, a.status, row,
                      [&](int j, int64_t column) {
                        return (masked >> j) & 1u ? 0.0f
                                                  : reinforce_grad(fb.value, column == pr.d, p[j], rest) * fb.up;
                      });
}

// One row per block: validation, log-sum, sum_{j != D} p_j, then the gradient, each a pass over
// the row.
__global__ void __launch_bounds__(kStreamBlock)
    reinforce_block_per_row_kernel(const ReinforceArgs a) {
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const float* th_row = a.logits + row * n;
  Team team(kLog2StreamBlock, &exchange);

  StreamRow sr;
  const int code = stream_choice_row(team, th_row, n, a.logits_vec, a.choice, row, &sr);
  if (code != GR_OK) {  // the whole block leaves together
    if (tid == 0) record_bad_row(a.status, row, code);
    return;
  }
  const int64_t d = sr.d;
  const float log_sum = sr.log_sum;
  ChunkedSum rest_sum;
  for (int64_t q = tid; q < nq; q += kStreamBlock) {
    float x[4];
    load_quad(th_row, q, n, a.logits_vec, -kInf, x);
#pragma unroll
    for (int c = 0; c < 4; ++c)
      if (4 * q + c != d)
        rest_sum.add(fast_exp2_nonpositive(log_softmax(x[c], sr.max, log_sum) * kLog2e));
  }
  const float rest = (float)team.all(rest_sum.value(), AddD());
  const ScaledScalar fb = scaled_scalar((double)__ldg(a.losses + row) - (double)a.baseline);
  float* out = a.grad + row * n;
  bool overflow = false;
  for (int64_t q = tid; q < nq; q += kStreamBlock) {
    float x[4];
    load_quad(th_row, q, n, a.logits_vec, -kInf, x);
#pragma unroll
    for (int c = 0; c < 4; ++c)
      x[c] = x[c] == -kInf ? 0.0f
                           : reinforce_grad(fb.value, 4 * q + c == d,
                                            fast_exp2_nonpositive(log_softmax(x[c], sr.max, log_sum) * kLog2e),
                                            rest) * fb.up;
    overflow |= store_quad_finite(out, q, n, a.grad_vec, x);
  }
  if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
}

int32_t reinforce_backward(const op::ReinforceBackward& c, uint64_t* status, void* stream) {
  const int64_t rows = c.rows;
  const int32_t arity = c.arity;
  cudaStream_t st = (cudaStream_t)stream;
  const ReinforceArgs a{c.logits, c.choice, c.losses, c.grad, status, rows, arity, c.baseline,
                        rows_vectorisable(c.logits, arity), rows_vectorisable(c.grad, arity)};
  if (arity > kTeamMaxArity) {
    reinforce_block_per_row_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
    return launch_status();
  }
  const RegisterLaunch shape = register_launch(rows, arity);
  if (shape.qpl == 1)
    reinforce_team_kernel<ColumnsPerLane<4>><<<shape.blocks, kBlock, 0, st>>>(a, shape.log2_team);
  else
    reinforce_team_kernel<ColumnsPerLane<16>><<<shape.blocks, kBlock, 0, st>>>(a, shape.log2_team);
  return launch_status();
}

}  // namespace gr::cuda
