// The backward passes that are functions of (theta, D, g) alone, one kernel for three estimators
// (estimators.md, "Beyond the paper"), every formula from math.h:
//  - ZGR (Shekhovtsov 2023):  grad_j = zgr_grad(p_j, gs_j, <p, gs>, j = D);
//  - ReinMax (Liu et al. 2023): pi = reinmax_pi(softmax(theta / tau), e_D),
//    grad_j = reinmax_grad(pi_j, p_j, gs_j, <pi, gs>, <p, gs>);
//  - gapped straight-through (Fan et al. 2022): theta' - max = gst_shifted_logit(theta - max, e_D,
//    gap) with gap = `gap`, or gst_gap_p(p_D) when gap = 0 (GST-p); s = softmax(theta' / tau),
//    grad_j = softmax_jvp(s_j, gs_j, <s, gs>) / tau;
// with p = softmax(theta) (log_softmax of the row maximum and log-sum) and gs = g - g_D. The
// upstream row follows row_team.cuh's policy (checks in JavaKernels' order after the logits and
// the choice, masked classes read as 0 and given exactly +0, the power-of-two scale that keeps
// g - g_D finite, GR_GRAD_OVERFLOW for a component beyond the float range); the three gradients
// are linear in g, so the scale comes back as one multiplication by a power of two.
//
// One draw per row and no noise, so these are memory-bound: 8 bytes read and 4 written per
// element. Mappings as softmax_family.cu (the kernel table is in cuda/NOTES.md): a team of T
// lanes per row with the row in registers, 4 columns per lane for arity <= 128 and 16 for arity
// <= 4096; longer rows a block per row, each pass re-reading the row (L1/L2) instead of holding
// it.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

enum class ChoiceEstimator : int32_t { kZgr = 0, kReinMax = 1, kGst = 2 };

// The kernels' argument block, outside the anonymous namespace like the kernels (readable names
// in profilers: see gumbel_rao.cu).
struct ChoiceArgs {
  const float* logits;
  const int32_t* choice;
  const float* upstream;
  float* grad;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  ChoiceEstimator estimator;
  float tau;
  float scale;  // log2(e) / tau, finite (ReinMax, GST)
  float gap;    // GST: > 0, or 0 for GST-p
  bool logits_vec, upstream_vec, grad_vec;
};

namespace {

// The exponent base of the tempered softmax, e_j = exp2(x_j scale) with x_j <= 0: ReinMax's
// theta_j - max, GST's shifted logit.
__device__ __forceinline__ float tempered_exponent(const ChoiceArgs& a, float th_minus_max,
                                                   bool is_d, float gap) {
  return a.estimator == ChoiceEstimator::kGst ? gst_shifted_logit(th_minus_max, is_d, gap)
                                              : th_minus_max;
}

// One element's gradient (before the upstream scale comes back): s_j the tempered softmax
// (ReinMax, GST), dots the row's dot products ((<p, gs>, -) for ZGR; (<pi, gs>, <p, gs>) for
// ReinMax; (<s, gs>, -) for GST).
__device__ __forceinline__ float element_grad(const ChoiceArgs& a, float p_j, float s_j,
                                              float gs_j, bool is_d, Sum2 dots) {
  switch (a.estimator) {
    case ChoiceEstimator::kZgr:
      return zgr_grad(p_j, gs_j, dots.a, is_d);
    case ChoiceEstimator::kReinMax:
      return reinmax_grad(reinmax_pi(s_j, is_d), p_j, gs_j, dots.a, dots.b);
    default:
      return softmax_jvp(s_j, gs_j, dots.a) / a.tau;
  }
}

// One element's share of the row's dot products (see element_grad).
__device__ __forceinline__ Sum2 element_dots(const ChoiceArgs& a, float p_j, float s_j,
                                             float gs_j, bool is_d) {
  switch (a.estimator) {
    case ChoiceEstimator::kZgr:
      return Sum2{p_j * gs_j, 0.0f};
    case ChoiceEstimator::kReinMax:
      return Sum2{reinmax_pi(s_j, is_d) * gs_j, p_j * gs_j};
    default:
      return Sum2{s_j * gs_j, 0.0f};
  }
}

// GST's gap for the row: the caller's, or GST-p's from p_D.
__device__ __forceinline__ float row_gap(const ChoiceArgs& a, float th_d, float max,
                                         float log_sum) {
  if (a.estimator != ChoiceEstimator::kGst || a.gap > 0.0f) return a.gap;
  return gst_gap_p(fast_exp2_nonpositive(log_softmax(th_d, max, log_sum) * kLog2e));
}

}  // namespace

struct UpstreamAndSum {  // the upstream magnitude and the tempered softmax's sum, one reduction
  float magnitude, sum;
};
struct MergeUpstreamAndSum {
  __device__ UpstreamAndSum operator()(UpstreamAndSum x, UpstreamAndSum y) const {
    return UpstreamAndSum{fmaxf(x.magnitude, y.magnitude), x.sum + y.sum};
  }
};
__device__ __forceinline__ UpstreamAndSum shfl_xor(UpstreamAndSum v, int m) {
  return UpstreamAndSum{shfl_xor(v.magnitude, m), shfl_xor(v.sum, m)};
}

