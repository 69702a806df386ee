// Times one CPU-backend operation from C, without the JVM: the A/B driver of native/NOTES.md.
//   speed OP ROWS ARITY K TAU [ISA] [THREADS] [CALLS]
// OP: gumbel-rao, conditional, sample, st-gs. ISA: avx512, avx2, x86-64, neon (default: the
// detected one). Prints the median time per call over CALLS calls (after one warm-up call) and
// element-samples/s (rows x arity x K per second, K = 1 for sample and st-gs).
// For instruction counts run it under valgrind --tool=callgrind
// --toggle-collect='gr_*' with CALLS = 1: only the library calls are counted.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gumbel_rao/operations.h"

namespace {

double now_seconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Roughly standard-normal values from integers (a sum of four uniforms, centred and scaled).
std::vector<float> normals(uint64_t seed, size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (int q = 0; q < 4; ++q) s += (double)(splitmix(seed) >> 11) * 0x1.0p-53;
    v[i] = (float)((s - 2.0) * 1.7320508);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s OP ROWS ARITY K TAU [ISA] [THREADS] [CALLS]\n", argv[0]);
    return 2;
  }
  const std::string op = argv[1];
  const int64_t rows = atoll(argv[2]);
  const int32_t n = atoi(argv[3]);
  const int32_t k = atoi(argv[4]);
  const float tau = (float)atof(argv[5]);
  if (argc > 6 && strcmp(argv[6], "-") != 0 && gr_cpu_set_isa(argv[6]) != 0) {
    fprintf(stderr, "isa %s not available here\n", argv[6]);
    return 2;
  }
  if (argc > 7) gr_cpu_set_threads(atoi(argv[7]));
  const int calls = argc > 8 ? atoi(argv[8]) : 21;
  const size_t count = (size_t)(rows * n);
  const std::vector<float> th = normals(1, count), g = normals(2, count);
  std::vector<int32_t> d((size_t)rows);
  std::vector<float> out(op == "conditional" ? count * (size_t)k : count);
  const uint64_t seed = 20210503;
  if (gr_sample(nullptr, th.data(), rows, n, seed, 0, 0, d.data(), nullptr) != 0) return 1;
  auto call = [&](uint32_t offset) -> int64_t {
    if (op == "gumbel-rao")
      return gr_gumbel_rao_backward(nullptr, th.data(), d.data(), g.data(), rows, n, k, tau, seed,
                                        offset, 0, out.data());
    if (op == "conditional")
      return gr_conditional_gumbel(nullptr, th.data(), d.data(), rows, n, k, seed, offset, 0, out.data());
    if (op == "sample") return gr_sample(nullptr, th.data(), rows, n, seed, offset, 0, d.data(), out.data());
    if (op == "st-gs")
      return gr_gumbel_softmax_backward(nullptr, th.data(), g.data(), rows, n, tau, seed, offset, 0,
                                            out.data());
    fprintf(stderr, "unknown op %s\n", op.c_str());
    exit(2);
  };
  if (call(1) != 0) return 1;
  std::vector<double> times;
  for (int c = 0; c < calls; ++c) {
    const double t0 = now_seconds();
    if (call(2 + (uint32_t)c) != 0) return 1;
    times.push_back(now_seconds() - t0);
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const double work = (double)count * (op == "gumbel-rao" || op == "conditional" ? k : 1);
  printf("%s rows=%lld arity=%d K=%d tau=%g isa=%s threads=%d: median %.2f us/call (min %.2f), "
         "%.3g element-samples/s\n",
         op.c_str(), (long long)rows, n, k, tau, gr_cpu_isa(), gr_cpu_threads(), median * 1e6,
         times[0] * 1e6, work / median);
  return 0;
}
