// Host memory on a CUDA device (GR_ON_CUDA_STAGED, host_staging.h): stage the caller's host arrays
// through page-locked memory into device memory, run the operation on the calling thread's
// stream, copy the outputs back. Every resource is per thread and per device, so concurrent
// callers never share a stream or a buffer. A registry of every thread's workspaces lets
// gr_cuda_host_release_all free them all (a closing backend), not only the caller's.
#include <cuda_runtime.h>
#include <string.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/nvtx_ranges.h"
#include "host_staging.h"

namespace {

constexpr size_t kAlign = 256;  // cudaMalloc's alignment, kept for every sub-buffer

size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// One thread's staging memory, device memory and stream on one device; both arenas grow to the
// largest call seen.
class Workspace {
 public:
  explicit Workspace(int device) : device_(device) {}
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() { release(); }

  // Frees everything (a later prepare allocates again); returns the first error met. On the
  // workspace's device, whichever thread calls it; the caller's current device is kept. At
  // process exit the runtime may already be unloaded; these calls then fail harmlessly.
  cudaError_t release() {
    if (!device_mem_ && !pinned_ && !stream_) return cudaSuccess;
    int previous = -1;
    const bool switched = cudaGetDevice(&previous) == cudaSuccess && previous != device_ &&
                          cudaSetDevice(device_) == cudaSuccess;
    cudaError_t first = cudaSuccess;
    auto note = [&](cudaError_t e) {
      if (first == cudaSuccess) first = e;
    };
    if (device_mem_) note(cudaFree(device_mem_));
    if (pinned_) note(cudaFreeHost(pinned_));
    if (stream_) note(cudaStreamDestroy(stream_));
    device_mem_ = nullptr;
    pinned_ = nullptr;
    stream_ = nullptr;
    capacity_ = 0;
    if (switched) cudaSetDevice(previous);
    return first;
  }

  cudaError_t prepare(size_t bytes) {
    if (!stream_) {
      const cudaError_t err = cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking);
      if (err != cudaSuccess) return err;
    }
    if (bytes <= capacity_) return cudaSuccess;
    const size_t grown = bytes + bytes / 2;
    if (device_mem_) cudaFree(device_mem_);
    if (pinned_) cudaFreeHost(pinned_);
    device_mem_ = nullptr;
    pinned_ = nullptr;
    capacity_ = 0;
    cudaError_t err = cudaMalloc(&device_mem_, grown);
    if (err == cudaSuccess) err = cudaMallocHost(&pinned_, grown);
    if (err != cudaSuccess) {
      if (device_mem_) cudaFree(device_mem_);
      device_mem_ = nullptr;
      pinned_ = nullptr;
      return err;
    }
    capacity_ = grown;
    return cudaSuccess;
  }

  char* device_mem() const { return static_cast<char*>(device_mem_); }
  size_t capacity() const { return capacity_; }
  char* pinned() const { return static_cast<char*>(pinned_); }
  cudaStream_t stream() const { return stream_; }

 private:
  int device_;
  void* device_mem_ = nullptr;
  void* pinned_ = nullptr;
  size_t capacity_ = 0;
  cudaStream_t stream_ = nullptr;
};

// One thread's workspaces, one per device. `lock` is held by the thread for the whole of each
// call and by gr_cuda_host_release_all while it frees them, so that memory is never freed under
// a running call (uncontended, except while a release waits for a call to finish).
struct ThreadWorkspaces {
  std::mutex lock;
  std::map<int, std::unique_ptr<Workspace>> by_device;

  cudaError_t release_all() {
    cudaError_t first = cudaSuccess;
    for (auto& entry : by_device) {
      const cudaError_t e = entry.second->release();
      if (first == cudaSuccess) first = e;
    }
    return first;
  }
};

// Every live thread's workspaces. Never destroyed: threads may exit (and unregister) after the
// static destructors of process exit have run.
struct Registry {
  std::mutex lock;
  std::set<ThreadWorkspaces*> threads;
};
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// The calling thread's entry: registered on first use, unregistered (and freed) at thread exit.
class ThreadEntry {
 public:
  ThreadEntry() {
    Registry& r = registry();
    std::lock_guard<std::mutex> g(r.lock);
    r.threads.insert(&ws_);
  }
  ~ThreadEntry() {
    {
      Registry& r = registry();
      std::lock_guard<std::mutex> g(r.lock);
      r.threads.erase(&ws_);
    }
    std::lock_guard<std::mutex> g(ws_.lock);
    ws_.by_device.clear();
  }
  ThreadWorkspaces& get() { return ws_; }

 private:
  ThreadWorkspaces ws_;
};
thread_local ThreadEntry tls_entry;

Workspace& workspace(ThreadWorkspaces& mine, int device) {
  std::unique_ptr<Workspace>& w = mine.by_device[device];
  if (!w) w.reset(new Workspace(device));
  return *w;
}

int64_t cuda_status(cudaError_t err) { return gr_status_make(GR_CUDA_ERROR, (int64_t)err); }

}  // namespace

