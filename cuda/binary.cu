// Binary variables on the GPU (one logit eta per row; math.h, "binary variables"):
// binary_sample's n draws per row, choice (and values) [draw][row]:
//  - binary_sample_kernel, n = 1: b = [eta + L > 0], L = logistic_from_uniform(u) with u the
//    forward noise of column 0 (Philox quad 0, word 0, slot 0: the counter layout of math.h);
//    n = 2: also DisARM's antithetic b~ = [eta - L > 0] as draw 1;
//  - binary_copula_kernel, n >= 3: ARMS's Dirichlet copula (math.h, arms_copula_bit):
//    e_k = exponential_from_uniform(u_k), u_k the forward noise of column k (so draw 0 uses the
//    uniform of n = 1), S = e_0 + ... + e_{n-1} summed left to right from 0, and draw k compares
//    (n - 1)(log2 S_minus_k - log2 S) with log2 pbar, S_minus_k = P_k + Q_k with the prefix
//    P_k = e_0 + ... + e_{k-1} (left to right from 0) and the suffix Q_k = e_{n-1} + ... + e_{k+1}
//    (from 0, starting at e_{n-1}): the CPU backend's float operations in the same order, so the
//    two differ only through the hardware log2/exp2. For n <= kCopulaRegisterDraws the e_k and
//    Q_k live in registers; beyond, a first pass writes P_k (as float bits) into the draw's own
//    choice element and S, and a second pass in reverse (k = n-1..0) recomputes e_k from the
//    noise, carries Q_k and overwrites the element with b_k (any n, no stack frame, no scratch
//    allocation; the thread rereads only what it wrote itself);
//  - zgr_binary_kernel: dL/deta = zgr_binary_grad(g, eta, b);
//  - disarm_kernel: dL/deta = disarm_grad(f(b), f(b~), b, b~, eta), choice and losses [2][rows];
//  - arms_kernel: n >= 2 draws and losses [n][rows]; mean f = (sum_k f_k) / n and
//    sum = sum over the b_k = 1 of (f_k - mean f), both in double in the order k = 0..n-1, then
//    grad = (float)(arms_scale(eta, n) sum), exactly 0 when every b_k is the same.
// The checks of gumbel_rao.h for binary rows, in JavaKernels' order: a NaN logit is
// GR_LOGITS_NAN (+-inf are certain outcomes, not errors); a given b outside {0, 1} is
// GR_CHOICE_RANGE, and b = 0 at eta = +inf or b = 1 at eta = -inf (an impossible draw) is
// GR_CHOICE_MASKED; ZGR's upstream value must be finite (GR_UPSTREAM_NOT_FINITE); DisARM's and
// ARMS's losses must be finite (GR_LOSSES_NOT_FINITE), checked after every draw of the row.
// No binary gradient can leave the float range (|zgr| <= |g| / 2, |disarm| <= max |f|, and
// |arms| <= max |f|: D <= 1, and the sum over m ones of n draws is at most m (n - m) / n 2 max |f|
// with m (n - m) / n / (n - 1) <= 1/2); ARMS still checks its float result and reports
// GR_GRAD_OVERFLOW as the CPU backend does.
//
// One thread per row, grid-stride: per row 4 bytes read and 4-8 written per draw (plus one
// Philox call per 4 draws for sampling; the backward passes read the row's draws and losses
// with coalesced [draw][row] loads), so these run at memory speed with any launch shape.
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

