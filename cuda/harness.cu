/*
Correctness and speed harness of the CUDA kernels. Every operation of gumbel_rao_cuda.h is run
against the library's own CPU backend (gr_cpu_*, itself tested against a double-precision Java
oracle), compared row by row, then timed with CUDA events.

Build (CMake builds it as gr_cuda_harness whenever it finds CUDA):
  cmake -S . -B build -DGR_CUDA_ARCHITECTURES=90-real && cmake --build build -j --target gr_cuda_harness
  (add -DGR_CUDA_PRECISE_MATH=ON for the log2f/exp2f build; the harness then tightens tolerances)

Run:
  ./build/gr_cuda_harness                    # --check, then --bench (under 2 minutes on an H100)
  ./build/gr_cuda_harness --check            # correctness sweep: arity x K x tau, masked
                                             # logits, one bad-input case per op, determinism
  ./build/gr_cuda_harness --bench            # the speed cases, each first checked on its
                                             # first rows against the CPU
  ./build/gr_cuda_harness --sanitize         # tiny sizes of every op, for compute-sanitizer:
      compute-sanitizer --tool memcheck  ./build/gr_cuda_harness --sanitize
      compute-sanitizer --tool racecheck ./build/gr_cuda_harness --sanitize
      compute-sanitizer --tool synccheck ./build/gr_cuda_harness --sanitize
  ./build/gr_cuda_harness --bench --only gr_,sample_   # cases whose name holds any of these
  ./build/gr_cuda_harness --check --skip _64x8192      # ... and none of these
  ./build/gr_cuda_harness --bench --once --only gr_1048576x16_K100_t0.5   # one launch (for ncu)
  ./build/gr_cuda_harness --graph            # device-resident calls captured into a CUDA graph,
                                             # replayed, against uncaptured calls
  ./build/gr_cuda_harness --split            # every operation on chunks of a batch (first_row)
  ./build/gr_cuda_harness --limits           # K near 2^31, large K at arity > 4096, staging
                                             # memory released for every thread
  ./build/gr_cuda_harness --nvtx-overhead    # host cost of an NVTX range, tool or no tool
  ./build/gr_cuda_harness --json results.json  # also write every result as JSON
  ./build/gr_cuda_harness --check --scale 0.01 --max-work 1e6   # a small check sweep (cuda/emu)
  ncu --set full -k regex:gumbel_rao_team -c 1 ./build/gr_cuda_harness --bench --once --only gr_1048576x16_K100_t0.5
  (kernels are built with -lineinfo, so ncu's source view maps SASS to the .cu lines)

Units: element-samples per second = rows x arity x K / time (K = 1 for one-draw operations).
Timings: the median of single calls, each after an L2 flush (a memset of twice the L2 size),
and the mean of back-to-back calls rotating over several input buffers. Exit status 0 when
every check passed, 1 otherwise, 2 on a CUDA error.
*/
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/math.h"
#include "harness.h"

// ----------------------------------------------------------------------------- options, results
Options g_opt;
bool g_precise = false;
int g_failures = 0;
int g_cpu_warnings = 0;  // CPU-backend statuses off the contract (check_fault_set)

std::vector<Result> g_results;

// --only and --skip take comma-separated lists of substrings: a case runs when its name holds one
// of --only's (or --only is absent) and none of --skip's.
bool holds_any(const std::string& name, const char* list_text) {
  const std::string list = list_text;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string part = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty() && name.find(part) != std::string::npos) return true;
    if (comma == std::string::npos) return false;
    start = comma + 1;
  }
}
bool selected(const std::string& name) {
  if (g_opt.skip != nullptr && holds_any(name, g_opt.skip)) return false;
  return g_opt.only == nullptr || holds_any(name, g_opt.only);
}

void report(Result& r) {
  if (!r.ok) ++g_failures;
  printf("%-44s %s", r.name.c_str(), r.ok ? "ok  " : "FAIL");
  if (r.max_err >= 0.0) printf("  max_err %.2e", r.max_err);
  if (r.mismatches) printf("  mismatches %lld", (long long)r.mismatches);
  if (r.median_ms >= 0.0)
    printf("  median %.4f ms  b2b %.4f ms  %.1f G el-samples/s", r.median_ms, r.b2b_ms,
           r.gesps / 1e9);
  if (r.gbps >= 0.0) printf("  %.0f GB/s (%.0f%% of D2D copy)", r.gbps / 1e9, 100.0 * r.copy_fraction);
  if (!r.note.empty()) printf("  [%s]", r.note.c_str());
  printf("\n");
  fflush(stdout);
  g_results.push_back(r);
}

// ----------------------------------------------------------------------------- host data
struct Rng {  // splitmix64
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return ((next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double normal() { return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform()); }
};

// do not depend on the thread count; the 2^26-element bench batches take a fraction of a second.
Batch make_batch(int64_t rows, int32_t arity, uint64_t seed, uint32_t offset) {
  Batch b;
  b.rows = rows;
  b.arity = arity;
  const size_t n = (size_t)rows * arity;
  b.logits.resize(n);
  b.upstream.resize(n);
  b.losses.resize(rows);
  b.choice.resize(rows);
  const float scales[4] = {1.0f, 3.0f, 0.3f, 8.0f};
  auto fill = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      Rng rng((seed * 0x2545F4914F6CDD1Dull + 17) ^ ((uint64_t)r * 0x9E3779B97F4A7C15ull));
      const float scale = scales[r % 4];
      const float shift = r % 7 == 3 ? 60.0f : 0.0f;
      const int32_t keep = (int32_t)(r % arity);
      for (int32_t j = 0; j < arity; ++j) {
        float x = (float)rng.normal() * scale + shift;
        if (arity >= 3 && r % 5 == 2 && (j + r) % 3 == 0 && j != keep) x = -INFINITY;
        b.logits[(size_t)r * arity + j] = x;
        b.upstream[(size_t)r * arity + j] = (float)rng.normal();
      }
      b.losses[r] = (float)rng.normal();
    }
  };
  const int64_t threads = n < ((size_t)1 << 16) ? 1 : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t)
    pool.emplace_back(fill, rows * t / threads, rows * (t + 1) / threads);
  for (std::thread& th : pool) th.join();
  const int64_t st = gr_sample(nullptr, b.logits.data(), rows, arity, seed ^ 0x5DEECE66Dull, offset + 7, 0,
                                   b.choice.data(), nullptr);
  if (st != 0) {
    fprintf(stderr, "make_batch: the CPU sampler rejected generated data (status %lld)\n",
            (long long)st);
    exit(2);
  }
  return b;
}

// The bench's cases share inputs (same rows and arity): the last batch is kept.
const Batch& cached_batch(int64_t rows, int32_t arity, uint64_t seed, uint32_t offset) {
  static Batch last;
  static uint64_t last_seed = 0;
  static uint32_t last_offset = 0;
  if (last.rows != rows || last.arity != arity || last_seed != seed || last_offset != offset) {
    last = Batch();  // free the previous one first
    last = make_batch(rows, arity, seed, offset);
    last_seed = seed;
    last_offset = offset;
  }
  return last;
}


DeviceBuffer<uint64_t>* g_status = nullptr;

// Runs one library call with a fresh status word, waits, and returns the decoded status.
int64_t run_gpu(const std::function<int64_t(uint64_t*)>& call) {
  CUDA_CHECK((cudaError_t)gr_cuda_status_reset(g_status->ptr, 0));
  GR_CHECK(call(g_status->ptr));
  CUDA_CHECK(cudaDeviceSynchronize());
  uint64_t word = 0;
  CUDA_CHECK(cudaMemcpy(&word, g_status->ptr, sizeof word, cudaMemcpyDeviceToHost));
  return gr_cuda_status_decode(word);
}

// ----------------------------------------------------------------------------- comparisons
// theta_j + G_j with the host's math.h (the CPU backend's formulas): the gap between two
// classes' perturbed logits tells a float near-tie from a wrong D.
double host_perturbed(const Batch& b, int64_t r, int32_t j, uint64_t seed, uint32_t offset) {
  const gr::Words4 w = gr::noise_words(gr::noise_key(seed, offset, 0), (uint32_t)(j / 4), (uint32_t)r,
                                       gr::kForwardSlot);
  return (double)b.logits[(size_t)r * b.arity + j] +
         (double)gr::gumbel_from_uniform(gr::uniform_open(w.w[j % 4]));
}

// ----------------------------------------------------------------------------- operations
const char* op_name(Op op) { return info(op).label; }

Case gst_case(int64_t rows, int32_t arity, float tau, float gap) {
  Case c{GR_OP_GST_BACKWARD, rows, arity, 1, tau};
  c.gap = gap;
  return c;
}
Case binary_case(Op op, int64_t rows, int32_t draws) {
  Case c{op, rows, 1};
  c.draws = draws;
  return c;
}

