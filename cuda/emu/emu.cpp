// The fiber scheduler and host runtime of cuda/emu (see README.md and include/cuda_runtime.h).
// Blocks run one after another; the threads of a block are ucontext fibers that a round-robin
// scheduler resumes until each finishes. A rendezvous (__syncthreads, a warp shuffle) that can
// never complete (a thread exited, or threads wait at different source lines) stops the run.
// Host threads may call the runtime concurrently: kernels run one at a time (g_device), the
// runtime's tables are locked (g_state), and the last error is per thread, as in CUDA.
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace emu {

Thread* current = nullptr;

namespace {

constexpr size_t kStackBytes = 256 << 10;

struct Fiber {
  Thread state;
  ucontext_t ctx;
  bool done = false;
  bool waiting = false;
};

struct Rendezvous {  // a barrier of `expected` participants, reused generation after generation
  int arrived = 0;
  unsigned generation = 0;
  const char* file = nullptr;
  int line = 0;
  uint64_t slots[32] = {};
};

struct BlockRun {
  std::vector<Fiber> fibers;
  Fiber* running = nullptr;
  ucontext_t scheduler;
  const std::function<void()>* body = nullptr;
  std::vector<char> dynamic_smem;
  Rendezvous block_barrier;
  std::vector<Rendezvous> warps;  // two per warp: deposit, then read
  bool progress = false;
};
BlockRun* run = nullptr;

[[noreturn]] void fail(const std::string& what) {
  fprintf(stderr, "emu: %s (block %u,%u thread %u)\n", what.c_str(),
          current ? current->block_idx.x : 0, current ? current->block_idx.y : 0,
          current ? current->thread_idx.x : 0);
  abort();
}

void yield() { swapcontext(&run->running->ctx, &run->scheduler); }

void fiber_entry() {
  (*run->body)();
  run->running->done = true;
  run->progress = true;
  swapcontext(&run->running->ctx, &run->scheduler);
}

// Arrive at r, expecting `expected` participants at the same site; returns once all arrived.
void arrive(Rendezvous& r, int expected, const char* file, int line) {
  if (r.arrived == 0) {
    r.file = file;
    r.line = line;
  } else if (r.line != line || strcmp(r.file, file) != 0) {
    fail(std::string("threads meet at different sites: ") + r.file + ":" + std::to_string(r.line) +
         " and " + file + ":" + std::to_string(line));
  }
  const unsigned gen = r.generation;
  run->progress = true;
  if (++r.arrived == expected) {
    r.arrived = 0;
    ++r.generation;
    return;
  }
  while (r.generation == gen) {
    run->running->waiting = true;
    yield();
  }
  run->running->waiting = false;
}

}  // namespace

void* dynamic_shared() { return run->dynamic_smem.empty() ? nullptr : run->dynamic_smem.data(); }

void sync_threads(const char* file, int line) {
  arrive(run->block_barrier, (int)run->fibers.size(), file, line);
}

uint64_t warp_exchange(unsigned mask, uint64_t bits, int src_lane, const char* file, int line) {
  if (mask != 0xffffffffu) fail("a shuffle with a partial mask");
  const int lane = lane_id();
  const size_t warp = current->thread_idx.x / 32;
  Rendezvous& deposit = run->warps[2 * warp];
  Rendezvous& read = run->warps[2 * warp + 1];
  deposit.slots[lane] = bits;
  arrive(deposit, 32, file, line);
  const uint64_t out = deposit.slots[src_lane];
  arrive(read, 32, file, line);
  return out;
}

std::mutex g_device;  // one kernel at a time: the fibers share `run` and `current`

// Fiber stacks, reused by every block (under g_device): allocating and zeroing 256 KiB per
// thread per block was most of the emulator's time.
std::vector<char*> g_stacks;
char* fiber_stack(unsigned t) {
  while (g_stacks.size() <= t) {
    char* p = static_cast<char*>(malloc(kStackBytes));
    if (p == nullptr) fail("out of memory for fiber stacks");
    g_stacks.push_back(p);
  }
  return g_stacks[t];
}

void run_kernel(dim3 grid, dim3 block, size_t dynamic_smem, const std::function<void()>& body) {
  const std::lock_guard<std::mutex> one_at_a_time(g_device);
  if (block.y != 1 || block.z != 1 || grid.z != 1) fail("only 1-D blocks and 2-D grids");
  if (block.x == 0 || block.x > 1024 || block.x % 32 != 0) fail("block size");
  if (grid.x == 0 || grid.y == 0 || grid.y > 65535) fail("grid size");
  if (dynamic_smem > 48 * 1024) fail("dynamic shared memory above 48 KiB without opt-in");
  for (unsigned by = 0; by < grid.y; ++by)
    for (unsigned bx = 0; bx < grid.x; ++bx) {
      BlockRun br;
      run = &br;
      br.body = &body;
      br.dynamic_smem.assign(dynamic_smem, (char)0xA5);  // not zero: reads before writes show
      br.warps.resize(2 * (block.x / 32));
      br.fibers.resize(block.x);
      for (unsigned t = 0; t < block.x; ++t) {
        Fiber& f = br.fibers[t];
        f.state.thread_idx = uint3{t, 0, 0};
        f.state.block_idx = uint3{bx, by, 0};
        f.state.block_dim = block;
        f.state.grid_dim = grid;
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = fiber_stack(t);
        f.ctx.uc_stack.ss_size = kStackBytes;
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, fiber_entry, 0);
      }
      for (;;) {
        bool all_done = true;
        br.progress = false;
        for (Fiber& f : br.fibers) {
          if (f.done) continue;
          all_done = false;
          br.running = &f;
          current = &f.state;
          swapcontext(&br.scheduler, &f.ctx);
        }
        if (all_done) break;
        if (!br.progress) {
          int exited = 0;
          for (Fiber& f : br.fibers) exited += f.done;
          fail("deadlock: " + std::to_string(exited) +
               " threads exited while others wait at a barrier or shuffle (" +
               (br.block_barrier.file ? std::string(br.block_barrier.file) + ":" +
                                            std::to_string(br.block_barrier.line)
                                      : std::string("a shuffle")) +
               ")");
        }
      }
      current = nullptr;
      run = nullptr;
    }
}

}  // namespace emu