namespace gr::cuda::staging {

// Lays the arrays out after the status word, stages the inputs, runs launch(device base, status,
// stream), copies outputs and the status word back, synchronises, and decodes.
int64_t run(int32_t device, std::initializer_list<Array*> arrays, Launch launch, void* context) {
  cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess) return cuda_status(err);
  ThreadWorkspaces& mine = tls_entry.get();
  const std::lock_guard<std::mutex> held(mine.lock);
  Workspace& ws = workspace(mine, device);
  size_t total = kAlign;  // the status word
  for (Array* a : arrays) {
    a->offset = total;
    total += aligned(a->bytes);
  }
  err = ws.prepare(total);
  if (err != cudaSuccess) return cuda_status(err);
  char* dev = ws.device_mem();
  char* pin = ws.pinned();
  const cudaStream_t stream = ws.stream();
  uint64_t* status = reinterpret_cast<uint64_t*>(dev);
  for (Array* a : arrays) {
    if (!a->in || a->bytes == 0) continue;
    memcpy(pin + a->offset, a->in, a->bytes);
    err = cudaMemcpyAsync(dev + a->offset, pin + a->offset, a->bytes, cudaMemcpyHostToDevice,
                          stream);
    if (err != cudaSuccess) return cuda_status(err);
  }
  err = (cudaError_t)gr_cuda_status_reset(status, stream);
  const int64_t queued = err == cudaSuccess ? launch(context, dev, status, (void*)stream)
                                            : cuda_status(err);
  if (queued != GR_OK) {
    cudaStreamSynchronize(stream);  // the staging memory must not be reused under a copy
    return queued;
  }
  for (Array* a : arrays) {
    if (!a->out || a->bytes == 0) continue;
    err = cudaMemcpyAsync(pin + a->offset, dev + a->offset, a->bytes, cudaMemcpyDeviceToHost,
                          stream);
    if (err != cudaSuccess) break;
  }
  if (err == cudaSuccess) {
    err = cudaMemcpyAsync(pin, dev, sizeof(uint64_t), cudaMemcpyDeviceToHost, stream);
  }
  const cudaError_t sync = cudaStreamSynchronize(stream);
  if (err == cudaSuccess) err = sync;
  if (err != cudaSuccess) return cuda_status(err);
  for (Array* a : arrays) {
    if (a->out && a->bytes) memcpy(a->out, pin + a->offset, a->bytes);
  }
  uint64_t word;
  memcpy(&word, pin, sizeof word);
  return gr_cuda_status_decode(word);
}

}  // namespace gr::cuda::staging

extern "C" {

int32_t gr_cuda_copy_to_device(uint64_t device_dst, const void* host_src, uint64_t bytes) {
  GR_NVTX_RANGE_COUNT("copy_to_device", "cuda", bytes, "bytes");
  return (int32_t)cudaMemcpy(reinterpret_cast<void*>((uintptr_t)device_dst), host_src,
                             (size_t)bytes, cudaMemcpyHostToDevice);
}

int32_t gr_cuda_copy_to_host(void* host_dst, uint64_t device_src, uint64_t bytes) {
  GR_NVTX_RANGE_COUNT("copy_to_host", "cuda", bytes, "bytes");
  return (int32_t)cudaMemcpy(host_dst, reinterpret_cast<const void*>((uintptr_t)device_src),
                             (size_t)bytes, cudaMemcpyDeviceToHost);
}

int32_t gr_cuda_status_take(uint64_t* status, void* stream, int64_t* decoded) {
  GR_NVTX_RANGE_COUNT("status_take", "cuda", 1, "word");  // waits for the stream
  *decoded = GR_OK;
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  uint64_t word = ~(uint64_t)0;
  // Pageable destination: the copy completes before cudaMemcpyAsync returns, after the
  // stream's earlier work; the synchronisation makes that explicit.
  cudaError_t err = cudaMemcpyAsync(&word, status, sizeof word, cudaMemcpyDeviceToHost, s);
  if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  if (err == cudaSuccess) err = (cudaError_t)gr_cuda_status_reset(status, stream);
  if (err == cudaSuccess) *decoded = gr_cuda_status_decode(word);
  return (int32_t)err;
}

void gr_cuda_host_release_thread(void) {
  ThreadWorkspaces& mine = tls_entry.get();
  const std::lock_guard<std::mutex> held(mine.lock);
  mine.by_device.clear();
}

int32_t gr_cuda_host_release_all(void) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> g(r.lock);
  GR_NVTX_RANGE_COUNT("host_release_all", "cuda", r.threads.size(), "threads");
  cudaError_t first = cudaSuccess;
  for (ThreadWorkspaces* t : r.threads) {
    const std::lock_guard<std::mutex> held(t->lock);  // waits for that thread's running call
    const cudaError_t e = t->release_all();
    if (first == cudaSuccess) first = e;
  }
  return (int32_t)first;
}

int64_t gr_cuda_host_workspace_bytes(void) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> g(r.lock);
  int64_t total = 0;
  for (ThreadWorkspaces* t : r.threads) {
    const std::lock_guard<std::mutex> held(t->lock);
    for (auto& entry : t->by_device) total += (int64_t)entry.second->capacity();
  }
  return total;
}

}  // extern "C"