// RLOO: S samples per row from the CPU sampler (valid, distributed as p) under derived offsets,
// and their losses. Binary rows: some logits +-inf (certain outcomes), the given draws of the
// reference's sampler under another key (so they are possible: b = 1 at +inf): b and b~ of its
// antithetic pair (n = 2), or for ARMS its n = c.draws copula draws; a loss per draw.
void add_draws(Batch& b, const Case& c) {
  const int64_t rows = b.rows;
  Rng rng(c.seed * 0x9E3779B97F4A7C15ull + 0xD1B54A32D192ED03ull);
  if (multi_draw(c.op)) {
    const int64_t S = c.samples;
    b.draws.resize((size_t)S * rows);
    b.draw_losses.resize((size_t)S * rows);
    for (int64_t s = 0; s < S; ++s) {
      const int64_t st = gr_sample(nullptr, b.logits.data(), rows, b.arity, c.seed ^ 0xA5A5ull,
                                       c.offset + 100 + (uint32_t)s, 0, b.draws.data() + s * rows,
                                       nullptr);
      if (st != 0) {
        fprintf(stderr, "add_draws: the CPU sampler rejected generated data (%lld)\n", (long long)st);
        exit(2);
      }
    }
    // a few rows repeat a class across samples, so that a column sums several terms
    for (int64_t r = 0; r < rows && S > 2; r += 3) b.draws[2 * rows + r] = b.draws[r];
    for (float& f : b.draw_losses) f = (float)rng.normal();
    return;
  }
  if (loss_table_op(c.op)) {
    // f_n(k) ~ N(0, 1); every seventh row a table that ignores the class (a constant per draw:
    // its gradient is exactly 0); NaN at masked classes, which must never be read
    const int64_t n = b.arity, S = c.samples;
    b.draw_losses.resize((size_t)(S * rows * n));
    b.loss_width = n;
    for (int64_t s = 0; s < S; ++s)
      for (int64_t r = 0; r < rows; ++r) {
        const float constant = (float)rng.normal();
        for (int64_t j = 0; j < n; ++j) {
          float& f = b.draw_losses[(size_t)((s * rows + r) * n + j)];
          f = r % 7 == 3 ? constant : (float)rng.normal();
          if (b.logits[(size_t)(r * n + j)] == -INFINITY) f = NAN;
        }
      }
    return;
  }
  if (!is_binary(c.op)) return;
  for (int64_t r = 0; r < rows; ++r) {
    if (r % 11 == 5) b.logits[r] = INFINITY;
    if (r % 13 == 7) b.logits[r] = -INFINITY;
  }
  const int32_t n = c.op == GR_OP_ARMS_BACKWARD ? c.draws : 2;
  Case draw = binary_case(GR_OP_BINARY_SAMPLE, rows, n);
  draw.seed = c.seed ^ 0x5DEECE66Dull;
  draw.offset = c.offset + 7;
  std::vector<float> values((size_t)n * rows);
  run_reference(draw, b, values, b.draws);
  b.draw_losses.resize((size_t)n * rows);
  for (float& f : b.draw_losses) f = (float)rng.normal();
}

Batch make_case_batch(const Case& c) {
  Batch b = make_batch(c.rows, is_binary(c.op) ? 1 : c.arity, c.seed, c.offset);
  add_draws(b, c);
  return b;
}

// A case's arrays by name: the batch's inputs (the draws of multi-draw and binary operations in
// place of choice and losses) and the outputs given.
gr_arguments case_arguments(const Case& c, const float* logits, const float* upstream,
                            const float* losses, const int32_t* choice, const int32_t* draws,
                            const float* draw_losses, float* out, int32_t* d) {
  gr_arguments a = c.arguments();
  const bool draws_in = draw_major(c.op);
  a.arrays[GR_ARRAY_LOGITS] = (void*)logits;
  a.arrays[GR_ARRAY_UPSTREAM] = (void*)upstream;
  a.arrays[GR_ARRAY_LOSSES] = (void*)(draws_in ? draw_losses : losses);
  a.arrays[GR_ARRAY_LOSS_TABLE] = (void*)draw_losses;
  const gr_operation_info& i = info(c.op);
  for (int32_t k = 0; k < i.array_count; ++k) {
    const gr_array_parameter& p = i.arrays[k];
    if (p.role == GR_PARAMETER_INPUT) {
      if (p.array == GR_ARRAY_CHOICE) a.arrays[p.array] = (void*)(draws_in ? draws : choice);
    } else if (p.type == GR_INT32) {
      a.arrays[p.array] = d;
    } else if (p.role == GR_PARAMETER_OUTPUT || c.out_floats() > 0) {
      a.arrays[p.array] = out;
    }
  }
  return a;
}

// The CPU backend's result of a case; d receives the int output (D of sampling, the draws of
// binary sampling).
int64_t run_cpu(const Case& c, const Batch& b, std::vector<float>& out, std::vector<int32_t>& d) {
  out.assign(c.out_floats(), 0.0f);
  d.assign(c.out_choices(), -1);
  const gr_arguments a =
      case_arguments(c, b.logits.data(), b.upstream.data(), b.losses.data(), b.choice.data(),
                     b.draws.data(), b.draw_losses.data(), out.data(), d.data());
  return gr_invoke(c.op, nullptr, &a);
}

// Queues the GPU operation (no synchronisation).
int64_t launch_gpu(const Case& c, const DeviceBatch& db, float* out, int32_t* d, uint64_t* status,
                   cudaStream_t stream) {
  const gr_place place{GR_ON_CUDA, g_opt.device, (void*)stream, status};
  const gr_arguments a = case_arguments(c, db.logits.ptr, db.upstream.ptr, db.losses.ptr,
                                        db.choice.ptr, db.draws.ptr, db.draw_losses.ptr, out, d);
  return gr_invoke(c.op, &place, &a);
}

// Compares D: every disagreement must be a float near-tie of the CPU's perturbed logits, and
// at least 99.99% of rows must agree.
void compare_choice(Result& res, const Case& c, const Batch& b, const std::vector<int32_t>& cpu,
                    const std::vector<int32_t>& gpu) {
  int printed = 0;
  for (int64_t r = 0; r < c.rows; ++r) {
    if (cpu[r] == gpu[r]) continue;
    ++res.mismatches;
    bool near_tie = gpu[r] >= 0 && gpu[r] < c.arity;
    double gap = INFINITY;
    if (near_tie) {
      const double vc = host_perturbed(b, r, cpu[r], c.seed, c.offset);
      const double vg = host_perturbed(b, r, gpu[r], c.seed, c.offset);
      gap = vc - vg;
      near_tie = fabs(gap) <= 1e-5 * std::max(1.0, fabs(vc));
    }
    if (!near_tie) res.ok = false;
    if (printed++ < 5)
      printf("    D differs row %lld: cpu %d gpu %d, gap of perturbed logits %.3g%s\n",
             (long long)r, cpu[r], gpu[r], gap, near_tie ? " (near-tie)" : "");
  }
  if ((double)res.mismatches > 1e-4 * (double)c.rows && res.mismatches > 1) res.ok = false;
  res.max_err = -1.0;
}

// argmax_j(theta_j + G_j^k) = D for every draw, strictly (the property of the conditional noise).
int64_t count_argmax_violations(const Case& c, const Batch& b, const std::vector<float>& noise) {
  int64_t bad = 0;
  for (int64_t k = 0; k < c.samples; ++k)
    for (int64_t r = 0; r < c.rows; ++r) {
      const float* g = noise.data() + ((size_t)k * c.rows + r) * c.arity;
      const float* th = b.logits.data() + (size_t)r * c.arity;
      const int32_t d = b.choice[r];
      const float zd = th[d] + g[d];
      for (int32_t j = 0; j < c.arity; ++j)
        if (j != d && !(th[j] + g[j] < zd)) ++bad;
    }
  return bad;
}

// The JAVA oracle's tolerance (TestData.rtol, TestData.floor of the Java tests) for the
// successor operations, per element: |gpu - ref| <= rtol |ref| + floor max_row |ref| + 1e-30,
// rtol = 1e-5 and floor = 16 x 2^-24, both times max(1, 0.1 / tau) and times 10 for the hardware
// log2/exp2; every output finite; masked classes (logit -inf) exactly +0.
void compare_elements(Result& res, const Case& c, const Batch& b, const std::vector<float>& ref,
                      const std::vector<float>& gpu, bool quiet = false) {
  const double widen = std::max(1.0, 0.1 / (double)c.tau) * (g_precise ? 1.0 : 10.0);
  const double rtol = 1e-5 * widen, floor = 16 * 0x1p-24 * widen;
  const int64_t cols = c.arity, rows = (int64_t)ref.size() / cols;
  int printed = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double scale = 0.0;
    for (int64_t j = 0; j < cols; ++j) scale = std::max(scale, (double)fabsf(ref[r * cols + j]));
    for (int64_t j = 0; j < cols; ++j) {
      const size_t i = (size_t)(r * cols + j);
      const double e = ref[i], g = gpu[i];
      const double err = fabs(g - e), tol = rtol * fabs(e) + floor * scale + 1e-30;
      bool bad = !(err <= tol) || !isfinite(g);
      if (!is_binary(c.op) && b.logits[i % b.logits.size()] == -INFINITY) {
        uint32_t bits;
        memcpy(&bits, &gpu[i], sizeof bits);
        bad = bits != 0;  // a masked class: exactly +0
      }
      res.max_err = std::max(res.max_err, err / (floor * scale + 1e-30 + rtol * fabs(e)));
      if (bad) {
        ++res.mismatches;
        if (!quiet && printed++ < 5)
          printf("    mismatch row %lld col %lld: ref %.9g gpu %.9g (tol %.3g)\n", (long long)r,
                 (long long)j, e, g, tol);
      }
    }
  }
  if (res.mismatches) res.ok = false;
}

// Binary draws against the reference: a disagreement only where the reference's margin is a
// float near-tie (reference_binary_margin: eta +- L for n <= 2, the copula's log pbar - x_k for
// n >= 3, which the GPU forms in float with its own log2), and at most 0.01% of draws.
void compare_binary_choices(Result& res, const Case& c, const Batch& b,
                            const std::vector<int32_t>& ref, const std::vector<int32_t>& gpu,
                            const std::vector<float>& gpu_values) {
  int printed = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const int64_t r = (int64_t)(i % (size_t)c.rows);
    if (gpu_values[i] != (float)gpu[i]) {
      res.ok = false;
      ++res.mismatches;
    }
    if (ref[i] == gpu[i]) continue;
    ++res.mismatches;
    const int32_t k = (int32_t)(i / (size_t)c.rows);
    const BinaryMargin m = reference_binary_margin(c, b, r, k);
    const bool near_tie = fabs(m.margin) <= m.tolerance;
    if (!near_tie) res.ok = false;
    if (printed++ < 5)
      printf("    draw %d of row %lld differs: ref %d gpu %d, margin %.3g (tolerance %.3g)%s\n", k,
             (long long)r, ref[i], gpu[i], m.margin, m.tolerance, near_tie ? " (near-tie)" : "");
  }
  if ((double)res.mismatches > 1e-4 * (double)ref.size() && res.mismatches > 1) res.ok = false;
  res.max_err = -1.0;
}

