// Linked instead of the CUDA sources when CMake found no CUDA compiler: the probe answers
// "not compiled" so the Java layer can say why the CUDA backend is unavailable.
#include <string.h>

#include "gumbel_rao/gumbel_rao.h"

extern "C" {

int32_t gr_cuda_compiled(void) { return 0; }

int32_t gr_cuda_device_count(int32_t* count) {
  *count = 0;
  return -1;
}

const char* gr_cuda_error_string(int32_t) {
  return "this build of the native library has no CUDA code (CUDA was not found at build time)";
}

int32_t gr_cuda_device_name(int32_t, char* name, int32_t capacity) {
  if (capacity > 0) name[0] = '\0';
  return -1;
}

int32_t gr_cuda_driver_version(int32_t* version) {
  *version = 0;
  return -1;
}

}  // extern "C"
