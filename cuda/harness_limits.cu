// --limits: the cases of the hardening issue (issue 9) that the check sweep's sizes do not reach.
//  - Gumbel-Rao at arity > 4096 with several draw windows of the block-per-row kernel, against
//    the CPU reference (whose chunks add in double);
//  - K near 2^31 (2^31 - 1 draws): Gumbel-Rao's team kernel (draw slices, double folds), checked
//    by properties (every output written and finite, each row's gradient sums to zero) and
//    against a K = 2^22 run of the same rows; the conditional sampler, whose draws near the end
//    are compared with math.h evaluated on the host (the draw index is what overflowed);
//  - the host-memory calls' staging memory released for every thread, not only the caller's, with
//    calls running on other threads meanwhile.
// Cases whose work (element-samples) exceeds --max-work are skipped with a note (the emulator).
#include <cuda_runtime.h>
#include <math.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/operations.h"
#include "gumbel_rao/math.h"
#include "harness.h"

namespace {

constexpr int32_t kMaxK = 2147483647;  // 2^31 - 1

Result named(const std::string& name, const char* op) {
  Result r;
  r.name = name;
  r.op = op;
  r.max_err = -1.0;
  return r;
}

bool too_big(Result& r, double work) {
  if (g_opt.max_work > 0.0 && work > g_opt.max_work) {
    r.note = "skipped: " + std::to_string((long long)work) + " element-samples > --max-work";
    report(r);
    return true;
  }
  return false;
}

// Several windows of the block-per-row kernel (2048 draws each) against the CPU.
void block_per_row_windows(int64_t rows, int32_t arity, int32_t samples, float tau) {
  const Case c{GR_OP_GUMBEL_RAO_BACKWARD, rows, arity, samples, tau};
  if (!selected("limits_" + c.name())) return;
  Result skip = named("limits_" + c.name(), "gr");
  if (too_big(skip, 2.0 * rows * arity * (double)samples)) return;  // two passes
  const Batch b = make_batch(rows, arity, 0x243F6A88ull, 7);
  const DeviceBatch db(b);
  Result r = check_case(c, b, db);
  r.name = "limits_" + c.name();
  r.note = std::to_string((samples + 2047) / 2048) + " draw windows of the block-per-row kernel";
  report(r);
}

// Gumbel-Rao at K = 2^31 - 1 on a few rows of a few classes.
void gumbel_rao_max_k(int64_t rows, int32_t arity, float tau) {
  Result r = named("limits_gr_" + std::to_string(rows) + "x" + std::to_string(arity) + "_K2147483647", "gr");
  if (!selected(r.name)) return;
  r.rows = rows;
  r.arity = arity;
  r.samples = kMaxK;
  r.tau = tau;
  if (too_big(r, (double)rows * arity * kMaxK)) return;
  const Batch b = make_batch(rows, arity, 0x13198A2Eull, 3);
  const DeviceBatch db(b);
  DeviceBuffer<float> big(b.logits.size()), ref(b.logits.size());
  big.fill_bytes(0xFF);
  Case c{GR_OP_GUMBEL_RAO_BACKWARD, rows, arity, kMaxK, tau};
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t st = run_gpu([&](uint64_t* s) { return launch_gpu(c, db, big.ptr, nullptr, s, 0); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.samples = 1 << 22;
  const int64_t st_ref = run_gpu([&](uint64_t* s) { return launch_gpu(c, db, ref.ptr, nullptr, s, 0); });
  const std::vector<float> g = big.download(), e = ref.download();
  std::string why;
  if (st != 0 || st_ref != 0) why += " status " + std::to_string(st) + "/" + std::to_string(st_ref) + ";";
  int64_t not_finite = 0, unbalanced = 0, far = 0;
  for (int64_t row = 0; row < rows; ++row) {
    // Each draw's term s_j (gs_j - <s, gs>) / tau is at most 2 max|gs| / tau (gs = g - g_D):
    // the bound of both the rounding of the sums and the K = 2^22 run's standard error.
    const int32_t d = b.choice[row];
    double sum = 0.0, bound = 0.0;
    for (int32_t j = 0; j < arity; ++j) {
      const double x = g[row * arity + j];
      not_finite += !std::isfinite(x);
      sum += x;
      bound = std::max(bound, 2.0 * fabs((double)b.upstream[row * arity + j] -
                                         b.upstream[row * arity + d]) / tau);
    }
    // J(s)^T g sums to zero over the classes for every draw, so the mean does too.
    if (!(fabs(sum) <= 1e-6 * bound + 1e-9)) ++unbalanced;
    // K = 2^22 has a standard error of at most bound / 2048 = 5e-4 bound: 1e-2 bound is 20 of
    // them, and still catches lost or doubled draws (a factor in the mean) or a wrong 1/(K tau)
    // wherever the gradient is not tiny next to the upstream.
    for (int32_t j = 0; j < arity; ++j) {
      const double err = fabs((double)g[row * arity + j] - e[row * arity + j]);
      r.max_err = std::max(r.max_err, err / (bound + 1e-30));
      far += !(err <= 1e-2 * bound + 1e-7);
    }
  }
  if (not_finite) why += " " + std::to_string(not_finite) + " outputs not finite;";
  if (unbalanced) why += " " + std::to_string(unbalanced) + " rows do not sum to zero;";
  if (far) why += " " + std::to_string(far) + " outputs far from the K = 2^22 estimate;";
  r.mismatches = not_finite + unbalanced + far;
  r.ok = why.empty();
  char note[96];
  snprintf(note, sizeof note, "%.2f s for 2^31 - 1 draws; vs K = 2^22: max err %.2e of the term bound",
           secs, r.max_err);
  r.note = r.ok ? std::string(note) : why;
  report(r);
}

// The conditional sampler at K = 2^31 - 1 on one row of one class (8 GiB of output): the first,
// a middle and the last draws against math.h on the host.
void conditional_max_k() {
  Result r = named("limits_conditional_1x1_K2147483647", "conditional");
  if (!selected(r.name)) return;
  r.rows = 1;
  r.arity = 1;
  r.samples = kMaxK;
  if (too_big(r, (double)kMaxK)) return;
  const Batch b = make_batch(1, 1, 0xA4093822ull, 5);
  const DeviceBatch db(b);
  float* noise = nullptr;
  const cudaError_t alloc = cudaMalloc(&noise, (size_t)kMaxK * sizeof(float));
  if (alloc != cudaSuccess) {
    (void)cudaGetLastError();
    r.note = std::string("skipped: 8 GiB of device memory not available (") +
             cudaGetErrorString(alloc) + ")";
    report(r);
    return;
  }
  const uint64_t seed = 0x299F31D0ull;
  const uint32_t offset = 9;
  const int64_t st = run_gpu([&](uint64_t* s) {
    const gr_place p{GR_ON_CUDA, g_opt.device, nullptr, s};
    return gr_conditional_gumbel(&p, db.logits.ptr, db.choice.ptr, 1, 1, kMaxK, seed, offset, 0,
                                 noise);
  });
  std::string why;
  if (st != 0) why += " status " + std::to_string(st) + ";";
  // One class: D = 0, p_D = 1, G^k = conditional_gumbel_winner(0, E_D^k) (math.h).
  const gr::NoiseKey key = gr::noise_key(seed, offset, 0);
  const int64_t draws[] = {0, 1, kMaxK / 2, kMaxK - 256, kMaxK - 2, kMaxK - 1};
  for (int64_t k : draws) {
    float got = 0.0f;
    CUDA_CHECK(cudaMemcpy(&got, noise + k, sizeof got, cudaMemcpyDeviceToHost));
    const gr::Words4 w = gr::noise_words(key, 0, 0, gr::conditional_slot((uint32_t)k));
    const float want = gr::conditional_gumbel_winner(
        0.0f, gr::exponential_from_uniform(gr::uniform_open(w.w[0])));
    const double err = fabs((double)got - want) / std::max(1.0, fabs((double)want));
    r.max_err = std::max(r.max_err, err);
    if (!(err <= 4e-5)) {
      ++r.mismatches;
      why += " draw " + std::to_string(k) + ": gpu " + std::to_string(got) + " host " +
             std::to_string(want) + ";";
    }
  }
  CUDA_CHECK(cudaFree(noise));
  r.ok = why.empty();
  r.note = r.ok ? "draws 0, 1, 2^30, 2^31 - 257, 2^31 - 3, 2^31 - 2 as math.h gives them" : why;
  report(r);
}

// gr_cuda_host_release_all frees the workspaces of idle threads and waits for running calls.
void release_all_staging() {
  Result r = named("limits_host_release_all", "host");
  if (!selected(r.name)) return;
  const int32_t arity = 16, samples = 9;
  const float tau = 0.7f;
  const int64_t sizes[3] = {100, 2000, 517};
  std::vector<Batch> batches;
  std::vector<std::vector<float>> expect;
  for (int64_t rows : sizes) {
    batches.push_back(make_batch(rows, arity, 0x082EFA98ull + rows, 2));
    const Batch& b = batches.back();
    const DeviceBatch db(b);
    DeviceBuffer<float> out(b.logits.size());
    const Case c{GR_OP_GUMBEL_RAO_BACKWARD, rows, arity, samples, tau};
    if (run_gpu([&](uint64_t* s) { return launch_gpu(c, db, out.ptr, nullptr, s, 0); }) != 0)
      r.note += " device call failed;";
    expect.push_back(out.download());
  }
  std::atomic<int64_t> wrong{0}, failed{0};
  auto call = [&](int i) {
    const Batch& b = batches[i];
    std::vector<float> grad(b.logits.size(), NAN);
    const gr_place staged{GR_ON_CUDA_STAGED, g_opt.device, nullptr, nullptr};
    const int64_t st = gr_gumbel_rao_backward(&staged, b.logits.data(), b.choice.data(),
                                              b.upstream.data(), b.rows, arity, samples, tau,
                                              0x1234ABCDull, 3, 0, grad.data());
    if (st != 0) ++failed;
    else if (memcmp(grad.data(), expect[i].data(), grad.size() * sizeof(float)) != 0) ++wrong;
  };

  // Three pool-like threads: a call each, then idle until told to call again or to exit.
  std::mutex m;
  std::condition_variable cv;
  int round = 0, done = 0;
  bool quit = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < 3; ++i)
    pool.emplace_back([&, i] {
      int seen = 0;
      for (;;) {
        {
          std::unique_lock<std::mutex> l(m);
          cv.wait(l, [&] { return quit || round > seen; });
          if (quit && round == seen) return;
          seen = round;
        }
        call(i);
        std::lock_guard<std::mutex> l(m);
        ++done;
        cv.notify_all();
      }
    });
  auto run_round = [&] {
    std::unique_lock<std::mutex> l(m);
    ++round;
    cv.notify_all();
    cv.wait(l, [&] { return done == 3 * round; });
  };
  std::string why;
  const int64_t before = gr_cuda_host_workspace_bytes();
  run_round();
  const int64_t held = gr_cuda_host_workspace_bytes();
  // Each workspace holds at least its call's inputs and outputs (logits, choice, upstream, grad).
  int64_t needed = 0;
  for (int64_t rows : sizes) needed += rows * arity * 12 + rows * 4;
  if (held - before < needed)
    why += " workspaces hold " + std::to_string(held - before) + " bytes, expected >= " +
           std::to_string(needed) + ";";
  const int32_t err = gr_cuda_host_release_all();
  const int64_t after = gr_cuda_host_workspace_bytes();
  if (err != 0) why += std::string(" release_all: ") + cudaGetErrorString((cudaError_t)err) + ";";
  if (after != 0) why += " " + std::to_string(after) + " bytes still held after release_all;";
  run_round();  // the idle threads' next calls allocate again
  if (gr_cuda_host_workspace_bytes() < needed) why += " the calls after release_all hold no memory;";

  // Releases while the threads call: each call must still be right (under ASan in the
  // emulator, a workspace freed under a running call would be reported).
  std::atomic<bool> stop{false};
  std::thread releaser([&] {
    while (!stop) {
      if (gr_cuda_host_release_all() != 0) ++failed;
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < 5; ++i) run_round();
  stop = true;
  releaser.join();
  {
    std::lock_guard<std::mutex> l(m);
    quit = true;
    cv.notify_all();
  }
  for (std::thread& t : pool) t.join();
  // Exited threads unregister and free their workspaces.
  const int64_t end = gr_cuda_host_workspace_bytes();
  if (end != before) why += " " + std::to_string(end - before) + " bytes held after the threads exited;";
  if (failed) why += " " + std::to_string(failed.load()) + " calls failed;";
  if (wrong) why += " " + std::to_string(wrong.load()) + " results differ from the device call;";
  r.mismatches = wrong + failed;
  r.ok = why.empty() && r.note.empty();
  r.note = r.ok ? std::to_string(held - before) + " bytes held by 3 threads, 0 after release_all; "
                      "7 rounds of calls (5 under concurrent releases) equal to device calls"
                : why + r.note;
  report(r);
}

}  // namespace

void limits_sweep() {
  printf("\n== limits: many draws at large arity, K = 2^31 - 1, staging released for all threads\n");
  block_per_row_windows(2, 4100, 2100, 0.7f);     // two windows, the second partial
  block_per_row_windows(3, 4100, 5000, 0.5f);     // three windows
  block_per_row_windows(4, 65536, 10000, 0.7f);   // five windows of 16 tiles each
  gumbel_rao_max_k(3, 2, 0.5f);
  gumbel_rao_max_k(2, 16, 0.7f);
  conditional_max_k();
  release_all_staging();
}