// ------------------------------------------------------------------ streams, capture, graphs
// A stream operation is a node: run at once on a stream that is not capturing, recorded into the
// stream's capture otherwise. While any capture in the global mode is active, what CUDA refuses
// then is refused here too, and the capture is invalidated (its end reports it): the legacy
// stream's work, synchronous copies and sets, synchronisation, allocation and freeing, and
// asynchronous copies from or to pageable host memory.
struct emu_node {
  std::string kind;  // "kernel <name>", "memset", "memcpy", "event"
  std::function<void()> run;
};
struct emu_stream {
  bool capturing = false, invalidated = false;
  cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
  std::vector<emu_node> nodes;
};
struct emu_graph {
  std::vector<emu_node> nodes;
};

namespace {
thread_local cudaError_t g_last = cudaSuccess;
std::mutex g_state;
std::vector<emu_stream*> g_captures;        // streams capturing now
std::map<uintptr_t, size_t> g_device_mem;   // cudaMalloc'ed ranges
std::map<uintptr_t, size_t> g_pinned_mem;   // cudaMallocHost'ed ranges

bool inside(const std::map<uintptr_t, size_t>& ranges, const void* p) {
  const uintptr_t a = (uintptr_t)p;
  auto it = ranges.upper_bound(a);
  if (it == ranges.begin()) return false;
  --it;
  return a < it->first + std::max<size_t>(it->second, 1);
}

// Called with g_state held: whether a capture in the global mode is active; if so, every capture
// is invalidated (CUDA invalidates the capture that the forbidden call would have broken).
bool refuse_under_capture() {
  bool global = false;
  for (emu_stream* s : g_captures) global |= s->mode == cudaStreamCaptureModeGlobal;
  if (global)
    for (emu_stream* s : g_captures) s->invalidated = true;
  return global;
}

// A call that CUDA prohibits during a global capture ("potentially unsafe").
cudaError_t check_unsafe() {
  const std::lock_guard<std::mutex> g(g_state);
  return refuse_under_capture() ? cudaErrorStreamCaptureUnsupported : cudaSuccess;
}

cudaError_t enqueue(cudaStream_t s, emu_node node) {
  {
    const std::lock_guard<std::mutex> g(g_state);
    if (s != nullptr && s->capturing) {
      s->nodes.push_back(std::move(node));
      return cudaSuccess;
    }
    if (s == nullptr && refuse_under_capture()) return cudaErrorStreamCaptureImplicit;
  }
  node.run();
  return cudaSuccess;
}
}  // namespace