// The kernels' argument block, outside the anonymous namespace like the kernels (readable names
// in profilers: see gumbel_rao.cu).
struct BinaryArgs {
  const float* logits;
  const int32_t* choice;   // given draws (backward passes), [draws][rows]
  const float* values;     // upstream (ZGR) or losses [draws][rows] (DisARM, ARMS)
  int32_t* choice_out;     // sampling: [draws][rows]
  float* out;              // sampling: values [draws][rows] or null; backward: grad
  uint64_t* status;
  int64_t rows;
  NoiseKey key;
  int32_t draws;           // sampling: n >= 1; ARMS: n >= 2
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
// Copula draws whose e_k and suffix sums stay in registers (two Philox quads).
constexpr int kCopulaRegisterDraws = 8;

// Draw k of row r (element k rows + r), and its value when asked for.
__device__ __forceinline__ void put_draw(const BinaryArgs& a, int64_t at, int32_t b) {
  a.choice_out[at] = b;
  if (a.out != nullptr) a.out[at] = (float)b;
}

// The copula's e_k of one Philox quad of the forward noise.
__device__ __forceinline__ void quad_exponentials(const BinaryArgs& a, uint32_t quad, int64_t r,
                                                  float e[4]) {
  const Words4 w = noise_words(a.key, quad, (uint32_t)r, kForwardSlot);
#pragma unroll
  for (int i = 0; i < 4; ++i) e[i] = exponential_from_uniform(uniform_open(w.w[i]));
}

// n in [3, kCopulaRegisterDraws]: every e_k and Q_k in registers (unrolled, guarded by k < n).
__device__ __forceinline__ void copula_row_registers(const BinaryArgs& a, int64_t r, float eta) {
  constexpr int K = kCopulaRegisterDraws;
  const int32_t n = a.draws;
  float e[K], suffix[K];
#pragma unroll
  for (int q = 0; q < K / 4; ++q)
    if (4 * q < n) quad_exponentials(a, (uint32_t)q, r, e + 4 * q);
  float s = 0.0f;
#pragma unroll
  for (int k = 0; k < K; ++k)
    if (k < n) s += e[k];
  float acc = 0.0f;
#pragma unroll
  for (int k = K - 1; k >= 0; --k)
    if (k < n) {
      suffix[k] = acc;
      acc += e[k];
    }
  const float log2_pbar = log2_sigmoid_of_minus_abs(eta);
  float prefix = 0.0f;
#pragma unroll
  for (int k = 0; k < K; ++k)
    if (k < n) {
      const bool b = arms_copula_bit(eta, log2_pbar, prefix + suffix[k], s, n);
      put_draw(a, (int64_t)k * a.rows + r, b ? 1 : 0);
      prefix += e[k];
    }
}

// Any n >= 3: P_k parked in the draw's own choice element (float bits), then the draws in
// reverse with Q_k carried and e_k recomputed (the same Philox words, so the same e_k).
__device__ __forceinline__ void copula_row_two_pass(const BinaryArgs& a, int64_t r, float eta) {
  const int32_t n = a.draws;
  const int64_t rows = a.rows;
  const int32_t quads = (int32_t)(((int64_t)n + 3) / 4);  // n up to 2^31 - 1
  float prefix = 0.0f;
  for (int32_t q = 0; q < quads; ++q) {
    float e[4];
    quad_exponentials(a, (uint32_t)q, r, e);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int64_t k = 4 * (int64_t)q + i;
      if (k < n) {
        a.choice_out[k * rows + r] = (int32_t)float_bits(prefix);
        prefix += e[i];
      }
    }
  }
  const float s = prefix;
  const float log2_pbar = log2_sigmoid_of_minus_abs(eta);
  float suffix = 0.0f;
  for (int32_t q = quads - 1; q >= 0; --q) {
    float e[4];
    quad_exponentials(a, (uint32_t)q, r, e);
#pragma unroll
    for (int i = 3; i >= 0; --i) {
      const int64_t k = 4 * (int64_t)q + i;
      if (k < n) {
        const int64_t at = k * rows + r;
        const float p_k = bits_float((uint32_t)a.choice_out[at]);
        put_draw(a, at, arms_copula_bit(eta, log2_pbar, p_k + suffix, s, n) ? 1 : 0);
        suffix += e[i];
      }
    }
  }
}

}  // namespace

// n = 1 or 2 (b, and DisARM's b~).
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
    put_draw(a, r, eta + l > 0.0f ? 1 : 0);
    if (a.draws == 2) put_draw(a, a.rows + r, eta - l > 0.0f ? 1 : 0);
  }
}