// Checks one case (rows [0, check_rows) of it when check_rows > 0) against the CPU.
Result check_case(const Case& c, const Batch& b, const DeviceBatch& db, int64_t check_rows) {
  Case cc = c;
  if (check_rows > 0 && check_rows < c.rows) cc.rows = check_rows;
  Result res;
  res.name = c.name();
  res.op = op_name(c.op);
  res.rows = c.rows;
  res.arity = c.arity;
  res.samples = c.samples;
  res.tau = c.tau;

  std::vector<float> cpu_out;
  std::vector<int32_t> cpu_d;
  const int64_t cpu_status = run_cpu(cc, b, cpu_out, cpu_d);
  DeviceBuffer<float> out(cc.out_floats());
  DeviceBuffer<int32_t> d(cc.out_choices());
  out.fill_bytes(0xFF);  // NaN: a value the kernel failed to write shows up
  const int64_t gpu_status =
      run_gpu([&](uint64_t* st) { return launch_gpu(cc, db, out.ptr, d.ptr, st, 0); });
  if (cpu_status != 0 || gpu_status != cpu_status) {
    res.ok = false;
    res.note = "status cpu " + std::to_string(cpu_status) + " gpu " + std::to_string(gpu_status);
    return res;
  }
  const std::vector<float> gpu_out = out.download();
  const int64_t cols = cc.arity;
  // By what the operation outputs (the description's arrays): draws, conditional noise, or
  // values and gradients, the latter against the double-precision reference (the JAVA oracle's
  // computation) with the CPU backend's distance to it noted.
  const bool draws_out = cc.out_choices() > 0, noise_out = info(cc.op).array_count > 0 &&
      info(cc.op).arrays[info(cc.op).array_count - 1].array == GR_ARRAY_NOISE;
  switch (draws_out ? (is_binary(cc.op) ? 1 : 0) : noise_out ? 2 : 3) {
    case 0: {
      const std::vector<int32_t> gpu_d = d.download();
      compare_choice(res, cc, b, cpu_d, gpu_d);
      if (cc.one_hot) {  // one-hot of the GPU's own D
        for (int64_t r = 0; r < cc.rows; ++r)
          for (int64_t j = 0; j < cols; ++j)
            if (gpu_out[r * cols + j] != (j == gpu_d[r] ? 1.0f : 0.0f)) {
              res.ok = false;
              ++res.mismatches;
            }
      }
      break;
    }
    case 2: {
      // noise values: elementwise, 1e-5 relative to max(1, |G|) (4e-5 with the hardware logs)
      const double tol = g_precise ? 1e-5 : 4e-5;
      int printed = 0;
      for (size_t i = 0; i < gpu_out.size(); ++i) {
        const double cv = cpu_out[i], gv = gpu_out[i];
        const double err = fabs(gv - cv) / std::max(1.0, fabs(cv));
        res.max_err = std::max(res.max_err, err);
        if (!(err <= tol) || isfinite(cv) != isfinite(gv)) {
          ++res.mismatches;
          if (printed++ < 5)
            printf("    mismatch draw/row/col %zu/%zu/%zu: cpu %.9g gpu %.9g\n",
                   i / ((size_t)cc.rows * cols), (i / cols) % cc.rows, i % cols, cv, gv);
        }
      }
      if (res.mismatches) res.ok = false;
      const int64_t viol = count_argmax_violations(cc, b, gpu_out);
      if (viol) {
        res.ok = false;
        res.note = std::to_string(viol) + " draws break argmax(theta + G) = D";
      }
      break;
    }
    case 1: {
      // binary draws: against the CPU's, and against the double-precision reference's (every
      // disagreement a near-tie of the reference's margin, at most 0.01% of the draws)
      const std::vector<int32_t> gpu_d = d.download();
      compare_binary_choices(res, cc, b, cpu_d, gpu_d, gpu_out);
      std::vector<float> ref_out;
      std::vector<int32_t> ref_d;
      const int64_t ref_status = run_reference(cc, b, ref_out, ref_d);
      Result ref_res;
      if (ref_status == 0) compare_binary_choices(ref_res, cc, b, ref_d, gpu_d, gpu_out);
      if (ref_status != 0 || !ref_res.ok) res.ok = false;
      res.note = "vs reference: status " + std::to_string(ref_status) + ", " +
                 std::to_string(ref_res.mismatches) + " draws differ";
      break;
    }
    default: {  // values and gradients, against the double-precision reference
      std::vector<float> ref_out;
      std::vector<int32_t> ref_d;
      const int64_t ref_status = run_reference(cc, b, ref_out, ref_d);
      if (ref_status != 0) {
        res.ok = false;
        res.note = "reference status " + std::to_string(ref_status);
        break;
      }
      compare_elements(res, cc, b, ref_out, gpu_out);
      // The CPU backend against the same reference, for the record (not the GPU's verdict).
      Result cpu_res;
      compare_elements(cpu_res, cc, b, ref_out, cpu_out, /*quiet=*/true);
      char note[120];
      snprintf(note, sizeof note, "cpu vs reference: max_err %.2e, %lld mismatches",
               cpu_res.max_err, (long long)cpu_res.mismatches);
      res.note = note;
      break;
    }
  }
  return res;
}

// ----------------------------------------------------------------------------- bad inputs
// Row r of `from` into `to`: logits, upstream, choice, losses and the row's draws.
void restore_row(Batch& to, const Batch& from, int64_t r) {
  const size_t n = (size_t)from.arity, at = (size_t)r * n;
  std::copy(from.logits.begin() + at, from.logits.begin() + at + n, to.logits.begin() + at);
  std::copy(from.upstream.begin() + at, from.upstream.begin() + at + n, to.upstream.begin() + at);
  to.choice[r] = from.choice[r];
  to.losses[r] = from.losses[r];
  for (size_t i = (size_t)r; i < from.draws.size(); i += (size_t)from.rows) to.draws[i] = from.draws[i];
  const size_t per_row = (size_t)from.loss_width;  // [draw][row], or [draw][row][class]
  for (size_t i = (size_t)r * per_row; i < from.draw_losses.size(); i += (size_t)from.rows * per_row)
    std::copy(from.draw_losses.begin() + i, from.draw_losses.begin() + i + per_row,
              to.draw_losses.begin() + i);
}

// One batch of 64 rows with faults in some rows; `faults` lists (row, the code the row gives
// alone: 0 for an input the contract accepts, such as NaN upstream at a masked class). Checked:
// all faults at once give the lowest bad row and its code on the GPU, in the reference (the
// JAVA oracle's order of checks), the GPU also with a NULL status (no report, no crash); and
// each fault alone gives its own code and row on both. The CPU backend is compared too, as a
// warning only (counted and printed at the end): main's binary kernels do not report
// GR_CHOICE_MASKED for an impossible b, which gumbel_rao.h and the JAVA oracle do.
void check_fault_set(const std::string& name, const Case& c, const Batch& b, const Batch& clean,
                     const std::vector<std::pair<int, int>>& faults) {
  if (!selected(name)) return;
  Result res;
  res.name = name;
  res.op = op_name(c.op);
  res.rows = c.rows;
  res.arity = c.arity;
  res.max_err = -1.0;
  DeviceBatch db(b);
  std::vector<float> ref_out, cpu_out;
  std::vector<int32_t> ref_d, cpu_d;
  const int64_t ref_status = run_reference(c, b, ref_out, ref_d);
  int64_t expect = 0;
  for (auto f : faults)
    if (f.second != GR_OK && (expect == 0 || f.first < gr_status_row(expect)))
      expect = gr_status_make(f.second, f.first);
  DeviceBuffer<float> out(c.out_floats() ? c.out_floats() : 1);
  DeviceBuffer<int32_t> d(c.out_choices() ? c.out_choices() : 1);
  const int64_t gpu_status =
      run_gpu([&](uint64_t* st) { return launch_gpu(c, db, out.ptr, d.ptr, st, 0); });
  GR_CHECK(launch_gpu(c, db, out.ptr, d.ptr, nullptr, 0));
  CUDA_CHECK(cudaDeviceSynchronize());
  const int64_t cpu_status = run_cpu(c, b, cpu_out, cpu_d);
  res.ok = gpu_status == expect && ref_status == expect;
  auto cpu_warning = [&](int64_t got, int64_t want, const char* what) {
    if (got == want) return;
    ++g_cpu_warnings;
    printf("    warning: the CPU backend reports %lld:%lld%s, the contract %lld:%lld\n",
           (long long)gr_status_code(got), (long long)gr_status_row(got), what,
           (long long)gr_status_code(want), (long long)gr_status_row(want));
  };
  cpu_warning(cpu_status, expect, "");
  char note[400];
  snprintf(note, sizeof note, "expect %lld:%lld reference %lld:%lld cpu %lld:%lld gpu %lld:%lld",
           (long long)gr_status_code(expect), (long long)gr_status_row(expect),
           (long long)gr_status_code(ref_status), (long long)gr_status_row(ref_status),
           (long long)gr_status_code(cpu_status), (long long)gr_status_row(cpu_status),
           (long long)gr_status_code(gpu_status), (long long)gr_status_row(gpu_status));
  res.note = note;
  for (auto f : faults) {
    Batch one = b;
    for (auto other : faults)
      if (other.first != f.first) restore_row(one, clean, other.first);
    DeviceBatch dbo(one);
    const int64_t want = f.second == GR_OK ? 0 : gr_status_make(f.second, f.first);
    const int64_t rs = run_reference(c, one, ref_out, ref_d);
    const int64_t cs = run_cpu(c, one, cpu_out, cpu_d);
    const int64_t gs = run_gpu([&](uint64_t* st) { return launch_gpu(c, dbo, out.ptr, d.ptr, st, 0); });
    cpu_warning(cs, want, (" (row " + std::to_string(f.first) + " alone)").c_str());
    if (rs != want || gs != want) {
      res.ok = false;
      snprintf(note, sizeof note,
               " | row %d alone: want %lld:%lld reference %lld:%lld cpu %lld:%lld gpu %lld:%lld",
               f.first, (long long)gr_status_code(want), (long long)gr_status_row(want),
               (long long)gr_status_code(rs), (long long)gr_status_row(rs),
               (long long)gr_status_code(cs), (long long)gr_status_row(cs),
               (long long)gr_status_code(gs), (long long)gr_status_row(gs));
      res.note += note;
    }
  }
  report(res);
}