namespace emu {
void launch(dim3 grid, dim3 block, size_t dynamic_smem, cudaStream_t stream, const char* kernel,
            std::function<void()> body) {
  const cudaError_t e = enqueue(
      stream, emu_node{std::string("kernel ") + kernel,
                       [=] { run_kernel(grid, block, dynamic_smem, body); }});
  if (e != cudaSuccess) g_last = e;
}
}  // namespace emu

cudaError_t cudaStreamBeginCapture(cudaStream_t s, cudaStreamCaptureMode mode) {
  if (s == nullptr) return cudaErrorStreamCaptureUnsupported;  // the legacy stream
  const std::lock_guard<std::mutex> g(g_state);
  if (s->capturing) return cudaErrorIllegalState;
  s->capturing = true;
  s->invalidated = false;
  s->mode = mode;
  s->nodes.clear();
  g_captures.push_back(s);
  return cudaSuccess;
}
cudaError_t cudaStreamEndCapture(cudaStream_t s, cudaGraph_t* graph) {
  *graph = nullptr;
  if (s == nullptr) return cudaErrorIllegalState;
  const std::lock_guard<std::mutex> g(g_state);
  if (!s->capturing) return cudaErrorIllegalState;
  s->capturing = false;
  g_captures.erase(std::find(g_captures.begin(), g_captures.end(), s));
  if (s->invalidated) {
    s->nodes.clear();
    return cudaErrorStreamCaptureInvalidated;
  }
  *graph = new emu_graph{std::move(s->nodes)};
  s->nodes.clear();
  return cudaSuccess;
}
cudaError_t cudaStreamIsCapturing(cudaStream_t s, cudaStreamCaptureStatus* status) {
  const std::lock_guard<std::mutex> g(g_state);
  *status = s == nullptr || !s->capturing ? cudaStreamCaptureStatusNone
            : s->invalidated              ? cudaStreamCaptureStatusInvalidated
                                          : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}
cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (graph == nullptr) return cudaErrorInvalidValue;
  *exec = new emu_graph{graph->nodes};
  return cudaSuccess;
}
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t s) {
  if (exec == nullptr) return cudaErrorInvalidValue;
  {
    const std::lock_guard<std::mutex> g(g_state);
    if (s != nullptr && s->capturing) return cudaErrorStreamCaptureUnsupported;  // not emulated
    if (s == nullptr && refuse_under_capture()) return cudaErrorStreamCaptureImplicit;
  }
  for (emu_node& n : exec->nodes) n.run();
  return cudaSuccess;
}
// In place when the graph has the same nodes, kind by kind and kernel by kernel (CUDA's rule for
// kernel nodes: the same function, any arguments).
cudaError_t cudaGraphExecUpdate(cudaGraphExec_t exec, cudaGraph_t graph,
                                cudaGraphExecUpdateResultInfo* info) {
  info->errorNode = nullptr;
  info->errorFromNode = nullptr;
  if (exec->nodes.size() != graph->nodes.size()) {
    info->result = cudaGraphExecUpdateErrorTopologyChanged;
    return cudaErrorGraphExecUpdateFailure;
  }
  for (size_t i = 0; i < graph->nodes.size(); ++i)
    if (exec->nodes[i].kind != graph->nodes[i].kind) {
      info->result = cudaGraphExecUpdateErrorFunctionChanged;
      info->errorNode = &graph->nodes[i];
      return cudaErrorGraphExecUpdateFailure;
    }
  exec->nodes = graph->nodes;
  info->result = cudaGraphExecUpdateSuccess;
  return cudaSuccess;
}
cudaError_t cudaGraphGetNodes(cudaGraph_t graph, cudaGraphNode_t* nodes, size_t* count) {
  if (nodes != nullptr)
    for (size_t i = 0; i < std::min(*count, graph->nodes.size()); ++i) nodes[i] = &graph->nodes[i];
  *count = graph->nodes.size();
  return cudaSuccess;
}
cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

