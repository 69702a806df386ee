// Declarations shared by the harness's files (cuda/harness.cu: options, inputs, the check sweep,
// the bench, JSON, main; harness_graph.cu: CUDA graph capture and replay; harness_limits.cu:
// large-K and staging cases; harness_nvtx.cu: the host cost of the NVTX ranges).
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <functional>
#include <string>
#include <vector>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"

// ----------------------------------------------------------------------------- error checks
#define CUDA_CHECK(call)                                                                      \
  do {                                                                                        \
    const cudaError_t err_ = (call);                                                          \
    if (err_ != cudaSuccess) {                                                                \
      fprintf(stderr, "CUDA error at %s:%d: %s: %s\n", __FILE__, __LINE__, #call,            \
              cudaGetErrorString(err_));                                                      \
      exit(2);                                                                                \
    }                                                                                         \
  } while (0)
// The library's functions return a cudaError_t as int32_t.
#define GR_CHECK(call) CUDA_CHECK((cudaError_t)(call))

struct Options {
  bool check = false, bench = false, sanitize = false;
  const char* json = nullptr;
  const char* only = nullptr;
  const char* skip = nullptr;
  int device = 0;
  double scale = 1.0;     // multiplies the row counts of the check sweep (small runs)
  double max_work = 0.0;  // skips check cases above this many element-samples (0: no limit)
  bool graph = false;     // --graph: CUDA graph capture and replay (harness_graph.cu)
  bool limits = false;    // --limits: K near 2^31, large K at large arity, staging release
  bool nvtx = false;      // --nvtx-overhead: host cost of a range (harness_nvtx.cu)
  bool once = false;      // --once: each bench case launched once, unchecked (for ncu)
  int replays = 100;      // --replays N: graph replays per case (fewer in the emulator)
};
extern Options g_opt;
extern bool g_precise;  // the kernels were built with GR_CUDA_PRECISE_MATH
extern int g_failures;

struct Result {
  std::string name, op;
  int64_t rows = 0;
  int32_t arity = 0, samples = 1;
  float tau = 0.0f;
  bool ok = true;
  double max_err = 0.0;      // largest |gpu - cpu| / (row scale) seen
  int64_t mismatches = 0;    // elements (or rows, for D) outside tolerance
  double median_ms = -1.0, b2b_ms = -1.0, gesps = -1.0, gbps = -1.0, copy_fraction = -1.0;
  std::string note;
};
extern std::vector<Result> g_results;

// --only: whether a case of this name runs.
bool selected(const std::string& name);
// Prints a result, counts a failure, keeps it for the JSON file.
void report(Result& r);

// One batch of inputs. Rows differ in scale (0.3 to 8, and a +60 offset that tests large
// logits), some rows mask a third of their classes with -inf (never all of them), and D comes
// from the CPU's own sampler so that it is valid and distributed as p.
struct Batch {
  int64_t rows = 0;
  int32_t arity = 0;
  std::vector<float> logits, upstream, losses;
  std::vector<int32_t> choice;
};

// Rows are filled in parallel, each from its own generator seeded by (seed, row), so the data
Batch make_batch(int64_t rows, int32_t arity, uint64_t seed, uint32_t offset);

// ----------------------------------------------------------------------------- device memory
template <class T>
struct DeviceBuffer {
  T* ptr = nullptr;
  size_t count = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) : count(n) {
    if (n) CUDA_CHECK(cudaMalloc(&ptr, n * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr(o.ptr), count(o.count) { o.ptr = nullptr; }
  ~DeviceBuffer() {
    if (ptr) cudaFree(ptr);
  }
  void upload(const std::vector<T>& v) {
    if (!v.empty()) CUDA_CHECK(cudaMemcpy(ptr, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> v(count);
    if (count) CUDA_CHECK(cudaMemcpy(v.data(), ptr, count * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
  }
  void fill_bytes(int value) {
    if (count) CUDA_CHECK(cudaMemset(ptr, value, count * sizeof(T)));
  }
};

struct DeviceBatch {
  DeviceBuffer<float> logits, upstream, losses;
  DeviceBuffer<int32_t> choice;
  explicit DeviceBatch(const Batch& b)
      : logits(b.logits.size()), upstream(b.upstream.size()), losses(b.losses.size()),
        choice(b.choice.size()) {
    logits.upload(b.logits);
    upstream.upload(b.upstream);
    losses.upload(b.losses);
    choice.upload(b.choice);
  }
};

// The harness's device status word, and one library call with it: reset, call, wait, decode.
extern DeviceBuffer<uint64_t>* g_status;
int64_t run_gpu(const std::function<int32_t(uint64_t*)>& call);

// Tolerances of the comparisons with the CPU (harness.cu, "comparisons").
double base_rtol();
double tau_rtol(float tau);
void compare_rows(Result& res, const std::vector<float>& cpu, const std::vector<float>& gpu,
                  int64_t rows, int64_t cols, double rtol, double atol,
                  const std::vector<char>* skip_row = nullptr);

// ----------------------------------------------------------------------------- operations
enum class Op { Sample, Conditional, GumbelRao, GsForward, GsBackward, StBackward, Reinforce };
const char* op_name(Op op);

struct Case {
  Op op;
  int64_t rows;
  int32_t arity;
  int32_t samples = 1;
  float tau = 1.0f;
  bool one_hot = false;
  uint64_t seed = 0x1234ABCDull;
  uint32_t offset = 3;
  std::string name() const {
    char buf[160];
    snprintf(buf, sizeof buf, "%s_%lldx%d", op_name(op), (long long)rows, arity);
    std::string s = buf;
    if (op == Op::Conditional || op == Op::GumbelRao) s += "_K" + std::to_string(samples);
    if (op == Op::GumbelRao || op == Op::GsForward || op == Op::GsBackward || op == Op::StBackward) {
      snprintf(buf, sizeof buf, "_t%g", tau);
      s += buf;
    }
    if (one_hot) s += "_onehot";
    return s;
  }
  size_t out_floats() const {
    if (op == Op::Sample) return one_hot ? (size_t)rows * arity : 0;
    if (op == Op::Conditional) return (size_t)samples * rows * arity;
    return (size_t)rows * arity;
  }
};

// The CPU reference of a case; d receives D for Op::Sample.
int64_t run_cpu(const Case& c, const Batch& b, std::vector<float>& out, std::vector<int32_t>& d);
// Queues the GPU operation of a case (no synchronisation).
int32_t launch_gpu(const Case& c, const DeviceBatch& db, float* out, int32_t* d, uint64_t* status,
                   cudaStream_t stream);
// Checks rows [0, check_rows) of a case (all when 0) against the CPU.
Result check_case(const Case& c, const Batch& b, const DeviceBatch& db, int64_t check_rows = 0);

// The modes in their own files.
void graph_sweep();       // harness_graph.cu
void limits_sweep();      // harness_limits.cu
void nvtx_overhead();     // harness_nvtx.cu