// The categorical faults, from row 2 on: NaN (row 9), +inf (7), a row of -inf (5); with a
// choice: out of range (3, 4), on a masked class (6); RLOO: those faults in its second and
// third samples, row 10 with a masked first sample before an out-of-range second one (the
// first bad sample decides), non-finite losses (11, 12) and a bad third D before a NaN loss
// (13: the draws are checked first); with upstream: +inf at an unmasked class (8), NaN at a masked
// class (2: accepted, never read).
void check_bad_inputs(Op op, int32_t arity) {
  const int32_t k = has_draws(op) ? 5 : multi_draw(op) || loss_table_op(op) ? 3 : 1;
  Case c{op, 64, arity, k, 0.5f};
  if (op == GR_OP_GST_BACKWARD) c.gap = 0.0f;
  const std::string name = std::string("bad_") + c.name();
  if (!selected(name)) return;
  const Batch clean = make_case_batch(Case{op, 64, arity, k, 0.5f, false, 99, 1});
  Batch b = clean;
  const size_t n = (size_t)arity;
  const bool rloo = multi_draw(op);
  b.logits[9 * n + n / 2] = NAN;
  b.logits[7 * n + n - 1] = INFINITY;
  for (size_t j = 0; j < n; ++j) b.logits[5 * n + j] = -INFINITY;
  std::vector<std::pair<int, int>> faults = {{9, GR_LOGITS_NAN}, {7, GR_LOGITS_POS_INF},
                                             {5, GR_ROW_ALL_MASKED}};
  if (takes_choice(op) || rloo) {
    int32_t* d3 = rloo ? &b.draws[1 * 64 + 3] : &b.choice[3];
    int32_t* d4 = rloo ? &b.draws[2 * 64 + 4] : &b.choice[4];
    int32_t* d6 = rloo ? &b.draws[1 * 64 + 6] : &b.choice[6];
    *d3 = arity;
    *d4 = -1;
    b.logits[6 * n + 0] = -INFINITY;
    *d6 = 0;
    if (rloo && clean.draws[6] == 0) b.draws[6] = (int32_t)std::min<size_t>(1, n - 1);
    faults.push_back({3, GR_CHOICE_RANGE});
    faults.push_back({4, GR_CHOICE_RANGE});
    faults.push_back({6, arity > 1 ? GR_CHOICE_MASKED : GR_ROW_ALL_MASKED});
    if (rloo && arity > 1) {
      b.logits[10 * n + 0] = -INFINITY;
      b.draws[10] = 0;
      b.draws[64 + 10] = arity;
      faults.push_back({10, GR_CHOICE_MASKED});
    }
    if (rloo) {  // a NaN loss of the second sample, +inf of the first; a bad D before a NaN loss
      b.draw_losses[64 + 11] = NAN;
      b.draw_losses[12] = INFINITY;
      b.draws[2 * 64 + 13] = arity;
      b.draw_losses[13] = NAN;
      faults.push_back({11, GR_LOSSES_NOT_FINITE});
      faults.push_back({12, GR_LOSSES_NOT_FINITE});
      faults.push_back({13, GR_CHOICE_RANGE});
    }
  }
  if (loss_table_op(op)) {  // non-finite losses at unmasked classes; NaN at masked ones is read never
    const size_t rows = 64;
    size_t at11 = 0;
    while (b.logits[11 * n + at11] == -INFINITY) ++at11;
    b.draw_losses[(1 * rows + 11) * n + at11] = NAN;
    faults.push_back({11, GR_LOSSES_NOT_FINITE});
    size_t at12 = 0;
    while (b.logits[12 * n + at12] == -INFINITY) ++at12;
    b.draw_losses[(0 * rows + 12) * n + at12] = -INFINITY;
    faults.push_back({12, GR_LOSSES_NOT_FINITE});
  }
  if (reads_upstream(op)) {
    b.upstream[8 * n + (size_t)b.choice[8]] = INFINITY;  // D itself is never masked
    faults.push_back({8, GR_UPSTREAM_NOT_FINITE});
    if (arity > 1) {
      const size_t j = (size_t)(b.choice[2] == 0 ? 1 : 0);
      b.logits[2 * n + j] = -INFINITY;
      b.upstream[2 * n + j] = NAN;
      faults.push_back({2, GR_OK});
    }
  }
  check_fault_set(name, c, b, clean, faults);
}

// The binary faults: a NaN logit (row 5); given draws: b = 2 (3), b = -1 (4), b = 0 at
// eta = +inf (6) and b = 1 at eta = -inf (7), both impossible draws; DisARM and ARMS: the last
// draw out of range (9) and non-finite losses (10: the first draw's, 11: the last's); ARMS: a bad
// last draw with a NaN loss of the first (12: the draws are checked first); ZGR: a non-finite
// upstream value (8). Sampling has only the NaN, and +-inf logits are certain outcomes, not
// errors. n: the draws of sampling and ARMS.
void check_bad_binary(Op op, int32_t n = 2) {
  Case c = binary_case(op, 64, n);
  c.seed = 99;
  c.offset = 1;
  const std::string name = std::string("bad_") + c.name();
  if (!selected(name)) return;
  const Batch clean = make_case_batch(c);
  Batch b = clean;
  b.logits[5] = NAN;
  std::vector<std::pair<int, int>> faults = {{5, GR_LOGITS_NAN}};
  if (op != GR_OP_BINARY_SAMPLE) {
    b.draws[3] = 2;
    b.draws[4] = -1;
    b.logits[6] = INFINITY;
    b.draws[6] = 0;
    b.logits[7] = -INFINITY;
    b.draws[7] = 1;
    faults.push_back({3, GR_CHOICE_RANGE});
    faults.push_back({4, GR_CHOICE_RANGE});
    faults.push_back({6, GR_CHOICE_MASKED});
    faults.push_back({7, GR_CHOICE_MASKED});
  }
  if (op == GR_OP_DISARM_BACKWARD || op == GR_OP_ARMS_BACKWARD) {
    const int64_t last = op == GR_OP_ARMS_BACKWARD ? n - 1 : 1;
    b.draws[last * 64 + 9] = 3;
    faults.push_back({9, GR_CHOICE_RANGE});
    b.draw_losses[10] = NAN;                 // the first draw's loss, then the last's
    b.draw_losses[last * 64 + 11] = -INFINITY;
    faults.push_back({10, GR_LOSSES_NOT_FINITE});
    faults.push_back({11, GR_LOSSES_NOT_FINITE});
  }
  if (op == GR_OP_ARMS_BACKWARD) {
    b.draws[(n - 1) * 64 + 12] = -1;
    b.draw_losses[12] = NAN;
    faults.push_back({12, GR_CHOICE_RANGE});
  }
  if (op == GR_OP_ZGR_BINARY_BACKWARD) {
    b.upstream[8] = NAN;
    faults.push_back({8, GR_UPSTREAM_NOT_FINITE});
  }
  check_fault_set(name, c, b, clean, faults);
}

