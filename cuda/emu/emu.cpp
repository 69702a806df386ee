// The fiber scheduler and host runtime of cuda/emu (see README.md and include/cuda_runtime.h).
// Blocks run one after another; the threads of a block are ucontext fibers that a round-robin
// scheduler resumes until each finishes. A rendezvous (__syncthreads, a warp shuffle) that can
// never complete (a thread exited, or threads wait at different source lines) stops the run.
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <chrono>
#include <string>
#include <vector>

namespace emu {

Thread* current = nullptr;

namespace {

constexpr size_t kStackBytes = 256 << 10;

struct Fiber {
  Thread state;
  ucontext_t ctx;
  std::vector<char> stack;
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

void launch(dim3 grid, dim3 block, size_t dynamic_smem, cudaStream_t,
            const std::function<void()>& body) {
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
        f.stack.resize(kStackBytes);
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = f.stack.data();
        f.ctx.uc_stack.ss_size = f.stack.size();
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

// ------------------------------------------------------------------ host runtime
namespace {
cudaError_t g_last = cudaSuccess;
}
cudaError_t cudaGetLastError(void) {
  const cudaError_t e = g_last;
  g_last = cudaSuccess;
  return e;
}
const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated error"; }
cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = malloc(bytes ? bytes : 1);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void* p) {
  free(p);
  return cudaSuccess;
}
cudaError_t cudaMallocHost(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
cudaError_t cudaFreeHost(void* p) { return cudaFree(p); }
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind k, cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, k);
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  memset(p, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
  return cudaMemset(p, value, bytes);
}
cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  *s = reinterpret_cast<cudaStream_t>(new char);
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete reinterpret_cast<char*>(s);
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
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  e->t = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
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
  a->type = cudaMemoryTypeDevice;
  a->device = 0;
  a->devicePointer = const_cast<void*>(p);
  a->hostPointer = nullptr;
  return cudaSuccess;
}
