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
  const int64_t st = gr_cpu_sample(b.logits.data(), rows, arity, seed ^ 0x5DEECE66Dull, offset + 7,
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
int64_t run_gpu(const std::function<int32_t(uint64_t*)>& call) {
  GR_CHECK(gr_cuda_status_reset(g_status->ptr, 0));
  GR_CHECK(call(g_status->ptr));
  CUDA_CHECK(cudaDeviceSynchronize());
  uint64_t word = 0;
  CUDA_CHECK(cudaMemcpy(&word, g_status->ptr, sizeof word, cudaMemcpyDeviceToHost));
  return gr_cuda_status_decode(word);
}

// ----------------------------------------------------------------------------- comparisons
// Tolerance per row: |gpu - cpu| <= atol + rtol * max_j |cpu_j| of that row. At small tau the
// weights are exp2(x / tau), so the float rounding of x (different log2 implementations on the
// two backends) is amplified by 1/tau: rtol grows as 0.1 / tau below tau = 0.1.
double base_rtol() { return g_precise ? 1e-5 : 1e-4; }
double tau_rtol(float tau) { return base_rtol() * std::max(1.0, 0.1 / (double)tau); }

void compare_rows(Result& res, const std::vector<float>& cpu, const std::vector<float>& gpu,
                  int64_t rows, int64_t cols, double rtol, double atol,
                  const std::vector<char>* skip_row) {
  int printed = 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (skip_row && (*skip_row)[r]) continue;
    double scale = 0.0;
    for (int64_t j = 0; j < cols; ++j) scale = std::max(scale, (double)fabsf(cpu[r * cols + j]));
    const double tol = atol + rtol * scale;
    for (int64_t j = 0; j < cols; ++j) {
      const double c = cpu[r * cols + j], g = gpu[r * cols + j];
      const double err = fabs(g - c);
      const bool bad = !(err <= tol) || (isfinite(c) != isfinite(g));
      res.max_err = std::max(res.max_err, err / (atol + scale));
      if (bad) {
        ++res.mismatches;
        if (printed++ < 5)
          printf("    mismatch row %lld col %lld: cpu %.9g gpu %.9g (tol %.3g)\n", (long long)r,
                 (long long)j, c, g, tol);
      }
    }
  }
  if (res.mismatches) res.ok = false;
}

// theta_j + G_j with the host's math.h (the CPU backend's formulas): the gap between two
// classes' perturbed logits tells a float near-tie from a wrong D.
double host_perturbed(const Batch& b, int64_t r, int32_t j, uint64_t seed, uint32_t offset) {
  const gr::Words4 w = gr::noise_words(gr::noise_key(seed, offset), (uint32_t)(j / 4), (uint32_t)r,
                                       gr::kForwardSlot);
  return (double)b.logits[(size_t)r * b.arity + j] +
         (double)gr::gumbel_from_uniform(gr::uniform_open(w.w[j % 4]));
}

// ----------------------------------------------------------------------------- operations
const char* op_name(Op op) {
  switch (op) {
    case Op::Sample: return "sample";
    case Op::Conditional: return "conditional";
    case Op::GumbelRao: return "gr";
    case Op::GsForward: return "gs_fwd";
    case Op::GsBackward: return "gs_bwd";
    case Op::StBackward: return "st_bwd";
    default: return "reinforce";
  }
}

// The CPU reference; choice_out receives D for Op::Sample.
int64_t run_cpu(const Case& c, const Batch& b, std::vector<float>& out, std::vector<int32_t>& d) {
  out.assign(c.out_floats(), 0.0f);
  switch (c.op) {
    case Op::Sample:
      d.assign(c.rows, -1);
      return gr_cpu_sample(b.logits.data(), c.rows, c.arity, c.seed, c.offset, d.data(),
                           c.one_hot ? out.data() : nullptr);
    case Op::Conditional:
      return gr_cpu_conditional_gumbel(b.logits.data(), b.choice.data(), c.rows, c.arity,
                                       c.samples, c.seed, c.offset, out.data());
    case Op::GumbelRao:
      return gr_cpu_gumbel_rao_backward(b.logits.data(), b.choice.data(), b.upstream.data(),
                                        c.rows, c.arity, c.samples, c.tau, c.seed, c.offset,
                                        out.data());
    case Op::GsForward:
      return gr_cpu_gumbel_softmax_forward(b.logits.data(), c.rows, c.arity, c.tau, c.seed,
                                           c.offset, out.data());
    case Op::GsBackward:
      return gr_cpu_gumbel_softmax_backward(b.logits.data(), b.upstream.data(), c.rows, c.arity,
                                            c.tau, c.seed, c.offset, out.data());
    case Op::StBackward:
      return gr_cpu_straight_through_backward(b.logits.data(), b.upstream.data(), c.rows,
                                              c.arity, c.tau, out.data());
    default:
      return gr_cpu_reinforce_backward(b.logits.data(), b.choice.data(), b.losses.data(), 0.25f,
                                       c.rows, c.arity, out.data());
  }
}