// n >= 3: the copula (its own kernel, so that the n <= 2 kernel keeps its 20-odd registers).
__global__ void __launch_bounds__(kBinaryBlock) binary_copula_kernel(const BinaryArgs a) {
  for (int64_t r = (int64_t)blockIdx.x * kBinaryBlock + threadIdx.x; r < a.rows;
       r += (int64_t)gridDim.x * kBinaryBlock) {
    const float eta = __ldg(a.logits + r);
    if (eta != eta) {
      record_bad_row(a.status, r, GR_LOGITS_NAN);
      continue;
    }
    if (a.draws > kCopulaRegisterDraws)
      copula_row_two_pass(a, r, eta);
    else
      copula_row_registers(a, r, eta);
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

// ARMS over n >= 2 draws: the row's draws checked in order, then its losses (the CPU's order);
// the draws and losses are read again for the sum (L1 hits: the same thread read them just now).
__global__ void __launch_bounds__(kBinaryBlock) arms_kernel(const BinaryArgs a) {
  const int32_t n = a.draws;
  for (int64_t r = (int64_t)blockIdx.x * kBinaryBlock + threadIdx.x; r < a.rows;
       r += (int64_t)gridDim.x * kBinaryBlock) {
    const float eta = __ldg(a.logits + r);
    int code = eta != eta ? GR_LOGITS_NAN : GR_OK;
    int32_t ones = 0;
    for (int32_t k = 0; k < n && code == GR_OK; ++k) {
      const int32_t b = __ldg(a.choice + (int64_t)k * a.rows + r);
      code = binary_choice_code(eta, b);
      ones += b;
    }
    double total = 0.0;
    for (int32_t k = 0; k < n && code == GR_OK; ++k) {
      const float f = __ldg(a.values + (int64_t)k * a.rows + r);
      if (!(abs_value(f) < kInf)) code = GR_LOSSES_NOT_FINITE;
      total += (double)f;
    }
    if (code != GR_OK) {
      record_bad_row(a.status, r, code);
      continue;
    }
    float g = 0.0f;
    if (ones != 0 && ones != n) {
      const double mean = total / (double)n;
      double sum = 0.0;
      for (int32_t k = 0; k < n; ++k)
        if (__ldg(a.choice + (int64_t)k * a.rows + r) == 1)
          sum += (double)__ldg(a.values + (int64_t)k * a.rows + r) - mean;
      g = (float)((double)arms_scale(eta, n) * sum);
      if (!(abs_value(g) < kInf)) {
        record_bad_row(a.status, r, GR_GRAD_OVERFLOW);
        continue;
      }
    }
    a.out[r] = g;
  }
}

namespace {

unsigned binary_blocks(int64_t rows) {
  const int64_t b = (rows + kBinaryBlock - 1) / kBinaryBlock;
  return (unsigned)(b < kBinaryMaxBlocks ? b : kBinaryMaxBlocks);
}

enum class BinaryBackward { kZgr, kDisarm, kArms };

// ZGR-binary (values: the upstream), DisARM (values: the losses [2][rows]) and ARMS (values: the
// losses [draws][rows]).
int32_t binary_backward(BinaryBackward kind, const float* logits, const int32_t* choice,
                        const float* values, int64_t rows, int32_t draws, float* grad,
                        uint64_t* status, void* stream) {
  BinaryArgs a{};
  a.logits = logits;
  a.choice = choice;
  a.values = values;
  a.out = grad;
  a.status = status;
  a.rows = rows;
  a.draws = draws;
  const unsigned blocks = binary_blocks(rows);
  const cudaStream_t s = (cudaStream_t)stream;
  switch (kind) {
    case BinaryBackward::kZgr: zgr_binary_kernel<<<blocks, kBinaryBlock, 0, s>>>(a); break;
    case BinaryBackward::kDisarm: disarm_kernel<<<blocks, kBinaryBlock, 0, s>>>(a); break;
    case BinaryBackward::kArms: arms_kernel<<<blocks, kBinaryBlock, 0, s>>>(a); break;
  }
  return launch_status();
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
  a.draws = c.draws;
  if (c.draws <= 2)
    binary_sample_kernel<<<binary_blocks(c.rows), kBinaryBlock, 0, (cudaStream_t)stream>>>(a);
  else
    binary_copula_kernel<<<binary_blocks(c.rows), kBinaryBlock, 0, (cudaStream_t)stream>>>(a);
  return launch_status();
}

int32_t zgr_binary_backward(const op::ZgrBinaryBackward& c, uint64_t* status, void* stream) {
  return binary_backward(BinaryBackward::kZgr, c.logits, c.choice, c.upstream, c.rows, 1, c.grad,
                         status, stream);
}

int32_t disarm_backward(const op::DisarmBackward& c, uint64_t* status, void* stream) {
  return binary_backward(BinaryBackward::kDisarm, c.logits, c.choice, c.losses, c.rows, 2, c.grad,
                         status, stream);
}

int32_t arms_backward(const op::ArmsBackward& c, uint64_t* status, void* stream) {
  return binary_backward(BinaryBackward::kArms, c.logits, c.choice, c.losses, c.rows, c.draws,
                         c.grad, status, stream);
}

}  // namespace gr::cuda
