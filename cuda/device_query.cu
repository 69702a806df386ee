// CUDA runtime probe: how many devices, their names, the driver version. Built with the static
// CUDA runtime, which loads libcuda.so only when first called: the library loads on machines
// without an NVIDIA driver and reports cudaErrorInsufficientDriver / cudaErrorNoDevice there.
#include <cuda_runtime.h>
#include <string.h>

#include "gumbel_rao/gumbel_rao.h"

extern "C" {

int32_t gr_cuda_compiled(void) { return 1; }

int32_t gr_cuda_device_count(int32_t* count) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  *count = err == cudaSuccess ? n : 0;
  return (int32_t)err;
}

const char* gr_cuda_error_string(int32_t error) {
  return cudaGetErrorString((cudaError_t)error);
}

int32_t gr_cuda_device_name(int32_t ordinal, char* name, int32_t capacity) {
  cudaDeviceProp prop;
  const cudaError_t err = cudaGetDeviceProperties(&prop, ordinal);
  if (err != cudaSuccess) return (int32_t)err;
  if (capacity > 0) {
    strncpy(name, prop.name, (size_t)capacity - 1);
    name[capacity - 1] = '\0';
  }
  return 0;
}

int32_t gr_cuda_driver_version(int32_t* version) {
  int v = 0;
  const cudaError_t err = cudaDriverGetVersion(&v);
  *version = v;
  return (int32_t)err;
}

}  // extern "C"