// ------------------------------------------------------------------------------ team kernel
template <class Cols>
__global__ void __launch_bounds__(kBlock)
    choice_family_team_kernel(const ChoiceArgs a, int log2_team) {
  constexpr int QPL = Cols::kQuads, kCols = Cols::kColumns;
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int T = 1 << log2_team, t = tid & (T - 1);
  const int64_t row = (int64_t)blockIdx.x * (kBlock >> log2_team) + (tid >> log2_team);
  const int n = a.arity;
  const bool tempered = a.estimator != ChoiceEstimator::kZgr;
  Team team(log2_team, &exchange);

  float th[kCols];
  const PreparedRow pr =
      prepare_row<QPL>(a.logits, a.choice, a.rows, n, row, a.logits_vec, a.status, t == 0, team, th);
  const int d = pr.d;
  const float th_d = pr.ok ? __ldg(a.logits + row * (int64_t)n + d) : 0.0f;
  const float gap = row_gap(a, th_d, pr.max, pr.log_sum);

  // The upstream row (gumbel_rao.h's checks, the scale) and the tempered softmax's numerators,
  // reduced together.
  const float* g_row = a.upstream + (pr.ok ? row : 0) * (int64_t)n;
  float g[kCols], p[kCols], s[kCols];
  UpstreamAndSum us{0.0f, 0.0f};
#pragma unroll
  for (int i = 0; i < QPL; ++i) {
    const int64_t q = t + (int64_t)T * i;
    float x[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (pr.ok) load_quad(g_row, q, n, a.upstream_vec, 0.0f, x);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * i + c;
      us.magnitude = fmaxf(us.magnitude, upstream_magnitude(th[j], x[c]));
      g[j] = th[j] == -kInf ? 0.0f : x[c];
      p[j] = fast_exp2_nonpositive(log_softmax(th[j], pr.max, pr.log_sum) * kLog2e);
      s[j] = tempered ? fast_exp2_nonpositive(tempered_exponent(a, th[j] - pr.max, 4 * q + c == d, gap) * a.scale)
                      : 0.0f;
      us.sum += s[j];
    }
  }
  us = team.all(us, MergeUpstreamAndSum());
  const bool ok = pr.ok && us.magnitude < kInf;
  if (pr.ok && !ok && t == 0) record_bad_row(a.status, row, GR_UPSTREAM_NOT_FINITE);
  const UpstreamScale sc = upstream_scale(ok ? us.magnitude : 0.0f);
  const float g_d = ok ? __ldg(g_row + d) * sc.down : 0.0f;
  const float inv_sum = tempered ? 1.0f / us.sum : 0.0f;

  Sum2 part{0.0f, 0.0f};
#pragma unroll
  for (int i = 0; i < QPL; ++i)
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * i + c;
      g[j] = ok && th[j] != -kInf ? g[j] * sc.down - g_d : 0.0f;  // gs, scaled
      s[j] *= inv_sum;
      const Sum2 e = element_dots(a, p[j], s[j], g[j], 4 * (t + (int64_t)T * i) + c == d);
      part.a += e.a;
      part.b += e.b;
    }
  const Sum2 dots = team.all(part, AddSum2());
  if (!ok) return;  // after the last reduction: no shuffle or barrier follows

  store_lane_row<QPL>(a.grad + row * (int64_t)n, t, T, n, a.grad_vec, a.status, row,
                      [&](int j, int64_t column) {
                        return th[j] == -kInf ? 0.0f
                                              : element_grad(a, p[j], s[j], g[j], column == d, dots) * sc.up;
                      });
}

