// Linked instead of the CUDA sources when CMake found no CUDA compiler. The probe answers "not
// compiled" so the Java layer can say why the CUDA backend is unavailable; every other CUDA
// runtime helper exists so that the JNI library links, and answers cudaErrorNoDevice (100): the
// Java layer never calls them when the probe says no. The operations' CUDA side is generated
// (operations_no_cuda.cpp, from native/operations.txt).
#include <string.h>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"

namespace {
constexpr int32_t kNoDevice = 100;  // cudaErrorNoDevice
constexpr int64_t kNoDeviceStatus = (int64_t)GR_CUDA_ERROR << 40 | kNoDevice;
}  // namespace

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

int32_t gr_cuda_precise_math(void) { return -1; }

int32_t gr_cuda_status_reset(uint64_t*, void*) { return kNoDevice; }
int64_t gr_cuda_status_decode(uint64_t) { return kNoDeviceStatus; }

int32_t gr_cuda_set_device(int32_t) { return kNoDevice; }
int32_t gr_cuda_get_device(int32_t* device) {
  *device = -1;
  return kNoDevice;
}
int32_t gr_cuda_malloc(uint64_t, uint64_t* ptr) {
  *ptr = 0;
  return kNoDevice;
}
int32_t gr_cuda_free(uint64_t) { return kNoDevice; }
int32_t gr_cuda_malloc_host(uint64_t, uint64_t* ptr) {
  *ptr = 0;
  return kNoDevice;
}
int32_t gr_cuda_free_host(uint64_t) { return kNoDevice; }
int32_t gr_cuda_memcpy_async(uint64_t, uint64_t, uint64_t, void*) { return kNoDevice; }
int32_t gr_cuda_memset_async(uint64_t, int32_t, uint64_t, void*) { return kNoDevice; }
int32_t gr_cuda_stream_create(uint64_t* stream) {
  *stream = 0;
  return kNoDevice;
}
int32_t gr_cuda_stream_destroy(void*) { return kNoDevice; }
int32_t gr_cuda_stream_synchronize(void*) { return kNoDevice; }
int32_t gr_cuda_stream_check(void*) { return kNoDevice; }
int32_t gr_cuda_pointer_info(uint64_t, int32_t* memory_type, int32_t* device) {
  *memory_type = 0;
  *device = -1;
  return kNoDevice;
}
int32_t gr_cuda_device_synchronize(void) { return kNoDevice; }

int32_t gr_cuda_copy_to_device(uint64_t, const void*, uint64_t) { return kNoDevice; }
int32_t gr_cuda_copy_to_host(void*, uint64_t, uint64_t) { return kNoDevice; }
int32_t gr_cuda_status_take(uint64_t*, void*, int64_t* decoded) {
  *decoded = 0;
  return kNoDevice;
}
void gr_cuda_host_release_thread(void) {}
int32_t gr_cuda_host_release_all(void) { return 0; }
int64_t gr_cuda_host_workspace_bytes(void) { return 0; }

}  // extern "C"
