// What the machine offers the CUDA backend, told apart for the Java layer's messages: no NVIDIA
// driver at all, a driver older than the CUDA runtime this library was built with, or a driver
// with no device. The static CUDA runtime answers the first two with the same error
// (cudaErrorInsufficientDriver), so the driver library is looked up here directly. Compiled into
// every build, with or without CUDA.
#include <dlfcn.h>

#include "gumbel_rao/gumbel_rao.h"

#ifndef GR_CUDART_VERSION
#define GR_CUDART_VERSION (-1)  // built without CUDA
#endif

extern "C" {

int32_t gr_cuda_driver_probe(int32_t* driver_version) {
  *driver_version = 0;
  // The name the CUDA runtime itself opens; the driver package installs it.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return 1;
  typedef int (*GetVersion)(int*);
  GetVersion get = reinterpret_cast<GetVersion>(dlsym(lib, "cuDriverGetVersion"));
  int version = 0;
  const int ok = get != nullptr && get(&version) == 0;
  // Not closed: the CUDA runtime opens the same library when it starts, and unloading a driver
  // library while a process may use it gains nothing.
  if (!ok) return 2;
  *driver_version = version;
  return 0;
}

int32_t gr_cuda_runtime_version(void) { return GR_CUDART_VERSION; }

}  // extern "C"