// ----------------------------------------------------------------------------- hardening
// The bad- and extreme-input policy of issue 9 (gumbel_rao.h, README), each case a batch edited
// by `edit` and judged against the double-precision reference: the same status (code and
// lowest row) and, when the call succeeds, the same outputs (D exactly but for near-ties of the
// reference's shifted perturbed logits; gradients by compare_elements, which also requires
// masked classes to be exactly +0).
void check_hardening(const std::string& label, const Case& c,
                     const std::function<void(Batch&)>& edit, bool status_only = false) {
  const std::string name = "hard_" + label + "_" + c.name();
  if (!selected(name)) return;
  if (g_opt.max_work > 0.0 && (double)c.rows * c.arity * c.samples > g_opt.max_work) return;
  Batch b = make_case_batch(c);
  edit(b);
  const DeviceBatch db(b);
  Result res;
  res.name = name;
  res.op = op_name(c.op);
  res.rows = c.rows;
  res.arity = c.arity;
  res.samples = c.samples;
  res.tau = c.tau;
  std::vector<float> ref;
  std::vector<int32_t> ref_d;
  const int64_t rs = run_reference(c, b, ref, ref_d);
  DeviceBuffer<float> out(std::max<size_t>(1, c.out_floats()));
  DeviceBuffer<int32_t> d(std::max<size_t>(1, c.out_choices()));
  out.fill_bytes(0xFF);
  const int64_t gs = run_gpu([&](uint64_t* st) { return launch_gpu(c, db, out.ptr, d.ptr, st, 0); });
  std::vector<float> cpu;
  std::vector<int32_t> cpu_d;
  const int64_t cs = run_cpu(c, b, cpu, cpu_d);
  char note[200];
  snprintf(note, sizeof note, "reference %lld:%lld cpu %lld:%lld gpu %lld:%lld",
           (long long)gr_status_code(rs), (long long)gr_status_row(rs),
           (long long)gr_status_code(cs), (long long)gr_status_row(cs),
           (long long)gr_status_code(gs), (long long)gr_status_row(gs));
  res.note = note;
  res.ok = rs == gs && cs == gs;
  if (res.ok && rs == 0 && (c.op == GR_OP_SAMPLE || c.op == GR_OP_BINARY_SAMPLE)) {
    const std::vector<int32_t> gd = d.download();
    int64_t differ = 0;
    for (size_t i = 0; i < cpu_d.size(); ++i) differ += gd[i] != cpu_d[i];
    res.note += ", D differs from the cpu's in " + std::to_string(differ);
  }
  if (status_only) res.max_err = -1.0;
  if (res.ok && rs == 0 && !status_only) {
    std::vector<float> gpu = out.download();
    gpu.resize(c.out_floats());
    if (c.op == GR_OP_SAMPLE) {
      const std::vector<int32_t> gd = d.download();
      int printed = 0;
      for (int64_t r = 0; r < c.rows; ++r) {
        if (gd[r] == ref_d[r]) continue;
        ++res.mismatches;
        const bool in_range = gd[r] >= 0 && gd[r] < c.arity;
        const double vr = reference_perturbed(c, b, r, ref_d[r]);
        const double vg = in_range ? reference_perturbed(c, b, r, gd[r]) : -INFINITY;
        if (!(fabs(vr - vg) <= 1e-5 * std::max(1.0, fabs(vr)))) res.ok = false;
        if (printed++ < 5)
          printf("    D differs row %lld: reference %d gpu %d (perturbed %.9g vs %.9g)\n",
                 (long long)r, ref_d[r], gd[r], vr, vg);
      }
      if (res.mismatches > 1 && (double)res.mismatches > 1e-3 * (double)c.rows) res.ok = false;
      res.max_err = -1.0;
    } else if (c.op == GR_OP_BINARY_SAMPLE) {
      compare_binary_choices(res, c, b, ref_d, d.download(), gpu);
    } else {
      compare_elements(res, c, b, ref, gpu);
    }
  }
  report(res);
}

void hardening_sweep() {
  printf("\n== hardening: extreme inputs against the reference (issue 9's policy)\n");
  // Huge logits: even rows spread over 1e30 (theta * 1e30), odd rows shifted by 1e30 (theta +
  // 1e30 rounds every finite logit to 1e30, so D is the argmax of the noise alone, and only a
  // shift by the row maximum keeps the noise: theta + G would round G away).
  auto huge = [](Batch& b) {
    for (int64_t r = 0; r < b.rows; ++r)
      for (int32_t j = 0; j < b.arity; ++j) {
        float& x = b.logits[(size_t)r * b.arity + j];
        if (x != -INFINITY) x = r % 2 == 0 ? x * 1e30f : x + 1e30f;
      }
  };
  // Upstream rows of magnitude up to ~4e37 at unmasked classes: g - g_D and the products leave
  // the float range before the row's power-of-two scale brings them back.
  auto big_upstream = [](Batch& b) {
    for (float& g : b.upstream) g *= 1e37f;
  };
  // NaN upstream at every masked class: accepted, never read, the gradient exactly +0 there.
  auto nan_at_masked = [](Batch& b) {
    for (size_t i = 0; i < b.logits.size(); ++i)
      if (b.logits[i] == -INFINITY) b.upstream[i] = NAN;
  };
  // Losses near the float range (f - b and f - mean formed in double).
  auto big_losses = [](Batch& b) {
    for (size_t i = 0; i < b.losses.size(); ++i) b.losses[i] = i % 2 ? 3.3e38f : -3.3e38f;
    for (size_t i = 0; i < b.draw_losses.size(); ++i)
      b.draw_losses[i] = (i * 7) % 3 == 0 ? 3.3e38f : (i % 3 == 1 ? -3.3e38f : 1.0f);
  };
  // Two arities: the register kernels' and the block-per-row kernels' (n > 4096); at the latter
  // 24 rows, enough for the faults of rows 12 and 20, so that the emulator's --sanitize stays
  // short.
  for (int32_t n : {33, 4100}) {
    const int64_t R = n > 4096 ? 24 : 64;
    check_hardening("huge", Case{GR_OP_SAMPLE, R, n}, huge);
    check_hardening("huge", Case{GR_OP_GUMBEL_SOFTMAX_FORWARD, R, n, 1, 0.5f}, huge);
    check_hardening("huge", Case{GR_OP_GUMBEL_SOFTMAX_BACKWARD, R, n, 1, 0.5f}, huge);
    for (Op op : {GR_OP_GUMBEL_SOFTMAX_BACKWARD, GR_OP_STRAIGHT_THROUGH_BACKWARD, GR_OP_ZGR_BACKWARD, GR_OP_REINMAX_BACKWARD, GR_OP_GST_BACKWARD})
      check_hardening("bigup", Case{op, R, n, 1, 1.0f}, big_upstream);
    for (Op op : {GR_OP_GUMBEL_RAO_BACKWARD, GR_OP_GUMBEL_RAO_TOTAL_BACKWARD})
      check_hardening("bigup", Case{op, 16, n, 5, 1.0f}, big_upstream);
    // Gradients near or beyond the float range: rows 12 and 20 with equal logits (no masked
    // class, D = 0) and upstream +-3e38 at two classes, at tau = 0.01 (ST: about 3e38 / (n tau),
    // beyond the range); every other row small. The reference decides which rows overflow
    // (GR_GRAD_OVERFLOW at the lowest), and the outputs are compared when none does, except
    // GST's: its shifted logits put s_j = e^(-gap / tau) = e^-100 below the float range, which
    // the kernels (ex2.approx) flush to 0 where the double reference keeps ~1e-3 gradients.
    for (Op op : {GR_OP_STRAIGHT_THROUGH_BACKWARD, GR_OP_REINMAX_BACKWARD, GR_OP_GST_BACKWARD, GR_OP_GUMBEL_RAO_BACKWARD, GR_OP_GUMBEL_RAO_TOTAL_BACKWARD})
      check_hardening("overflow", Case{op, R == 64 ? 32 : R, n, has_draws(op) ? 3 : 1, 0.01f}, [](Batch& b) {
        for (int64_t r : {12, 20}) {
          const size_t at = (size_t)r * b.arity;
          for (int32_t j = 0; j < b.arity; ++j) {
            b.logits[at + j] = 0.0f;
            b.upstream[at + j] = 0.0f;
          }
          b.choice[r] = 0;
          b.upstream[at + 1] = 3e38f;
          b.upstream[at + 2] = -3e38f;
        }
      }, op == GR_OP_GST_BACKWARD);
    for (Op op : {GR_OP_GUMBEL_RAO_BACKWARD, GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, GR_OP_GUMBEL_SOFTMAX_BACKWARD, GR_OP_STRAIGHT_THROUGH_BACKWARD, GR_OP_ZGR_BACKWARD,
                  GR_OP_REINMAX_BACKWARD, GR_OP_GST_BACKWARD})
      check_hardening("nanmasked", Case{op, R, n, has_draws(op) ? 3 : 1, 0.5f}, nan_at_masked);
    check_hardening("biglosses", Case{GR_OP_REINFORCE_BACKWARD, R, n}, big_losses);
    check_hardening("biglosses", Case{GR_OP_RLOO_BACKWARD, R, n, 3}, big_losses);
    // G_D beyond the float range: theta_D 6.6e38 below the row maximum (GR_NOISE_OVERFLOW)
    check_hardening("noiseoverflow", Case{GR_OP_CONDITIONAL_GUMBEL, R, n, 3}, [](Batch& b) {
      const size_t at = (size_t)12 * b.arity;
      for (int32_t j = 0; j < b.arity; ++j) b.logits[at + j] = -INFINITY;
      b.logits[at] = 3.3e38f;
      b.logits[at + 1] = -3.3e38f;
      b.choice[12] = 1;
    });
  }
  check_hardening("biglosses", binary_case(GR_OP_DISARM_BACKWARD, 64), big_losses);
  // ARMS: losses near the float range, whose mean and centred sum must be formed in double
  // (|grad| <= max |f|: D <= 1, and the sum over m ones of n is at most m (n - m) / n 2 max |f|).
  for (int32_t n : {2, 3, 5}) check_hardening("biglosses", binary_case(GR_OP_ARMS_BACKWARD, 64, n), big_losses);
  for (int32_t n : {2, 3, 11})
    check_hardening("huge", binary_case(GR_OP_BINARY_SAMPLE, 64, n), [](Batch& b) {
      for (int64_t r = 0; r < b.rows; ++r)
        if (isfinite(b.logits[r])) b.logits[r] *= 1e30f;
    });
  check_hardening("bigup", binary_case(GR_OP_ZGR_BINARY_BACKWARD, 64), [](Batch& b) {
    for (float& g : b.upstream) g *= 3e38f / 4;
  });
}

// ----------------------------------------------------------------------------- the check sweep
void run_case(Case c) {
  c.rows = std::max<int64_t>(1, (int64_t)((double)c.rows * g_opt.scale));
  if (g_opt.max_work > 0.0 && (double)c.rows * c.arity * c.samples > g_opt.max_work) return;
  if (!selected(c.name())) return;
  const Batch b = make_case_batch(c);
  const DeviceBatch db(b);
  Result res = check_case(c, b, db);
  report(res);
}

