// --nvtx-overhead: the host cost per call of the library's NVTX ranges (nvtx_ranges.h), with
// whatever tool is attached: none (the library's domain handle is null, a range is a load and a
// branch), or the one named by NVTX_INJECTION64_PATH (Nsight Systems, or the test recorder
// native/test/nvtx_recorder.cpp, which costs about what formatting the message costs). Two
// timings: the range alone, and a public entry point on a path that queues no GPU work (rows = 0:
// the range, the argument checks, the return).
#include <stdio.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/nvtx_ranges.h"
#include "harness.h"

namespace {

// The fastest of five runs of `calls` calls of fn, in nanoseconds per call.
template <class Fn>
double ns_per_call(int calls, Fn fn) {
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      fn(i);
      asm volatile("" ::: "memory");  // keeps each call in the loop
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, ns / calls);
  }
  return best;
}

}  // namespace

void nvtx_overhead() {
  printf("\n== nvtx: host cost of a range per call\n");
  Result r;
  r.name = "nvtx_overhead";
  r.op = "nvtx";
  r.max_err = -1.0;
  if (!selected(r.name)) return;
#if defined(GR_NVTX_ENABLED)
  // A tool records every range: fewer calls, so that it does not hold millions of them.
  const int calls = gr::nvtx::domain() != nullptr ? 100000 : 1000000;
#else
  const int calls = 1000000;
#endif
  const double loop = ns_per_call(calls, [](int) {});
  const double entry = ns_per_call(calls, [](int i) {
    static const gr_place p{GR_ON_CUDA, 0, nullptr, nullptr};
    (void)gr_gumbel_rao_backward(&p, nullptr, nullptr, nullptr, 0, 16, 100 + (i & 1), 0.5f, 1, 0, 0,
                                 nullptr);
  });
  char note[200];
#if defined(GR_NVTX_ENABLED)
  const bool tool = gr::nvtx::domain() != nullptr;
  const double range = ns_per_call(calls, [](int i) {
    GR_NVTX_RANGE("gumbel_rao_backward", "cuda", 65536, 16, 100 + (i & 1), 0.5f);
  });
  snprintf(note, sizeof note,
           "%s: range %.1f ns, entry point with rows = 0 %.1f ns, empty loop %.1f ns per call",
           tool ? "tool attached" : "no tool attached", range - loop, entry - loop, loop);
  // Without a tool a range must be (nearly) free: a load and a branch. 50 ns leaves room for
  // a busy shared machine; a formatted message costs several times that.
  r.ok = tool || range - loop < 50.0;
  r.median_ms = -1.0;
#else
  snprintf(note, sizeof note, "built without NVTX: entry point with rows = 0 %.1f ns per call",
           entry - loop);
#endif
  r.note = note;
  report(r);
}
