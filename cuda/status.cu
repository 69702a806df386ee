// The device status word of the CUDA backend (see gumbel_rao_cuda.h): reset on the caller's
// stream, decoded on the host into the gr_status of gumbel_rao.h. Kernels lower the word with
// record_bad_row (row_team.cuh).
#include <cuda_runtime.h>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"

extern "C" {

int32_t gr_cuda_status_reset(uint64_t* status, void* stream) {
  if (status == nullptr) return 0;
  cudaMemsetAsync(status, 0xFF, sizeof(uint64_t), (cudaStream_t)stream);
  return (int32_t)cudaGetLastError();
}

int64_t gr_cuda_status_decode(uint64_t word) {
  if (word == ~(uint64_t)0) return GR_OK;
  return gr_status_make((int64_t)(word & 0xFF), (int64_t)(word >> 8));
}

int32_t gr_cuda_precise_math(void) {
#if defined(GR_CUDA_PRECISE_MATH)
  return 1;
#else
  return 0;
#endif
}

}  // extern "C"
