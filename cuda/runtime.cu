// Thin wrappers of the CUDA runtime for the Java layer (gumbel_rao_cuda.h): addresses as
// uint64_t, every function returns the cudaError_t of its call.
#include <cuda_runtime.h>

#include "gumbel_rao/gumbel_rao_cuda.h"

namespace {
void* as_pointer(uint64_t address) { return reinterpret_cast<void*>((uintptr_t)address); }
cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }
}  // namespace

extern "C" {

int32_t gr_cuda_set_device(int32_t device) { return (int32_t)cudaSetDevice(device); }

int32_t gr_cuda_get_device(int32_t* device) {
  int d = -1;
  const cudaError_t err = cudaGetDevice(&d);
  *device = d;
  return (int32_t)err;
}

int32_t gr_cuda_malloc(uint64_t bytes, uint64_t* ptr) {
  void* p = nullptr;
  const cudaError_t err = cudaMalloc(&p, (size_t)bytes);
  *ptr = (uint64_t)(uintptr_t)p;
  return (int32_t)err;
}

int32_t gr_cuda_free(uint64_t ptr) { return (int32_t)cudaFree(as_pointer(ptr)); }

int32_t gr_cuda_malloc_host(uint64_t bytes, uint64_t* ptr) {
  void* p = nullptr;
  const cudaError_t err = cudaMallocHost(&p, (size_t)bytes);
  *ptr = (uint64_t)(uintptr_t)p;
  return (int32_t)err;
}

int32_t gr_cuda_free_host(uint64_t ptr) { return (int32_t)cudaFreeHost(as_pointer(ptr)); }

int32_t gr_cuda_memcpy_async(uint64_t dst, uint64_t src, uint64_t bytes, void* stream) {
  return (int32_t)cudaMemcpyAsync(as_pointer(dst), as_pointer(src), (size_t)bytes,
                                  cudaMemcpyDefault, as_stream(stream));
}

int32_t gr_cuda_memset_async(uint64_t dst, int32_t value, uint64_t bytes, void* stream) {
  return (int32_t)cudaMemsetAsync(as_pointer(dst), value, (size_t)bytes, as_stream(stream));
}

int32_t gr_cuda_stream_create(uint64_t* stream) {
  cudaStream_t s = nullptr;
  const cudaError_t err = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  *stream = (uint64_t)(uintptr_t)s;
  return (int32_t)err;
}

int32_t gr_cuda_stream_destroy(void* stream) {
  return (int32_t)cudaStreamDestroy(as_stream(stream));
}

int32_t gr_cuda_stream_synchronize(void* stream) {
  return (int32_t)cudaStreamSynchronize(as_stream(stream));
}

int32_t gr_cuda_stream_check(void* stream) {
  unsigned int flags = 0;
  return (int32_t)cudaStreamGetFlags(as_stream(stream), &flags);
}

int32_t gr_cuda_pointer_info(uint64_t ptr, int32_t* memory_type, int32_t* device) {
  cudaPointerAttributes attr;
  const cudaError_t err = cudaPointerGetAttributes(&attr, as_pointer(ptr));
  *memory_type = err == cudaSuccess ? (int32_t)attr.type : 0;
  *device = err == cudaSuccess ? (int32_t)attr.device : -1;
  return (int32_t)err;
}

int32_t gr_cuda_device_synchronize(void) { return (int32_t)cudaDeviceSynchronize(); }

}  // extern "C"