// The successor operations at one arity: their mappings are the register kernels' (arity
// <= 128: 4 columns per lane; <= 4096: 16; GR-total: 8 up to 2048) and the block-per-row
// kernels' beyond; RLOO's teams of up to 512 lanes.
void successor_cases(int32_t n, int64_t one_draw_rows) {
  const float taus[] = {0.01f, 0.5f, 1.0f, 10.0f};
  run_case(Case{GR_OP_ZGR_BACKWARD, one_draw_rows, n});
  for (float tau : {0.5f, 1.0f, 0.01f}) {
    run_case(Case{GR_OP_REINMAX_BACKWARD, one_draw_rows, n, 1, tau});
    run_case(gst_case(one_draw_rows, n, tau, 1.0f));
    run_case(gst_case(one_draw_rows, n, tau, 0.0f));
  }
  for (int32_t S : {2, 4, 40}) run_case(Case{GR_OP_RLOO_BACKWARD, std::max<int64_t>(1, one_draw_rows / S), n, S});
  for (int32_t N : {1, 3, 20})
    run_case(Case{GR_OP_INDECATER_BACKWARD, std::max<int64_t>(1, one_draw_rows / N), n, N});
  for (int32_t k : {1, 7, 100, 1000}) {
    const double work = (double)n * k;
    const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(1025, (int64_t)((1 << 20) / work)));
    for (float tau : taus) {
      if (work > (double)(1 << 22) && tau != 0.5f) continue;
      run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, rows, n, k, tau});
    }
  }
}

void check_sweep() {
  printf("\n== check: every operation against the CPU backend (%s math)\n",
         g_precise ? "precise" : "hardware");
  const int32_t arities[] = {1, 2, 3, 8, 16, 31, 32, 33, 100, 1024, 2047, 4096, 65536, 1 << 20};
  const int32_t draws[] = {1, 7, 100, 1000};
  const float taus[] = {0.01f, 0.5f, 1.0f, 10.0f};
  for (int32_t n : arities) {
    const int64_t one_draw_rows = std::max<int64_t>(2, std::min<int64_t>(3001, (1 << 21) / n));
    run_case(Case{GR_OP_SAMPLE, one_draw_rows, n});
    run_case(Case{GR_OP_SAMPLE, std::min<int64_t>(one_draw_rows, 257), n, 1, 1.0f, true});
    run_case(Case{GR_OP_REINFORCE_BACKWARD, one_draw_rows, n});
    for (float tau : taus) {
      run_case(Case{GR_OP_GUMBEL_SOFTMAX_FORWARD, one_draw_rows, n, 1, tau});
      run_case(Case{GR_OP_GUMBEL_SOFTMAX_BACKWARD, one_draw_rows, n, 1, tau});
      run_case(Case{GR_OP_STRAIGHT_THROUGH_BACKWARD, one_draw_rows, n, 1, tau});
    }
    for (int32_t k : draws) {
      const double work = (double)n * k;
      // conditional noise: at most 2^24 output floats per case
      if (work <= (double)(1 << 24))
        run_case(Case{GR_OP_CONDITIONAL_GUMBEL, std::max<int64_t>(1, std::min<int64_t>(1003, (1 << 22) / (int64_t)work)), n, k});
      const int64_t gr_rows = std::max<int64_t>(1, std::min<int64_t>(2049, (int64_t)((1 << 22) / work)));
      for (float tau : taus) {
        if (work > (double)(1 << 26) && tau != 0.5f) continue;  // the 2^20 x 1000 row: one tau
        run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, gr_rows, n, k, tau});
      }
    }
  }
  // Mappings the sweep's sizes do not reach: draws folded into double (K per lane > 256), slices
  // across warps, many rows with few classes, a row count that leaves a block partly empty.
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 65536, 16, 300, 0.5f});
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 65536, 16, 300, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 3, 16, 5000, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 5, 1024, 700, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 100003, 3, 20, 1.0f});
  run_case(Case{GR_OP_CONDITIONAL_GUMBEL, 2, 8, 3000});
  run_case(Case{GR_OP_SAMPLE, 1000003, 5});

  printf("\n== check: the estimators beyond the paper against the double-precision reference\n");
  for (int32_t n : {1, 2, 3, 16, 33, 100, 1024, 2049, 4096, 4097, 5000, 65536})
    successor_cases(n, std::max<int64_t>(2, std::min<int64_t>(3001, (1 << 20) / n)));
  // GR-total's other mappings: draws folded into double, slices across warps, block-per-row
  // windows (the emulator's are 64 draws), a row count that leaves a block partly empty.
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 4, 16, 600, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 3, 16, 5000, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 5, 1024, 700, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 2, 5000, 300, 0.7f});
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 100003, 3, 20, 1.0f});
  for (Op op : {GR_OP_ZGR_BINARY_BACKWARD, GR_OP_DISARM_BACKWARD}) {
    run_case(binary_case(op, 1000003));
    run_case(binary_case(op, 37));
  }
  // Binary sampling: n = 1, DisARM's pair (n = 2), ARMS's copula in registers (n = 3, 5) and in
  // two passes (n = 11: beyond kCopulaRegisterDraws, a partial last quad); ARMS at the same n.
  for (int32_t n : {1, 2, 3, 5, 11}) {
    run_case(binary_case(GR_OP_BINARY_SAMPLE, n <= 3 ? 1000003 : 300007, n));
    if (n > 1) run_case(binary_case(GR_OP_BINARY_SAMPLE, 37, n));
  }
  for (int32_t n : {2, 3, 5, 11}) {
    run_case(binary_case(GR_OP_ARMS_BACKWARD, n <= 3 ? 1000003 : 300007, n));
    run_case(binary_case(GR_OP_ARMS_BACKWARD, 37, n));
  }

  // Two runs give the same bits.
  {
    const Case c{GR_OP_GUMBEL_RAO_BACKWARD, 37, 100, 1000, 0.3f};
    if (selected("determinism")) {
      const Batch b = make_batch(c.rows, c.arity, 5, 5);
      const DeviceBatch db(b);
      DeviceBuffer<float> o1(c.out_floats()), o2(c.out_floats());
      run_gpu([&](uint64_t* st) { return launch_gpu(c, db, o1.ptr, nullptr, st, 0); });
      run_gpu([&](uint64_t* st) { return launch_gpu(c, db, o2.ptr, nullptr, st, 0); });
      Result res;
      res.name = "determinism_" + c.name();
      res.op = "gr";
      res.max_err = -1.0;
      const auto v1 = o1.download(), v2 = o2.download();
      res.ok = memcmp(v1.data(), v2.data(), v1.size() * sizeof(float)) == 0;
      report(res);
    }
  }

  printf("\n== check: bad inputs (lowest bad row and its code, as the CPU reports them)\n");
  const Op ops[] = {GR_OP_SAMPLE,    GR_OP_CONDITIONAL_GUMBEL, GR_OP_GUMBEL_RAO_BACKWARD, GR_OP_GUMBEL_SOFTMAX_FORWARD, GR_OP_GUMBEL_SOFTMAX_BACKWARD,
                    GR_OP_STRAIGHT_THROUGH_BACKWARD, GR_OP_REINFORCE_BACKWARD, GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, GR_OP_ZGR_BACKWARD, GR_OP_REINMAX_BACKWARD,
                    GR_OP_GST_BACKWARD, GR_OP_RLOO_BACKWARD, GR_OP_INDECATER_BACKWARD};
  for (Op op : ops) {
    check_bad_inputs(op, 33);
    check_bad_inputs(op, 8192);  // the block-per-row kernels
  }
  for (Op op : {GR_OP_BINARY_SAMPLE, GR_OP_ZGR_BINARY_BACKWARD, GR_OP_DISARM_BACKWARD}) check_bad_binary(op);
  check_bad_binary(GR_OP_BINARY_SAMPLE, 3);
  check_bad_binary(GR_OP_BINARY_SAMPLE, 11);
  for (int32_t n : {2, 3, 11}) check_bad_binary(GR_OP_ARMS_BACKWARD, n);
  hardening_sweep();
}

// ----------------------------------------------------------------------------- sanitizer sizes
void sanitize_sweep() {
  printf("\n== sanitize: tiny sizes of every operation and mapping\n");
  const int32_t arities[] = {1, 3, 8, 16, 33, 100, 1024, 4100};
  for (int32_t n : arities) {
    const int64_t rows = n > 1000 ? 3 : 37;
    run_case(Case{GR_OP_SAMPLE, rows, n, 1, 1.0f, true});
    run_case(Case{GR_OP_REINFORCE_BACKWARD, rows, n});
    run_case(Case{GR_OP_GUMBEL_SOFTMAX_FORWARD, rows, n, 1, 0.5f});
    run_case(Case{GR_OP_GUMBEL_SOFTMAX_BACKWARD, rows, n, 1, 0.5f});
    run_case(Case{GR_OP_STRAIGHT_THROUGH_BACKWARD, rows, n, 1, 0.5f});
    run_case(Case{GR_OP_CONDITIONAL_GUMBEL, rows, n, 9});
    run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, rows, n, 9, 0.7f});
    run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, rows, n, 9, 1.0f});
  }
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4, 16, 600, 0.7f});  // fold into double, cross-warp slices
  run_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 2, 4100, 130, 0.7f});  // two draw batches in the stream kernel
  check_bad_inputs(GR_OP_GUMBEL_RAO_BACKWARD, 33);
  check_bad_inputs(GR_OP_SAMPLE, 4100);

  // The estimators beyond the paper: every kernel and mapping.
  for (int32_t n : {1, 3, 8, 16, 33, 100, 1024, 2100, 4100}) {
    const int64_t rows = n > 1000 ? 3 : 37;
    run_case(Case{GR_OP_ZGR_BACKWARD, rows, n});
    run_case(Case{GR_OP_REINMAX_BACKWARD, rows, n, 1, 0.5f});
    run_case(gst_case(rows, n, 0.5f, 0.0f));
    run_case(Case{GR_OP_RLOO_BACKWARD, rows, n, 4});
    run_case(Case{GR_OP_INDECATER_BACKWARD, rows, n, 3});
    run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, rows, n, 9, 0.7f});
  }
  run_case(Case{GR_OP_RLOO_BACKWARD, 5, 16, 40});             // more samples than a team has lanes
  run_case(Case{GR_OP_RLOO_BACKWARD, 2, 40000, 3});           // a block of 512 lanes per row
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 4, 16, 600, 0.7f});   // fold into double, cross-warp slices
  run_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 2, 4100, 130, 0.7f}); // draw windows of the block-per-row kernel
  for (Op op : {GR_OP_ZGR_BINARY_BACKWARD, GR_OP_DISARM_BACKWARD}) run_case(binary_case(op, 600));
  for (int32_t n : {1, 2, 3, 11}) run_case(binary_case(GR_OP_BINARY_SAMPLE, 600, n));
  for (int32_t n : {2, 3, 11}) run_case(binary_case(GR_OP_ARMS_BACKWARD, 600, n));
  check_bad_inputs(GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 33);
  check_bad_inputs(GR_OP_ZGR_BACKWARD, 4100);
  check_bad_inputs(GR_OP_RLOO_BACKWARD, 33);
  check_bad_inputs(GR_OP_INDECATER_BACKWARD, 33);
  check_bad_binary(GR_OP_DISARM_BACKWARD);
  check_bad_binary(GR_OP_ARMS_BACKWARD, 3);
  hardening_sweep();
}

