// Declarations shared by the harness's files (cuda/harness.cu: options, inputs, the check sweep,
// the bench, JSON, main; harness_graph.cu: CUDA graph capture and replay; harness_limits.cu:
// large-K and staging cases; harness_nvtx.cu: the host cost of the NVTX ranges;
// harness_split.cu: a batch split into chunks by the noise's row base).
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <functional>
#include <string>
#include <vector>

#include <string.h>

#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/operations.h"

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
// The library's operations return a gr_status (0: done or queued).
#define GR_CHECK(call)                                                                        \
  do {                                                                                        \
    const int64_t st_ = (call);                                                               \
    if (st_ != 0) {                                                                           \
      fprintf(stderr, "library error at %s:%d: %s: status code %lld row %lld\n", __FILE__,    \
              __LINE__, #call, (long long)gr_status_code(st_), (long long)gr_status_row(st_)); \
      exit(2);                                                                                \
    }                                                                                         \
  } while (0)

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
  bool split = false;     // --split: chunks of a batch against the whole (harness_split.cu)
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
  // Several draws per row, [draw][row]: RLOO's S samples and their losses, the binary
  // estimators' given b (DisARM's b and antithetic b~, ARMS's n copula draws) and losses
  // (add_draws).
  std::vector<int32_t> draws;
  std::vector<float> draw_losses;
  int64_t loss_width = 1;  // draw_losses per row and draw: 1, or the arity for a loss table
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
  DeviceBuffer<int32_t> draws;
  DeviceBuffer<float> draw_losses;
  explicit DeviceBatch(const Batch& b)
      : logits(b.logits.size()), upstream(b.upstream.size()), losses(b.losses.size()),
        choice(b.choice.size()), draws(b.draws.size()), draw_losses(b.draw_losses.size()) {
    logits.upload(b.logits);
    upstream.upload(b.upstream);
    losses.upload(b.losses);
    choice.upload(b.choice);
    draws.upload(b.draws);
    draw_losses.upload(b.draw_losses);
  }
};

// The harness's device status word, and one library call with it: reset, call, wait, decode.
extern DeviceBuffer<uint64_t>* g_status;
int64_t run_gpu(const std::function<int64_t(uint64_t*)>& call);

// ----------------------------------------------------------------------------- operations
// The operations and their properties come from the table of gumbel_rao/operations.h (generated
// from native/operations.txt): a new operation reaches every generic part of the harness (names,
// calls on the CPU and the GPU, output sizes, bytes moved, the NVTX test) with no edit here; its
// double-precision reference (harness_reference.cu) and its cases in the sweeps are its tests.
using Op = gr_operation;
inline const gr_operation_info& info(Op op) { return *gr_operation_describe(op); }
const char* op_name(Op op);  // the table's label: "gr", "gs_fwd", ...
constexpr float kReinforceBaseline = 0.25f;

inline bool is_binary(Op op) { return info(op).binary != 0; }
// K conditional draws per row (the samples of conditional noise and Gumbel-Rao). Not the binary
// draws n of binary_sample and ARMS: those are gr_operation_info's has_draws, Case::draws.
inline bool has_draws(Op op) { return info(op).samples && info(op).samples[0] == 'K'; }
inline bool has_tau(Op op) { return info(op).has_tau != 0; }
inline bool has_input(Op op, gr_array a) {
  const gr_operation_info& i = info(op);
  for (int32_t k = 0; k < i.array_count; ++k)
    if (i.arrays[k].array == a && i.arrays[k].role == GR_PARAMETER_INPUT) return true;
  return false;
}
inline bool takes_choice(Op op) { return has_input(op, GR_ARRAY_CHOICE) && !is_binary(op); }
inline bool reads_upstream(Op op) { return has_input(op, GR_ARRAY_UPSTREAM); }
// Several categorical draws per row, laid out [draw][row] (RLOO's S): the description names
// their length "draws * rows".
inline bool multi_draw(Op op) {
  const gr_operation_info& i = info(op);
  for (int32_t k = 0; k < i.array_count; ++k)
    if (i.arrays[k].array == GR_ARRAY_CHOICE && strstr(i.arrays[k].length, "draws") && !i.binary)
      return true;
  return false;
}
// A table of losses per draw, row and class, [draw][row][class] (IndeCateR's f_n(k)): the batch's
// `draw_losses` holds it.
inline bool loss_table_op(Op op) { return has_input(op, GR_ARRAY_LOSS_TABLE); }
// Operations whose given draws and losses are the batch's `draws` and `draw_losses` ([draw][row]:
// the multi-draw and the binary ones; [draw][row][class]: a loss table), checked on every row (a
// prefix of the rows would read other rows' draws).
inline bool draw_major(Op op) { return multi_draw(op) || is_binary(op) || loss_table_op(op); }

