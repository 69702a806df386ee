// IndeCateR (De Smet, Sansone, Zuidberg Dos Martires 2023) on the GPU: N draws of every row, the
// loss table f_n(k) laid out [samples][rows][arity]; grad_j = indecater_grad(p_j, G_j,
// sum_k p_k G_k) with G_k = F_k - F_c, F_k the mean of f_n(k) over the draws in order and c the
// row's most probable class, the first index of its maximum (math.h), in double, rounded once;
// masked classes get exactly +0 and their losses are never read.
//
// Mapping: one thread per row, columns in order, so that every sum is the CPU's and the JAVA
// oracle's in the same order (the checks report the same code for the same row). The work is a
// pass over the loss table (4 bytes per element-sample, read once) and three over the row; a
// thread per row reads its row's columns with a stride of the arity across the warp, which keeps
// this kernel correct before it is fast: a team per row, as rloo.cu maps its rows, is the
// mapping to measure on a GPU (no GPU has run this kernel yet).
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "operations_internal.h"
#include "row_team.cuh"

namespace gr::cuda {

// The kernel's argument block, outside the anonymous namespace like the kernel (readable names in
// profilers: see gumbel_rao.cu).
struct IndecaterArgs {
  const float* logits;
  const float* loss_table;  // [samples][rows][arity]
  float* grad;
  uint64_t* status;
  int64_t rows;
  int32_t arity;
  int32_t samples;
};

__global__ void __launch_bounds__(kBlock) indecater_row_kernel(const IndecaterArgs a) {
  const int64_t row = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= a.rows) return;
  const int64_t n = a.arity, rows = a.rows;
  const float* th = a.logits + row * n;
  RowScan scan = scan_start();
  for (int64_t j = 0; j < n; ++j) scan_add(scan, __ldg(th + j));
  int code = scan_code(scan);
  for (int32_t s = 0; s < a.samples && code == GR_OK; ++s) {  // then the losses, draw by draw
    const float* f = a.loss_table + ((int64_t)s * rows + row) * n;
    for (int64_t j = 0; j < n; ++j)
      if (__ldg(th + j) != -kInf && !(abs_value(__ldg(f + j)) < kInf)) code = GR_LOSSES_NOT_FINITE;
  }
  if (code != GR_OK) {
    record_bad_row(a.status, row, code);
    return;
  }
  const float m = scan.max;
  double sum_exp = 0.0;
  for (int64_t j = 0; j < n; ++j)
    sum_exp += (double)fast_exp2_nonpositive((__ldg(th + j) - m) * kLog2e);
  const float log_sum = kLn2 * fast_log2_positive((float)sum_exp);
  int64_t c = 0;
  while (__ldg(th + c) != m) ++c;  // the first index of the row maximum (finite: the scan passed)
  float* out = a.grad + row * n;
  // F_k is summed over the draws in order twice (for the centre, then for the output) rather
  // than kept: as doubles it would need a row of scratch per thread
  double ref = 0.0;
  for (int32_t s = 0; s < a.samples; ++s)
    ref += (double)__ldg(a.loss_table + ((int64_t)s * rows + row) * n + c);
  ref /= (double)a.samples;
  double centre = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const float t = __ldg(th + j);
    if (t == -kInf) continue;
    double f = 0.0;
    for (int32_t s = 0; s < a.samples; ++s)
      f += (double)__ldg(a.loss_table + ((int64_t)s * rows + row) * n + j);
    const double p = (double)fast_exp2_nonpositive(log_softmax(t, m, log_sum) * kLog2e);
    centre += p * (f / (double)a.samples - ref);
  }
  bool overflow = false;
  for (int64_t j = 0; j < n; ++j) {
    const float t = __ldg(th + j);
    float x = 0.0f;
    if (t != -kInf) {
      double f = 0.0;
      for (int32_t s = 0; s < a.samples; ++s)
        f += (double)__ldg(a.loss_table + ((int64_t)s * rows + row) * n + j);
      const double p = (double)fast_exp2_nonpositive(log_softmax(t, m, log_sum) * kLog2e);
      x = (float)indecater_grad(p, f / (double)a.samples - ref, centre);
      overflow |= !(abs_value(x) < kInf);
    }
    out[j] = x;
  }
  if (overflow) record_bad_row(a.status, row, GR_GRAD_OVERFLOW);
}

int32_t indecater_backward(const op::IndecaterBackward& c, uint64_t* status, void* stream) {
  if ((int64_t)c.samples * c.rows > INT64_MAX / 4 / c.arity) return (int32_t)cudaErrorInvalidValue;
  const IndecaterArgs a{c.logits, c.loss_table, c.grad, status, c.rows, c.arity, c.samples};
  const unsigned blocks = (unsigned)((c.rows + kBlock - 1) / kBlock);
  indecater_row_kernel<<<blocks, kBlock, 0, (cudaStream_t)stream>>>(a);
  return launch_status();
}

}  // namespace gr::cuda