// ------------------------------------------------------------------- block-per-row kernel
// One row per block of kStreamBlock lanes: the checks and the log-sum (stream_choice_row), the
// upstream checks with the tempered sum, the dot products, then the gradient, each a pass over
// the row.
__global__ void __launch_bounds__(kStreamBlock)
    choice_family_block_per_row_kernel(const ChoiceArgs a) {
  __shared__ TeamExchange exchange;
  const int tid = threadIdx.x;
  const int64_t row = blockIdx.x;
  const int64_t n = a.arity, nq = (n + 3) / 4;
  const float* th_row = a.logits + row * n;
  const float* g_row = a.upstream + row * n;
  const bool tempered = a.estimator != ChoiceEstimator::kZgr;
  Team team(kLog2StreamBlock, &exchange);

  StreamRow sr;
  int code = stream_choice_row(team, th_row, n, a.logits_vec, a.choice, row, &sr);
  if (code != GR_OK) {  // the whole block leaves together
    if (tid == 0) record_bad_row(a.status, row, code);
    return;
  }
  const int64_t d = sr.d;
  const float gap = row_gap(a, __ldg(th_row + d), sr.max, sr.log_sum);
  float magnitude = 0.0f;
  ChunkedSum sum;
  for (int64_t q = tid; q < nq; q += kStreamBlock) {
    float th[4], g[4];
    load_quad(th_row, q, n, a.logits_vec, -kInf, th);
    load_quad(g_row, q, n, a.upstream_vec, 0.0f, g);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      magnitude = fmaxf(magnitude, upstream_magnitude(th[c], g[c]));
      if (tempered)
        sum.add(fast_exp2_nonpositive(tempered_exponent(a, th[c] - sr.max, 4 * q + c == d, gap) * a.scale));
    }
  }
  magnitude = team.all(magnitude, MaxF());
  const float inv_sum = tempered ? (float)(1.0 / team.all(sum.value(), AddD())) : 0.0f;
  if (!(magnitude < kInf)) {
    if (tid == 0) record_bad_row(a.status, row, GR_UPSTREAM_NOT_FINITE);
    return;
  }
  const UpstreamScale sc = upstream_scale(magnitude);
  const float g_d = __ldg(g_row + d) * sc.down;

  // The element values of quad q: p, s, gs (scaled), as every pass recomputes them.
  auto quad = [&](int64_t q, float* th, float* p, float* s, float* gs) {
    load_quad(th_row, q, n, a.logits_vec, -kInf, th);
    load_upstream_quad(g_row, q, n, a.upstream_vec, th, sc.down, gs);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      p[c] = fast_exp2_nonpositive(log_softmax(th[c], sr.max, sr.log_sum) * kLog2e);
      s[c] = tempered ? fast_exp2_nonpositive(tempered_exponent(a, th[c] - sr.max, 4 * q + c == d, gap) * a.scale) * inv_sum
                      : 0.0f;
      gs[c] = th[c] == -kInf ? 0.0f : gs[c] - g_d;
    }
  };
  ChunkedSum dot_a, dot_b;
  for (int64_t q = tid; q < nq; q += kStreamBlock) {
    float th[4], p[4], s[4], gs[4];
    quad(q, th, p, s, gs);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const Sum2 e = element_dots(a, p[c], s[c], gs[c], 4 * q + c == d);
      dot_a.add(e.a);
      dot_b.add(e.b);
    }
  }
  const Sum2 dots{(float)team.all(dot_a.value(), AddD()), (float)team.all(dot_b.value(), AddD())};
  float* out = a.grad + row * n;
  bool overflow = false;
  for (int64_t q = tid; q < nq; q += kStreamBlock) {
    float th[4], p[4], s[4], gs[4], x[4];
    quad(q, th, p, s, gs);
#pragma unroll
    for (int c = 0; c < 4; ++c)
      x[c] = th[c] == -kInf ? 0.0f : element_grad(a, p[c], s[c], gs[c], 4 * q + c == d, dots) * sc.up;
    overflow |= store_quad_finite(out, q, n, a.grad_vec, x);
  }
  if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
}

namespace {

int32_t launch_choice_family(const float* logits, const int32_t* choice, const float* upstream,
                             int64_t rows, int32_t arity, ChoiceEstimator estimator, float tau,
                             float gap, float* grad, uint64_t* status, void* stream) {
  cudaStream_t st = (cudaStream_t)stream;
  const ChoiceArgs a{logits, choice, upstream, grad, status, rows, arity, estimator, tau,
                     inverse_temperature(tau * kLn2), gap, rows_vectorisable(logits, arity),
                     rows_vectorisable(upstream, arity), rows_vectorisable(grad, arity)};
  if (arity > kTeamMaxArity) {
    choice_family_block_per_row_kernel<<<(unsigned)rows, kStreamBlock, 0, st>>>(a);
    return launch_status();
  }
  const RegisterLaunch shape = register_launch(rows, arity);
  if (shape.qpl == 1)
    choice_family_team_kernel<ColumnsPerLane<4>><<<shape.blocks, kBlock, 0, st>>>(a, shape.log2_team);
  else
    choice_family_team_kernel<ColumnsPerLane<16>><<<shape.blocks, kBlock, 0, st>>>(a, shape.log2_team);
  return launch_status();
}

}  // namespace

int32_t zgr_backward(const op::ZgrBackward& c, uint64_t* status, void* stream) {
  return launch_choice_family(c.logits, c.choice, c.upstream, c.rows, c.arity,
                              ChoiceEstimator::kZgr, 1.0f, 0.0f, c.grad, status, stream);
}

int32_t reinmax_backward(const op::ReinmaxBackward& c, uint64_t* status, void* stream) {
  return launch_choice_family(c.logits, c.choice, c.upstream, c.rows, c.arity,
                              ChoiceEstimator::kReinMax, c.tau, 0.0f, c.grad, status, stream);
}

int32_t gst_backward(const op::GstBackward& c, uint64_t* status, void* stream) {
  return launch_choice_family(c.logits, c.choice, c.upstream, c.rows, c.arity,
                              ChoiceEstimator::kGst, c.tau, c.gap, c.grad, status, stream);
}

}  // namespace gr::cuda