struct Case {
  Op op;
  int64_t rows;
  int32_t arity;
  int32_t samples = 1;  // K; RLOO: S
  float tau = 1.0f;
  bool one_hot = false;
  uint64_t seed = 0x1234ABCDull;
  uint32_t offset = 3;
  uint32_t first_row = 0;  // the row base of the noise (a chunk of a split batch)
  float gap = 1.0f;         // GST: > 0, or 0 for GST-p
  int32_t draws = 1;        // the binary draws n: binary_sample (n >= 1), ARMS (n >= 2)
  std::string name() const {
    char buf[160];
    snprintf(buf, sizeof buf, "%s_%lldx%d", op_name(op), (long long)rows, arity);
    std::string s = buf;
    if (info(op).samples) s += std::string("_") + info(op).samples + std::to_string(samples);
    if (has_tau(op)) {
      snprintf(buf, sizeof buf, "_t%g", tau);
      s += buf;
    }
    if (info(op).has_gap) {
      snprintf(buf, sizeof buf, gap > 0 ? "_gap%g" : "_gapp", gap);
      s += buf;
    }
    if (one_hot) s += "_onehot";
    if (info(op).has_draws) s += "_n" + std::to_string(draws);
    return s;
  }
  // The call's scalars and shape; arrays left null.
  gr_arguments arguments() const {
    gr_arguments a{};
    a.rows = rows;
    a.arity = is_binary(op) ? 1 : arity;
    a.samples = samples;
    a.tau = tau;
    a.gap = gap;
    a.baseline = kReinforceBaseline;
    a.draws = draws;
    a.seed = seed;
    a.offset = offset;
    a.first_row = first_row;
    return a;
  }
  // Elements of the case's float output (0 for an absent optional one) and int output.
  size_t output(int32_t type) const {
    const gr_operation_info& i = info(op);
    const gr_arguments a = arguments();
    for (int32_t k = 0; k < i.array_count; ++k) {
      const gr_array_parameter& p = i.arrays[k];
      if (p.role == GR_PARAMETER_INPUT || p.type != type) continue;
      if (p.role == GR_PARAMETER_OPTIONAL_OUTPUT && p.array == GR_ARRAY_ONE_HOT && !one_hot)
        return 0;
      return (size_t)gr_array_length(op, p.array, &a);
    }
    return 0;
  }
  size_t out_floats() const { return output(GR_FLOAT32); }
  size_t out_choices() const { return output(GR_INT32); }
};
// A successor (or binary) case builder, since Case's fields are positional.
Case gst_case(int64_t rows, int32_t arity, float tau, float gap);
// n: binary_sample's draws (1: b; 2: b and DisARM's b~; >= 3: ARMS's copula), ARMS's (>= 2).
Case binary_case(Op op, int64_t rows, int32_t draws = 1);

// The case's batch: make_batch, then what the operation needs beyond it (add_draws).
Batch make_case_batch(const Case& c);
void add_draws(Batch& b, const Case& c);

// The CPU backend's result of a case; d receives D for GR_OP_SAMPLE and the draws of
// GR_OP_BINARY_SAMPLE ([draw][row]).
int64_t run_cpu(const Case& c, const Batch& b, std::vector<float>& out, std::vector<int32_t>& d);
// The JAVA oracle's computation in double, with its checks and policy (harness_reference.cu).
int64_t run_reference(const Case& c, const Batch& b, std::vector<float>& out,
                      std::vector<int32_t>& d);
// The oracle's decision of binary draw k of row r (binary_sample with c.draws = n): b_k =
// [margin > 0], and how far from 0 a float computation (the kernels', the CPU's) may put the
// margin's sign wrong, a near-tie (compare_binary_choices).
struct BinaryMargin {
  double margin, tolerance;
};
BinaryMargin reference_binary_margin(const Case& c, const Batch& b, int64_t r, int32_t k);
// The oracle's perturbed logit (theta_j - m) + G_j.
double reference_perturbed(const Case& c, const Batch& b, int64_t r, int32_t j);
// Queues the GPU operation of a case on `stream` (no synchronisation); returns the gr_status of
// queuing it.
int64_t launch_gpu(const Case& c, const DeviceBatch& db, float* out, int32_t* d, uint64_t* status,
                   cudaStream_t stream);
// Checks rows [0, check_rows) of a case (all when 0) against the CPU.
Result check_case(const Case& c, const Batch& b, const DeviceBatch& db, int64_t check_rows = 0);

// The modes in their own files.
void graph_sweep();       // harness_graph.cu
void hardening_sweep();   // harness.cu: the policy of issue 9 against the reference
void limits_sweep();      // harness_limits.cu
void nvtx_overhead();     // harness_nvtx.cu
void split_sweep();       // harness_split.cu: a batch split into chunks (first_row)

// A case's arrays by name (harness.cu): the batch's inputs (the draws of multi-draw and binary
// operations in place of choice and losses) and the outputs given.
gr_arguments case_arguments(const Case& c, const float* logits, const float* upstream,
                            const float* losses, const int32_t* choice, const int32_t* draws,
                            const float* draw_losses, float* out, int32_t* d);