// ----------------------------------------------------------------------------- timing
struct Timer {
  cudaEvent_t start, stop;
  Timer() {
    CUDA_CHECK(cudaEventCreate(&start));
    CUDA_CHECK(cudaEventCreate(&stop));
  }
  ~Timer() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
};

DeviceBuffer<unsigned char>* g_flush = nullptr;

// Times launch(buffer index): the median of single calls after an L2 flush, and the mean of
// back-to-back calls. Repetitions are sized so that each case takes about a second at most.
void time_launches(const std::function<void(int)>& launch, int buffers, double& median_ms,
                   double& b2b_ms) {
  Timer tm;
  for (int i = 0; i < 3; ++i) launch(i % buffers);  // warm-up (also loads the modules)
  CUDA_CHECK(cudaDeviceSynchronize());
  CUDA_CHECK(cudaEventRecord(tm.start));
  launch(0);
  CUDA_CHECK(cudaEventRecord(tm.stop));
  CUDA_CHECK(cudaEventSynchronize(tm.stop));
  float first = 0.0f;
  CUDA_CHECK(cudaEventElapsedTime(&first, tm.start, tm.stop));
  const int reps = (int)std::max(5.0, std::min(50.0, 300.0 / std::max(first, 1e-3f)));
  std::vector<float> times;
  for (int i = 0; i < reps; ++i) {
    CUDA_CHECK(cudaMemsetAsync(g_flush->ptr, i & 0xFF, g_flush->count));
    CUDA_CHECK(cudaEventRecord(tm.start));
    launch(i % buffers);
    CUDA_CHECK(cudaEventRecord(tm.stop));
    CUDA_CHECK(cudaEventSynchronize(tm.stop));
    float ms = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&ms, tm.start, tm.stop));
    times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  median_ms = times[times.size() / 2];
  const int b2b = (int)std::max(10.0, std::min(200.0, 300.0 / std::max(first, 1e-3f)));
  CUDA_CHECK(cudaEventRecord(tm.start));
  for (int i = 0; i < b2b; ++i) launch(i % buffers);
  CUDA_CHECK(cudaEventRecord(tm.stop));
  CUDA_CHECK(cudaEventSynchronize(tm.stop));
  float total = 0.0f;
  CUDA_CHECK(cudaEventElapsedTime(&total, tm.start, tm.stop));
  b2b_ms = total / b2b;
}

double g_copy_bytes_per_s = 0.0;

void measure_copy_bandwidth() {
  const size_t bytes = (size_t)512 << 20;
  DeviceBuffer<unsigned char> a(bytes), b(bytes);
  double median_ms, b2b_ms;
  time_launches([&](int) { CUDA_CHECK(cudaMemcpyAsync(b.ptr, a.ptr, bytes, cudaMemcpyDeviceToDevice)); },
                1, median_ms, b2b_ms);
  g_copy_bytes_per_s = 2.0 * (double)bytes / (median_ms * 1e-3);  // read + write
  printf("device-to-device copy: %.0f GB/s (read + write, 512 MiB, median)\n", g_copy_bytes_per_s / 1e9);
  Result r;
  r.name = "copy_d2d_512MiB";
  r.op = "copy";
  r.max_err = -1.0;
  r.median_ms = median_ms;
  r.b2b_ms = b2b_ms;
  r.gbps = g_copy_bytes_per_s;
  r.copy_fraction = 1.0;
  g_results.push_back(r);
}

// DRAM bytes a memory-bound operation must move (every array of the call read or written once,
// by the lengths of the description), for its bandwidth and fraction of the copy's; 0 for the
// noise-bound ones (K conditional draws per row: judged by element-samples/s).
double bytes_moved(const Case& c) {
  if (has_draws(c.op)) return 0.0;
  const gr_operation_info& i = info(c.op);
  const gr_arguments a = c.arguments();
  double bytes = 0.0;
  for (int32_t k = 0; k < i.array_count; ++k) {
    const gr_array_parameter& p = i.arrays[k];
    if (p.array == GR_ARRAY_ONE_HOT && !c.one_hot) continue;
    bytes += 4.0 * (double)gr_array_length(c.op, p.array, &a);
  }
  return bytes;
}

void bench_case(const Case& c, const char* target) {
  if (!selected(c.name())) return;
  Batch own;
  if (draw_major(c.op)) own = make_case_batch(c);
  const Batch& b = draw_major(c.op) ? own : cached_batch(c.rows, c.arity, c.seed, c.offset);
  if (g_opt.once) {  // one launch at full size, nothing else on the GPU: what ncu -c 1 profiles
    const DeviceBatch input(b);
    DeviceBuffer<float> out(c.out_floats());
    DeviceBuffer<int32_t> d(c.out_choices());
    const int64_t status =
        run_gpu([&](uint64_t* st) { return launch_gpu(c, input, out.ptr, d.ptr, st, 0); });
    Result res;
    res.name = c.name();
    res.op = op_name(c.op);
    res.rows = c.rows;
    res.arity = c.arity;
    res.samples = c.samples;
    res.tau = c.tau;
    res.max_err = -1.0;
    res.ok = status == 0;
    res.note = "launched once (--once): not checked, not timed";
    report(res);
    return;
  }
  // Several copies of the inputs, so that back-to-back calls do not find them in L2.
  const size_t input_bytes = b.logits.size() * sizeof(float) * 2;
  const int buffers = (int)std::max<size_t>(1, std::min<size_t>(8, ((size_t)256 << 20) / std::max<size_t>(input_bytes, 1)));
  std::vector<DeviceBatch> inputs;
  for (int i = 0; i < buffers; ++i) inputs.emplace_back(b);
  Result res = check_case(c, b, inputs[0], draw_major(c.op) ? 0 : 256);  // first rows checked
  DeviceBuffer<float> out(c.out_floats());
  DeviceBuffer<int32_t> d(c.out_choices());
  double median_ms, b2b_ms;
  time_launches([&](int i) { GR_CHECK(launch_gpu(c, inputs[i], out.ptr, d.ptr, g_status->ptr, 0)); },
                buffers, median_ms, b2b_ms);
  res.median_ms = median_ms;
  res.b2b_ms = b2b_ms;
  res.gesps = (double)c.rows * c.arity * c.samples / (median_ms * 1e-3);
  const double bytes = bytes_moved(c);
  if (bytes > 0) {
    res.gbps = bytes / (median_ms * 1e-3);
    res.copy_fraction = g_copy_bytes_per_s > 0 ? res.gbps / g_copy_bytes_per_s : -1.0;
  }
  if (target) res.note = target;
  report(res);
}