// Queues the GPU operation (no synchronisation).
int32_t launch_gpu(const Case& c, const DeviceBatch& db, float* out, int32_t* d, uint64_t* status,
                   cudaStream_t stream) {
  void* s = (void*)stream;
  switch (c.op) {
    case Op::Sample:
      return gr_cuda_sample(db.logits.ptr, c.rows, c.arity, c.seed, c.offset, d,
                            c.one_hot ? out : nullptr, status, s);
    case Op::Conditional:
      return gr_cuda_conditional_gumbel(db.logits.ptr, db.choice.ptr, c.rows, c.arity, c.samples,
                                        c.seed, c.offset, out, status, s);
    case Op::GumbelRao:
      return gr_cuda_gumbel_rao_backward(db.logits.ptr, db.choice.ptr, db.upstream.ptr, c.rows,
                                         c.arity, c.samples, c.tau, c.seed, c.offset, out, status,
                                         s);
    case Op::GsForward:
      return gr_cuda_gumbel_softmax_forward(db.logits.ptr, c.rows, c.arity, c.tau, c.seed,
                                            c.offset, out, status, s);
    case Op::GsBackward:
      return gr_cuda_gumbel_softmax_backward(db.logits.ptr, db.upstream.ptr, c.rows, c.arity,
                                             c.tau, c.seed, c.offset, out, status, s);
    case Op::StBackward:
      return gr_cuda_straight_through_backward(db.logits.ptr, db.upstream.ptr, c.rows, c.arity,
                                               c.tau, out, status, s);
    default:
      return gr_cuda_reinforce_backward(db.logits.ptr, db.choice.ptr, db.losses.ptr, 0.25f,
                                        c.rows, c.arity, out, status, s);
  }
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
  DeviceBuffer<int32_t> d(cc.op == Op::Sample ? cc.rows : 0);
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
  switch (cc.op) {
    case Op::Sample: {
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
    case Op::Conditional: {
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
    case Op::GumbelRao:
    case Op::GsForward:
    case Op::GsBackward:
    case Op::StBackward:
      compare_rows(res, cpu_out, gpu_out, cc.rows, cols, tau_rtol(cc.tau), 1e-7);
      break;
    default:
      compare_rows(res, cpu_out, gpu_out, cc.rows, cols, base_rtol() * 0.1, 1e-7);
      break;
  }
  return res;
}

// ----------------------------------------------------------------------------- bad inputs
// One batch of 64 rows with faults from row 3 on; the expected status is the lowest bad row's.
// Both backends must report it, the GPU also with a NULL status (no report, no crash).
void check_bad_inputs(Op op, int32_t arity) {
  Case c{op, 64, arity, op == Op::GumbelRao || op == Op::Conditional ? 5 : 1, 0.5f};
  std::string name = std::string("bad_") + c.name();
  if (!selected(name)) return;
  Batch b = make_batch(c.rows, arity, 99, 1);
  const bool takes_choice = op == Op::Conditional || op == Op::GumbelRao || op == Op::Reinforce;
  int64_t expect;
  b.logits[(size_t)9 * arity + arity / 2] = NAN;                 // row 9: NaN
  b.logits[(size_t)7 * arity + arity - 1] = INFINITY;            // row 7: +inf
  for (int32_t j = 0; j < arity; ++j) b.logits[(size_t)5 * arity + j] = -INFINITY;  // row 5
  if (takes_choice) {
    b.choice[3] = arity;                                   // row 3: out of range
    b.choice[4] = -1;                                      // row 4: out of range
    b.logits[(size_t)6 * arity + 0] = -INFINITY;           // row 6: choice on a masked class
    b.choice[6] = 0;
    b.choice[5] = 0;
    expect = gr_status_make(GR_CHOICE_RANGE, 3);
  } else {
    expect = gr_status_make(GR_ROW_ALL_MASKED, 5);
  }
  DeviceBatch db(b);
  std::vector<float> cpu_out;
  std::vector<int32_t> cpu_d;
  Result res;
  res.name = name;
  res.op = op_name(op);
  res.rows = c.rows;
  res.arity = arity;
  res.max_err = -1.0;
  const int64_t cpu_status = run_cpu(c, b, cpu_out, cpu_d);
  DeviceBuffer<float> out(c.out_floats() ? c.out_floats() : 1);
  DeviceBuffer<int32_t> d(c.rows);
  const int64_t gpu_status =
      run_gpu([&](uint64_t* st) { return launch_gpu(c, db, out.ptr, d.ptr, st, 0); });
  GR_CHECK(launch_gpu(c, db, out.ptr, d.ptr, nullptr, 0));
  CUDA_CHECK(cudaDeviceSynchronize());
  // The GPU is judged on the contract of gumbel_rao.h (the lowest bad row); a CPU backend that
  // reports another row is printed as a warning, not counted against the GPU.
  res.ok = gpu_status == expect;
  if (cpu_status != expect)
    printf("    warning: the CPU backend reports %lld:%lld, not the lowest bad row %lld:%lld\n",
           (long long)gr_status_code(cpu_status), (long long)gr_status_row(cpu_status),
           (long long)gr_status_code(expect), (long long)gr_status_row(expect));
  char note[200];
  snprintf(note, sizeof note, "expect %lld:%lld cpu %lld:%lld gpu %lld:%lld",
           (long long)gr_status_code(expect), (long long)gr_status_row(expect),
           (long long)gr_status_code(cpu_status), (long long)gr_status_row(cpu_status),
           (long long)gr_status_code(gpu_status), (long long)gr_status_row(gpu_status));
  res.note = note;
  // Each fault type alone, as the only bad row: the code must match the CPU's.
  const int fault_rows[] = {9, 7, 5, 3, 4, 6};
  const Batch clean = make_batch(c.rows, arity, 99, 1);
  for (int fr : fault_rows) {
    if (!takes_choice && (fr == 3 || fr == 4 || fr == 6)) continue;
    Batch one = b;
    for (int other : fault_rows) {  // every other faulty row restored from the clean batch
      if (other == fr) continue;
      std::copy(clean.logits.begin() + (size_t)other * arity,
                clean.logits.begin() + (size_t)(other + 1) * arity,
                one.logits.begin() + (size_t)other * arity);
      one.choice[other] = clean.choice[other];
    }
    DeviceBatch dbo(one);
    const int64_t cs = run_cpu(c, one, cpu_out, cpu_d);
    const int64_t gs = run_gpu([&](uint64_t* st) { return launch_gpu(c, dbo, out.ptr, d.ptr, st, 0); });
    if (cs != gs || gr_status_row(gs) != fr) {
      res.ok = false;
      snprintf(note, sizeof note, " | row %d alone: cpu %lld:%lld gpu %lld:%lld", fr,
               (long long)gr_status_code(cs), (long long)gr_status_row(cs),
               (long long)gr_status_code(gs), (long long)gr_status_row(gs));
      res.note += note;
    }
  }
  report(res);
}

// ----------------------------------------------------------------------------- the check sweep
void run_case(Case c) {
  c.rows = std::max<int64_t>(1, (int64_t)((double)c.rows * g_opt.scale));
  if (g_opt.max_work > 0.0 && (double)c.rows * c.arity * c.samples > g_opt.max_work) return;
  if (!selected(c.name())) return;
  const Batch b = make_batch(c.rows, c.arity, c.seed, c.offset);
  const DeviceBatch db(b);
  Result res = check_case(c, b, db);
  report(res);
}

void check_sweep() {
  printf("\n== check: every operation against the CPU backend (%s math)\n",
         g_precise ? "precise" : "hardware");
  const int32_t arities[] = {1, 2, 3, 8, 16, 31, 32, 33, 100, 1024, 2047, 4096, 65536, 1 << 20};
  const int32_t draws[] = {1, 7, 100, 1000};
  const float taus[] = {0.01f, 0.5f, 1.0f, 10.0f};
  for (int32_t n : arities) {
    const int64_t one_draw_rows = std::max<int64_t>(2, std::min<int64_t>(3001, (1 << 21) / n));
    run_case(Case{Op::Sample, one_draw_rows, n});
    run_case(Case{Op::Sample, std::min<int64_t>(one_draw_rows, 257), n, 1, 1.0f, true});
    run_case(Case{Op::Reinforce, one_draw_rows, n});
    for (float tau : taus) {
      run_case(Case{Op::GsForward, one_draw_rows, n, 1, tau});
      run_case(Case{Op::GsBackward, one_draw_rows, n, 1, tau});
      run_case(Case{Op::StBackward, one_draw_rows, n, 1, tau});
    }
    for (int32_t k : draws) {
      const double work = (double)n * k;
      // conditional noise: at most 2^24 output floats per case
      if (work <= (double)(1 << 24))
        run_case(Case{Op::Conditional, std::max<int64_t>(1, std::min<int64_t>(1003, (1 << 22) / (int64_t)work)), n, k});
      const int64_t gr_rows = std::max<int64_t>(1, std::min<int64_t>(2049, (int64_t)((1 << 22) / work)));
      for (float tau : taus) {
        if (work > (double)(1 << 26) && tau != 0.5f) continue;  // the 2^20 x 1000 row: one tau
        run_case(Case{Op::GumbelRao, gr_rows, n, k, tau});
      }
    }
  }
  // Mappings the sweep's sizes do not reach: draws folded into double (K per lane > 256), slices
  // across warps, many rows with few classes, a row count that leaves a block partly empty.
  run_case(Case{Op::GumbelRao, 65536, 16, 300, 0.5f});
  run_case(Case{Op::GumbelRao, 65536, 16, 300, 0.7f});
  run_case(Case{Op::GumbelRao, 3, 16, 5000, 0.7f});
  run_case(Case{Op::GumbelRao, 5, 1024, 700, 0.7f});
  run_case(Case{Op::GumbelRao, 100003, 3, 20, 1.0f});
  run_case(Case{Op::Conditional, 2, 8, 3000});
  run_case(Case{Op::Sample, 1000003, 5});

  // Two runs give the same bits.
  {
    const Case c{Op::GumbelRao, 37, 100, 1000, 0.3f};
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
  const Op ops[] = {Op::Sample, Op::Conditional, Op::GumbelRao, Op::GsForward,
                    Op::GsBackward, Op::StBackward, Op::Reinforce};
  for (Op op : ops) {
    check_bad_inputs(op, 33);
    check_bad_inputs(op, 8192);  // the block-per-row kernels
  }
}

// ----------------------------------------------------------------------------- sanitizer sizes
void sanitize_sweep() {
  printf("\n== sanitize: tiny sizes of every operation and mapping\n");
  const int32_t arities[] = {1, 3, 8, 16, 33, 100, 1024, 4100};
  for (int32_t n : arities) {
    const int64_t rows = n > 1000 ? 3 : 37;
    run_case(Case{Op::Sample, rows, n, 1, 1.0f, true});
    run_case(Case{Op::Reinforce, rows, n});
    run_case(Case{Op::GsForward, rows, n, 1, 0.5f});
    run_case(Case{Op::GsBackward, rows, n, 1, 0.5f});
    run_case(Case{Op::StBackward, rows, n, 1, 0.5f});
    run_case(Case{Op::Conditional, rows, n, 9});
    run_case(Case{Op::GumbelRao, rows, n, 9, 0.7f});
    run_case(Case{Op::GumbelRao, rows, n, 9, 1.0f});
  }
  run_case(Case{Op::GumbelRao, 4, 16, 600, 0.7f});  // fold into double, cross-warp slices
  run_case(Case{Op::GumbelRao, 2, 4100, 130, 0.7f});  // two draw batches in the stream kernel
  check_bad_inputs(Op::GumbelRao, 33);
  check_bad_inputs(Op::Sample, 4100);
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

void bench_case(const Case& c, const char* target) {
  if (!selected(c.name())) return;
  const Batch& b = cached_batch(c.rows, c.arity, c.seed, c.offset);
  if (g_opt.once) {  // one launch at full size, nothing else on the GPU: what ncu -c 1 profiles
    const DeviceBatch input(b);
    DeviceBuffer<float> out(c.out_floats());
    DeviceBuffer<int32_t> d(c.op == Op::Sample ? c.rows : 0);
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
  Result res = check_case(c, b, inputs[0], 256);  // the first rows against the CPU
  DeviceBuffer<float> out(c.out_floats());
  DeviceBuffer<int32_t> d(c.op == Op::Sample ? c.rows : 0);
  double median_ms, b2b_ms;
  time_launches([&](int i) { GR_CHECK(launch_gpu(c, inputs[i], out.ptr, d.ptr, g_status->ptr, 0)); },
                buffers, median_ms, b2b_ms);
  res.median_ms = median_ms;
  res.b2b_ms = b2b_ms;
  res.gesps = (double)c.rows * c.arity * c.samples / (median_ms * 1e-3);
  if (c.op == Op::Sample) {
    const double bytes = (double)c.rows * c.arity * 4.0 * (c.one_hot ? 2.0 : 1.0) + c.rows * 4.0;
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
  bench_case(Case{Op::GumbelRao, 1 << 20, 16, 100, 0.5f}, "target >= 700 G el-samples/s");
  bench_case(Case{Op::GumbelRao, 1 << 20, 16, 100, 0.7f}, "log2/exp2 weights");
  bench_case(Case{Op::GumbelRao, 4096, 8, 100, 0.5f}, "target <= 0.012 ms");
  bench_case(Case{Op::GumbelRao, 4096, 8, 100, 0.7f}, nullptr);
  bench_case(Case{Op::GumbelRao, 4096, 1024, 10, 0.5f}, "target about 0.1 ms");
  bench_case(Case{Op::GumbelRao, 4096, 1024, 10, 0.7f}, nullptr);
  bench_case(Case{Op::GumbelRao, 4096, 8, 1, 0.5f}, "anchor: fused reference 0.008 ms");
  bench_case(Case{Op::GumbelRao, 4096, 8, 1000, 0.5f}, "anchor: fused reference 0.434 ms");
  bench_case(Case{Op::GumbelRao, 65536, 16, 100, 0.5f}, "anchor: fused reference 0.210 ms");
  bench_case(Case{Op::GumbelRao, 1 << 20, 2, 10, 0.5f}, "anchor: fused reference 0.062 ms");
  bench_case(Case{Op::GumbelRao, 4096, 1024, 100, 0.5f}, "anchor: torch eager 20.84 ms");
  bench_case(Case{Op::GumbelRao, 64, 65536, 10, 0.7f}, "block per row");
  // Sampling: bandwidth-bound, compared with the copy.
  bench_case(Case{Op::Sample, 1 << 22, 16}, "target >= 70% of copy");
  bench_case(Case{Op::Sample, 1 << 16, 1024}, "target >= 70% of copy");
  bench_case(Case{Op::Sample, 1 << 18, 257}, nullptr);
  bench_case(Case{Op::Sample, 1 << 22, 16, 1, 1.0f, true}, nullptr);
  bench_case(Case{Op::Sample, 64, 1 << 20}, "block per row");
  // The other operations.
  bench_case(Case{Op::Conditional, 65536, 16, 64}, nullptr);
  bench_case(Case{Op::Conditional, 4096, 1024, 16}, nullptr);
  bench_case(Case{Op::Conditional, 64, 65536, 16}, "block per row");
  for (Op op : {Op::GsForward, Op::GsBackward, Op::StBackward, Op::Reinforce}) {
    bench_case(Case{op, 1 << 22, 16, 1, 0.5f}, nullptr);
    bench_case(Case{op, 1 << 16, 1024, 1, 0.5f}, nullptr);
    bench_case(Case{op, 256, 65536, 1, 0.5f}, nullptr);
  }
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
    else if (!strcmp(argv[i], "--nvtx-overhead")) g_opt.nvtx = true;
    else if (!strcmp(argv[i], "--once")) g_opt.once = true;
    else if (!strcmp(argv[i], "--replays") && i + 1 < argc) g_opt.replays = std::max(2, atoi(argv[++i]));
    else {
      fprintf(stderr,
              "usage: %s [--check] [--bench [--once]] [--sanitize] [--graph] [--limits] "
              "[--replays N] [--nvtx-overhead] [--json FILE] [--only A,B,...] [--skip A,B,...] [--device N] [--scale F] "
              "[--max-work W]\n",
              argv[0]);
      return 2;
    }
  }
  if (!g_opt.check && !g_opt.bench && !g_opt.sanitize && !g_opt.graph && !g_opt.limits &&
      !g_opt.nvtx)
    g_opt.check = g_opt.bench = true;

  // --nvtx-overhead alone needs no device: the calls it times queue no GPU work.
  if (g_opt.nvtx && !g_opt.check && !g_opt.bench && !g_opt.sanitize && !g_opt.graph &&
      !g_opt.limits) {
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
  if (g_opt.bench) bench_sweep();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  int checked = 0;
  for (const Result& r : g_results) checked += r.op != "copy";
  printf("\n%d passed, %d failed (%.1f s)\n", checked - g_failures, g_failures, secs);
  if (g_opt.json) write_json(g_opt.json, prop);
  return g_failures ? 1 : 0;
}