// ------------------------------------------------------------------ host runtime
cudaError_t cudaGetLastError(void) {
  const cudaError_t e = g_last;
  g_last = cudaSuccess;
  return e;
}
const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorIllegalState: return "operation not permitted in the stream's state";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated: return "operation failed due to a previous error during capture";
    case cudaErrorStreamCaptureImplicit: return "operation would make the legacy stream depend on a capturing blocking stream";
    case cudaErrorGraphExecUpdateFailure: return "the graph update was not performed because it included changes which violated constraints specific to instantiated graph update";
    default: return "emulated error";
  }
}
cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = nullptr;
  if (const cudaError_t e = check_unsafe()) return e;
  *p = malloc(bytes ? bytes : 1);
  if (!*p) return cudaErrorMemoryAllocation;
  const std::lock_guard<std::mutex> g(g_state);
  g_device_mem[(uintptr_t)*p] = bytes;
  return cudaSuccess;
}
cudaError_t cudaFree(void* p) {
  if (const cudaError_t e = check_unsafe()) return e;
  if (p == nullptr) return cudaSuccess;
  {
    const std::lock_guard<std::mutex> g(g_state);
    if (!g_device_mem.erase((uintptr_t)p)) return cudaErrorInvalidValue;
  }
  free(p);
  return cudaSuccess;
}
cudaError_t cudaMallocHost(void** p, size_t bytes) {
  *p = nullptr;
  if (const cudaError_t e = check_unsafe()) return e;
  *p = malloc(bytes ? bytes : 1);
  if (!*p) return cudaErrorMemoryAllocation;
  const std::lock_guard<std::mutex> g(g_state);
  g_pinned_mem[(uintptr_t)*p] = bytes;
  return cudaSuccess;
}
cudaError_t cudaFreeHost(void* p) {
  if (const cudaError_t e = check_unsafe()) return e;
  if (p == nullptr) return cudaSuccess;
  {
    const std::lock_guard<std::mutex> g(g_state);
    if (!g_pinned_mem.erase((uintptr_t)p)) return cudaErrorInvalidValue;
  }
  free(p);
  return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  if (const cudaError_t e = check_unsafe()) return e;
  memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind,
                            cudaStream_t s) {
  if (s != nullptr && s->capturing) {
    const std::lock_guard<std::mutex> g(g_state);
    const auto pinned_or_device = [](const void* p) {
      return inside(g_device_mem, p) || inside(g_pinned_mem, p);
    };
    if (!pinned_or_device(dst) || !pinned_or_device(src)) {
      s->invalidated = true;
      return cudaErrorStreamCaptureUnsupported;  // a pageable copy cannot be a graph node
    }
  }
  return enqueue(s, emu_node{"memcpy", [=] { memmove(dst, src, bytes); }});
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  if (const cudaError_t e = check_unsafe()) return e;
  memset(p, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t s) {
  return enqueue(s, emu_node{"memset", [=] { memset(p, value, bytes); }});
}
cudaError_t cudaDeviceSynchronize(void) { return check_unsafe(); }
cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  if (s != nullptr && s->capturing) {
    const std::lock_guard<std::mutex> g(g_state);
    s->invalidated = true;
    return cudaErrorStreamCaptureUnsupported;
  }
  return check_unsafe();
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  *s = new emu_stream;
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  if (s != nullptr && s->capturing) return cudaErrorIllegalState;
  delete s;
  return cudaSuccess;
}
cudaError_t cudaStreamGetFlags(cudaStream_t, unsigned* flags) {
  *flags = 0;
  return cudaSuccess;
}
struct emu_event {
  std::chrono::steady_clock::time_point t;
};
cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = new emu_event;
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  return enqueue(s, emu_node{"event", [=] { e->t = std::chrono::steady_clock::now(); }});
}
cudaError_t cudaEventSynchronize(cudaEvent_t) { return check_unsafe(); }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  *ms = std::chrono::duration<float, std::milli>(b->t - a->t).count();
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int) { return cudaSuccess; }
cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int) {
  memset(p, 0, sizeof *p);
  strcpy(p->name, "host emulator");
  p->major = 9;
  p->minor = 0;
  p->multiProcessorCount = 1;
  p->memoryBusWidth = 64;
  p->l2CacheSize = 1 << 20;
  p->totalGlobalMem = (size_t)1 << 30;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr, int) {
  *v = 0;
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* v) {
  *v = 0;
  return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = 0;
  return cudaSuccess;
}
cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* a, const void* p) {
  const std::lock_guard<std::mutex> g(g_state);
  const bool device = inside(g_device_mem, p), pinned = inside(g_pinned_mem, p);
  a->type = device ? cudaMemoryTypeDevice : pinned ? cudaMemoryTypeHost : cudaMemoryTypeUnregistered;
  a->device = device || pinned ? 0 : -1;
  a->devicePointer = device || pinned ? const_cast<void*>(p) : nullptr;
  a->hostPointer = device ? nullptr : const_cast<void*>(p);
  return cudaSuccess;
}