void bench_sweep() {
  printf("\n== bench (median of single calls after an L2 flush; b2b = back-to-back mean)\n");
  if (!g_opt.once) measure_copy_bandwidth();
  // Gumbel-Rao: the design targets, then the anchors' sizes (shared/anchors.md).
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 1 << 20, 16, 100, 0.5f}, "target >= 700 G el-samples/s");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 1 << 20, 16, 100, 0.7f}, "log2/exp2 weights");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 8, 100, 0.5f}, "target <= 0.012 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 8, 100, 0.7f}, nullptr);
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 1024, 10, 0.5f}, "target about 0.1 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 1024, 10, 0.7f}, nullptr);
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 8, 1, 0.5f}, "anchor: fused reference 0.008 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 8, 1000, 0.5f}, "anchor: fused reference 0.434 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 65536, 16, 100, 0.5f}, "anchor: fused reference 0.210 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 1 << 20, 2, 10, 0.5f}, "anchor: fused reference 0.062 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 4096, 1024, 100, 0.5f}, "anchor: torch eager 20.84 ms");
  bench_case(Case{GR_OP_GUMBEL_RAO_BACKWARD, 64, 65536, 10, 0.7f}, "block per row");
  // Sampling: bandwidth-bound, compared with the copy.
  bench_case(Case{GR_OP_SAMPLE, 1 << 22, 16}, "target >= 70% of copy");
  bench_case(Case{GR_OP_SAMPLE, 1 << 16, 1024}, "target >= 70% of copy");
  bench_case(Case{GR_OP_SAMPLE, 1 << 18, 257}, nullptr);
  bench_case(Case{GR_OP_SAMPLE, 1 << 22, 16, 1, 1.0f, true}, nullptr);
  bench_case(Case{GR_OP_SAMPLE, 64, 1 << 20}, "block per row");
  // The other operations.
  bench_case(Case{GR_OP_CONDITIONAL_GUMBEL, 65536, 16, 64}, nullptr);
  bench_case(Case{GR_OP_CONDITIONAL_GUMBEL, 4096, 1024, 16}, nullptr);
  bench_case(Case{GR_OP_CONDITIONAL_GUMBEL, 64, 65536, 16}, "block per row");
  for (Op op : {GR_OP_GUMBEL_SOFTMAX_FORWARD, GR_OP_GUMBEL_SOFTMAX_BACKWARD, GR_OP_STRAIGHT_THROUGH_BACKWARD, GR_OP_REINFORCE_BACKWARD}) {
    bench_case(Case{op, 1 << 22, 16, 1, 0.5f}, nullptr);
    bench_case(Case{op, 1 << 16, 1024, 1, 0.5f}, nullptr);
    bench_case(Case{op, 256, 65536, 1, 0.5f}, nullptr);
  }
  // The estimators beyond the paper (predictions in cuda/NOTES.md).
  for (Op op : {GR_OP_ZGR_BACKWARD, GR_OP_REINMAX_BACKWARD}) {
    bench_case(Case{op, 1 << 22, 16, 1, 0.5f}, "prediction 75-85% of copy");
    bench_case(Case{op, 1 << 16, 1024, 1, 0.5f}, "prediction 75-85% of copy");
    bench_case(Case{op, 256, 65536, 1, 0.5f}, "block per row: prediction 35-60% of copy");
  }
  bench_case(gst_case(1 << 22, 16, 0.5f, 1.0f), "prediction 75-85% of copy");
  bench_case(gst_case(1 << 16, 1024, 0.5f, 0.0f), "prediction 75-85% of copy");
  bench_case(gst_case(256, 65536, 0.5f, 0.0f), "block per row: prediction 35-60% of copy");
  bench_case(Case{GR_OP_RLOO_BACKWARD, 1 << 20, 16, 4}, "prediction 75-85% of copy");
  bench_case(Case{GR_OP_RLOO_BACKWARD, 1 << 14, 1024, 4}, "prediction 75-85% of copy");
  bench_case(Case{GR_OP_INDECATER_BACKWARD, 1 << 18, 16, 4},
             "a thread per row: the loss table read with a stride of the arity");
  bench_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 1 << 20, 16, 100, 0.5f}, "prediction 0.6-0.75x of gr's");
  bench_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 4096, 1024, 10, 0.5f}, "prediction 0.6-0.75x of gr's");
  bench_case(Case{GR_OP_GUMBEL_RAO_TOTAL_BACKWARD, 64, 65536, 10, 0.7f}, "block per row");
  bench_case(binary_case(GR_OP_BINARY_SAMPLE, 1 << 24, 2), "prediction 70-85% of copy");
  bench_case(binary_case(GR_OP_BINARY_SAMPLE, 1 << 22, 4), "copula in registers: prediction 70-85% of copy");
  bench_case(binary_case(GR_OP_BINARY_SAMPLE, 1 << 20, 16), "copula in two passes: prediction 50-75% of copy");
  bench_case(binary_case(GR_OP_ZGR_BINARY_BACKWARD, 1 << 24), "prediction 70-85% of copy");
  bench_case(binary_case(GR_OP_DISARM_BACKWARD, 1 << 24), "prediction 70-85% of copy");
  bench_case(binary_case(GR_OP_ARMS_BACKWARD, 1 << 24, 2), "prediction 70-85% of copy");
  bench_case(binary_case(GR_OP_ARMS_BACKWARD, 1 << 22, 4), "prediction 70-85% of copy");
}

// ----------------------------------------------------------------------------- JSON, main
std::string json_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o;
}

void write_json(const char* path, const cudaDeviceProp& prop) {
  FILE* f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    ++g_failures;
    return;
  }
  fprintf(f, "{\n  \"device\": \"%s\",\n  \"sm_count\": %d,\n  \"precise_math\": %s,\n",
          json_escape(prop.name).c_str(), prop.multiProcessorCount, g_precise ? "true" : "false");
  fprintf(f, "  \"copy_bytes_per_s\": %.6g,\n  \"failures\": %d,\n  \"results\": [\n",
          g_copy_bytes_per_s, g_failures);
  for (size_t i = 0; i < g_results.size(); ++i) {
    const Result& r = g_results[i];
    fprintf(f,
            "    {\"name\": \"%s\", \"op\": \"%s\", \"rows\": %lld, \"arity\": %d, \"samples\": %d, "
            "\"tau\": %g, \"ok\": %s, \"max_err\": %.6g, \"mismatches\": %lld, \"median_ms\": %.6g, "
            "\"b2b_ms\": %.6g, \"element_samples_per_s\": %.6g, \"bytes_per_s\": %.6g, "
            "\"copy_fraction\": %.6g, \"note\": \"%s\"}%s\n",
            json_escape(r.name).c_str(), r.op.c_str(), (long long)r.rows, r.arity, r.samples,
            r.tau, r.ok ? "true" : "false", r.max_err, (long long)r.mismatches, r.median_ms,
            r.b2b_ms, r.gesps, r.gbps, r.copy_fraction, json_escape(r.note).c_str(),
            i + 1 < g_results.size() ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  fclose(f);
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--check")) g_opt.check = true;
    else if (!strcmp(argv[i], "--bench")) g_opt.bench = true;
    else if (!strcmp(argv[i], "--sanitize")) g_opt.sanitize = true;
    else if (!strcmp(argv[i], "--json") && i + 1 < argc) g_opt.json = argv[++i];
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) g_opt.only = argv[++i];
    else if (!strcmp(argv[i], "--skip") && i + 1 < argc) g_opt.skip = argv[++i];
    else if (!strcmp(argv[i], "--device") && i + 1 < argc) g_opt.device = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--scale") && i + 1 < argc) g_opt.scale = atof(argv[++i]);
    else if (!strcmp(argv[i], "--max-work") && i + 1 < argc) g_opt.max_work = atof(argv[++i]);
    else if (!strcmp(argv[i], "--graph")) g_opt.graph = true;
    else if (!strcmp(argv[i], "--limits")) g_opt.limits = true;
    else if (!strcmp(argv[i], "--split")) g_opt.split = true;
    else if (!strcmp(argv[i], "--nvtx-overhead")) g_opt.nvtx = true;
    else if (!strcmp(argv[i], "--once")) g_opt.once = true;
    else if (!strcmp(argv[i], "--replays") && i + 1 < argc) g_opt.replays = std::max(2, atoi(argv[++i]));
    else {
      fprintf(stderr,
              "usage: %s [--check] [--bench [--once]] [--sanitize] [--graph] [--limits] [--split] "
              "[--replays N] [--nvtx-overhead] [--json FILE] [--only A,B,...] [--skip A,B,...] [--device N] [--scale F] "
              "[--max-work W]\n",
              argv[0]);
      return 2;
    }
  }
  if (!g_opt.check && !g_opt.bench && !g_opt.sanitize && !g_opt.graph && !g_opt.limits &&
      !g_opt.nvtx && !g_opt.split)
    g_opt.check = g_opt.bench = true;

  // --nvtx-overhead alone needs no device: the calls it times queue no GPU work.
  if (g_opt.nvtx && !g_opt.check && !g_opt.bench && !g_opt.sanitize && !g_opt.graph &&
      !g_opt.limits && !g_opt.split) {
    nvtx_overhead();
    printf("\n%d passed, %d failed\n", (int)g_results.size() - g_failures, g_failures);
    return g_failures ? 1 : 0;
  }
  CUDA_CHECK(cudaSetDevice(g_opt.device));
  cudaDeviceProp prop;
  CUDA_CHECK(cudaGetDeviceProperties(&prop, g_opt.device));
  int clock_khz = 0, mem_clock_khz = 0, driver = 0, runtime = 0;
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, g_opt.device);
  cudaDeviceGetAttribute(&mem_clock_khz, cudaDevAttrMemoryClockRate, g_opt.device);
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  g_precise = gr_cuda_precise_math() == 1;
  printf("device %d: %s, sm_%d%d, %d SMs, %.0f MHz (peak), memory %.0f MHz x %d bit, L2 %d MiB, "
         "%.1f GiB\n",
         g_opt.device, prop.name, prop.major, prop.minor, prop.multiProcessorCount,
         clock_khz / 1e3, mem_clock_khz / 1e3, prop.memoryBusWidth, prop.l2CacheSize >> 20,
         prop.totalGlobalMem / 1073741824.0);
  printf("driver %d, runtime %d, kernels with %s math, CPU reference: %s, %d threads\n", driver,
         runtime, g_precise ? "precise (log2f/exp2f)" : "hardware (lg2/ex2.approx)", gr_cpu_isa(),
         gr_cpu_threads());

  DeviceBuffer<uint64_t> status(1);
  g_status = &status;
  DeviceBuffer<unsigned char> flush((size_t)std::max(prop.l2CacheSize, 1 << 20) * 2);
  g_flush = &flush;

  const auto t0 = std::chrono::steady_clock::now();
  if (g_opt.nvtx) nvtx_overhead();
  if (g_opt.sanitize) sanitize_sweep();
  if (g_opt.check) check_sweep();
  if (g_opt.graph) graph_sweep();
  if (g_opt.limits) limits_sweep();
  if (g_opt.split) split_sweep();
  if (g_opt.bench) bench_sweep();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  int checked = 0;
  for (const Result& r : g_results) checked += r.op != "copy";
  printf("\n%d passed, %d failed (%.1f s)\n", checked - g_failures, g_failures, secs);
  if (g_cpu_warnings)
    printf("%d warnings: the CPU backend's status off the contract (printed above; not the "
           "GPU's)\n", g_cpu_warnings);
  if (g_opt.json) write_json(g_opt.json, prop);
  return g_failures ? 1 : 0;
}
