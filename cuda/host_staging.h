// Host memory on a CUDA device (GR_ON_CUDA_STAGED): the staging that the generated
// operations_cuda_staged.cu wraps around each operation (host_staging.cu holds the per-thread
// workspaces). Each call, on the calling thread: copies the inputs into page-locked staging
// memory, queues an asynchronous copy to device memory, the operation and the copy back on the
// thread's own stream on `device`, synchronises that stream, copies the outputs out of the
// staging memory and decodes the device status word.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <initializer_list>
#include <type_traits>

namespace gr::cuda::staging {

// One array of a call: a host input (copied in), a host output (copied out), or absent (bytes 0).
struct Array {
  const void* in;
  void* out;
  size_t bytes;
  size_t offset = 0;  // in both arenas, set by run
};

inline size_t bytes(int64_t elements) { return (size_t)elements * 4; }

// The array's place in the device arena `base`; null for an absent array.
template <class T>
T* at(char* base, const Array& a) {
  return a.bytes ? reinterpret_cast<T*>(base + a.offset) : nullptr;
}

// Queues the operation on the staged arrays (device arena `base`, status word, stream); returns
// the gr_status of queuing it (0: queued).
using Launch = int64_t (*)(void* context, char* base, uint64_t* status, void* stream);

// Stages `arrays`, runs `launch`, copies the outputs back; returns the call's gr_status.
int64_t run(int32_t device, std::initializer_list<Array*> arrays, Launch launch, void* context);

template <class F>
int64_t run(int32_t device, std::initializer_list<Array*> arrays, F&& launch) {
  return run(
      device, arrays,
      [](void* context, char* base, uint64_t* status, void* stream) -> int64_t {
        return (*static_cast<std::remove_reference_t<F>*>(context))(base, status, stream);
      },
      &launch);
}

}  // namespace gr::cuda::staging
