// Binary variables on the GPU (one logit eta per row; math.h, "binary variables"):
//  - binary_sample_kernel: b = [eta + L > 0], L = logistic_from_uniform(u) with u the forward
//    noise of column 0 (Philox quad 0, word 0, slot 0: the counter layout of math.h), and with
//    antithetic also b~ = [eta - L > 0] (DisARM's partner), choice (and values) [draw][row];
//  - zgr_binary_kernel: dL/deta = zgr_binary_grad(g, eta, b);
//  - disarm_kernel: dL/deta = disarm_grad(f(b), f(b~), b, b~, eta), choice and losses [2][rows].
// The checks of gumbel_rao.h for binary rows, in JavaKernels' order: a NaN logit is
// GR_LOGITS_NAN (+-inf are certain outcomes, not errors); a given b outside {0, 1} is
// GR_CHOICE_RANGE, and b = 0 at eta = +inf or b = 1 at eta = -inf (an impossible draw) is
// GR_CHOICE_MASKED; ZGR's upstream value must be finite (GR_UPSTREAM_NOT_FINITE). Losses are
// checked finite by the Java layer before the call. Neither gradient can leave the float range
// (|zgr| <= |g| / 2, |disarm| <= max |f|).
//
// One thread per row, grid-stride: 4 bytes read and 4-8 written per row (plus the noise's one
// Philox call for sampling), so these run at memory speed with any launch shape.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

// The kernels' argument block, outside the anonymous namespace like the kernels (readable names
// in profilers: see gumbel_rao.cu).
struct BinaryArgs {
  const float* logits;
  const int32_t* choice;   // given draws (backward passes)
  const float* values;     // upstream (ZGR) or losses [2][rows] (DisARM)
  int32_t* choice_out;     // sampling: [draws][rows]
  float* out;              // sampling: values [draws][rows] or null; backward: grad
  uint64_t* status;
  int64_t rows;
  NoiseKey key;
  bool antithetic;
};

namespace {

// The checks of a given draw b of a row whose logit is not NaN.
__device__ __forceinline__ int binary_choice_code(float eta, int32_t b) {
  if (b < 0 || b > 1) return GR_CHOICE_RANGE;
  if (eta == (b == 1 ? -kInf : kInf)) return GR_CHOICE_MASKED;
  return GR_OK;
}

constexpr int kBinaryBlock = 256;
// Enough blocks for a large card at any row count; grid-stride beyond (launch shapes depend on
// rows only, and each row's result on the row alone).
constexpr int64_t kBinaryMaxBlocks = 8192;

}  // namespace

__global__ void __launch_bounds__(kBinaryBlock) binary_sample_kernel(const BinaryArgs a) {
  for (int64_t r = (int64_t)blockIdx.x * kBinaryBlock + threadIdx.x; r < a.rows;
       r += (int64_t)gridDim.x * kBinaryBlock) {
    const float eta = __ldg(a.logits + r);
    if (eta != eta) {
      record_bad_row(a.status, r, GR_LOGITS_NAN);
      continue;
    }
    const Words4 words = noise_words(a.key, 0u, (uint32_t)r, kForwardSlot);
    const float l = logistic_from_uniform(uniform_open(words.w[0]));
    const int32_t b = eta + l > 0.0f ? 1 : 0;
    a.choice_out[r] = b;
    if (a.out != nullptr) a.out[r] = (float)b;
    if (a.antithetic) {
      const int32_t bt = eta - l > 0.0f ? 1 : 0;
      a.choice_out[a.rows + r] = bt;
      if (a.out != nullptr) a.out[a.rows + r] = (float)bt;
    }
  }
}

__global__ void __launch_bounds__(kBinaryBlock) zgr_binary_kernel(const BinaryArgs a) {
  for (int64_t r = (int64_t)blockIdx.x * kBinaryBlock + threadIdx.x; r < a.rows;
       r += (int64_t)gridDim.x * kBinaryBlock) {
    const float eta = __ldg(a.logits + r);
    const int32_t b = __ldg(a.choice + r);
    const float g = __ldg(a.values + r);
    int code = eta != eta ? GR_LOGITS_NAN : binary_choice_code(eta, b);
    if (code == GR_OK && !(abs_value(g) < kInf)) code = GR_UPSTREAM_NOT_FINITE;
    if (code != GR_OK) {
      record_bad_row(a.status, r, code);
      continue;
    }
    a.out[r] = zgr_binary_grad(g, eta, b == 1);
  }
}

__global__ void __launch_bounds__(kBinaryBlock) disarm_kernel(const BinaryArgs a) {
  for (int64_t r = (int64_t)blockIdx.x * kBinaryBlock + threadIdx.x; r < a.rows;
       r += (int64_t)gridDim.x * kBinaryBlock) {
    const float eta = __ldg(a.logits + r);
    const int32_t b = __ldg(a.choice + r), bt = __ldg(a.choice + a.rows + r);
    int code = eta != eta ? GR_LOGITS_NAN : binary_choice_code(eta, b);
    if (code == GR_OK) code = binary_choice_code(eta, bt);
    const float f = __ldg(a.values + r), ft = __ldg(a.values + a.rows + r);
    if (code == GR_OK && !(abs_value(f) < kInf && abs_value(ft) < kInf)) code = GR_LOSSES_NOT_FINITE;
    if (code != GR_OK) {
      record_bad_row(a.status, r, code);
      continue;
    }
    a.out[r] = disarm_grad(f, ft, b == 1, bt == 1, eta);
  }
}

namespace {

unsigned binary_blocks(int64_t rows) {
  const int64_t b = (rows + kBinaryBlock - 1) / kBinaryBlock;
  return (unsigned)(b < kBinaryMaxBlocks ? b : kBinaryMaxBlocks);
}

}  // namespace

int32_t binary_sample(const op::BinarySample& c, uint64_t* status, void* stream) {
  BinaryArgs a{};
  a.logits = c.logits;
  a.choice_out = c.choice;
  a.out = c.values;
  a.status = status;
  a.rows = c.rows;
  a.key = c.key();
  a.antithetic = c.antithetic != 0;
  binary_sample_kernel<<<binary_blocks(c.rows), kBinaryBlock, 0, (cudaStream_t)stream>>>(a);
  return launch_status();
}

// ZGR-binary (values: the upstream) and DisARM (values: the losses [2][rows]).
int32_t binary_backward(bool disarm, const float* logits, const int32_t* choice,
                        const float* values, int64_t rows, float* grad, uint64_t* status,
                        void* stream) {
  BinaryArgs a{};
  a.logits = logits;
  a.choice = choice;
  a.values = values;
  a.out = grad;
  a.status = status;
  a.rows = rows;
  if (disarm)
    disarm_kernel<<<binary_blocks(rows), kBinaryBlock, 0, (cudaStream_t)stream>>>(a);
  else
    zgr_binary_kernel<<<binary_blocks(rows), kBinaryBlock, 0, (cudaStream_t)stream>>>(a);
  return launch_status();
}

int32_t zgr_binary_backward(const op::ZgrBinaryBackward& c, uint64_t* status, void* stream) {
  return binary_backward(false, c.logits, c.choice, c.upstream, c.rows, c.grad, status, stream);
}

int32_t disarm_backward(const op::DisarmBackward& c, uint64_t* status, void* stream) {
  return binary_backward(true, c.logits, c.choice, c.losses, c.rows, c.grad, status, stream);
}

}  // namespace gr::cuda
