// Every operation (the table of gumbel_rao/operations.h, so a new one is checked with no edit
// here) pushes one NVTX range in the library's domain on every place, named by operation, shape,
// K and tau and backend, with the element-samples as payload; a host-array CUDA call holds the
// device-resident call's range inside its own.
//
// Run it under the recorder tool (native/test/nvtx_recorder.cpp), as a profiler would load its
// own injection library:
//   NVTX_INJECTION64_PATH=.../libgr_nvtx_recorder.so ./gr_nvtx_ranges_test
// Without a tool it only checks that the calls work and says the ranges were not checked (exit 0).
// On a machine without a GPU the CUDA calls fail with the runtime's error after pushing their
// range (the range comes first in every entry point), so the device-resident ranges are checked
// there too; the nested device range of a host-array call appears only with a device (the
// emulator's or a real one). Prints "N passed, M failed" and exits 1 on a failure.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/operations.h"

namespace {

struct Expected {
  int depth;
  std::string message;
  uint64_t payload;
};
std::vector<Expected> g_expected;
int g_passed = 0, g_failed = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    printf("FAIL %s\n", what.c_str());
  }
}

std::string shape(const char* op, int64_t rows, int32_t arity, int32_t k, float tau,
                  const char* backend) {
  char buf[192];
  int len = snprintf(buf, sizeof buf, "%s %lldx%d", op, (long long)rows, arity);
  if (k > 0) len += snprintf(buf + len, sizeof buf - len, " K=%d", k);
  if (tau > 0.0f) len += snprintf(buf + len, sizeof buf - len, " tau=%g", (double)tau);
  snprintf(buf + len, sizeof buf - len, " (%s)", backend);
  return buf;
}
void expect(int depth, const char* op, int64_t rows, int32_t arity, int32_t k, float tau,
            const char* backend) {
  g_expected.push_back({depth, shape(op, rows, arity, k, tau, backend),
                        (uint64_t)(rows * arity * (k > 0 ? k : 1))});
}

// Arguments for every operation at once: arrays large enough for any of them (RLOO's draws
// included), valid draws (class 0: the logits are finite), the operations' scalars.
struct Inputs {
  static constexpr int64_t kRows = 3;
  static constexpr int32_t kArity = 5, kDraws = 4;
  std::vector<float> logits, upstream, losses, out;
  std::vector<int32_t> choice;
  Inputs() {
    const size_t n = (size_t)(kRows * kArity * kDraws);
    logits.assign(n, 0.0f);
    upstream.assign(n, 0.0f);
    losses.assign(n, 1.0f);
    out.assign(n, 0.0f);
    choice.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      logits[i] = 0.1f * (float)(i % 7) - 0.2f;
      upstream[i] = 0.05f * (float)(i % 3);
    }
  }
  gr_arguments arguments(const gr_operation_info& op, float* logits_at, float* upstream_at,
                         float* losses_at, int32_t* choice_at, float* out_at,
                         int32_t* choice_out_at) const {
    gr_arguments a{};
    a.rows = kRows;
    a.arity = kArity;
    a.samples = op.samples && strcmp(op.samples, "S") == 0 ? 2 : kDraws;
    a.tau = 0.5f;
    a.gap = 1.0f;
    a.baseline = 0.25f;
    a.draws = 2;  // binary_sample's pair, ARMS's n (>= 2)
    a.seed = 77;
    a.offset = 2;
    for (int32_t i = 0; i < op.array_count; ++i) {
      const gr_array_parameter& p = op.arrays[i];
      void* at = nullptr;
      if (p.role == GR_PARAMETER_INPUT) {
        at = p.array == GR_ARRAY_LOGITS ? (void*)logits_at
             : p.array == GR_ARRAY_UPSTREAM ? (void*)upstream_at
             : p.array == GR_ARRAY_LOSSES ? (void*)losses_at : (void*)choice_at;
      } else {
        at = p.type == GR_INT32 ? (void*)choice_out_at : (void*)out_at;
      }
      a.arrays[p.array] = at;
    }
    return a;
  }
};

}  // namespace

int main() {
  Inputs in;
  const int64_t rows = Inputs::kRows;
  std::vector<int32_t> choice_out(in.choice.size());
  auto expect_call = [&](int depth, const gr_operation_info& op, const gr_arguments& a,
                         const char* backend) {
    expect(depth, op.name, rows, op.binary ? 1 : a.arity, op.samples ? a.samples : 0,
           op.has_tau ? a.tau : 0.0f, backend);
  };

  // The CPU backend.
  for (int32_t o = 0; o < GR_OPERATION_COUNT; ++o) {
    const gr_operation_info& op = *gr_operation_describe((gr_operation)o);
    const gr_arguments a = in.arguments(op, in.logits.data(), (float*)in.upstream.data(),
                                        (float*)in.losses.data(), (int32_t*)in.choice.data(),
                                        (float*)in.out.data(), choice_out.data());
    check(gr_invoke((gr_operation)o, nullptr, &a) == 0, std::string("cpu ") + op.name);
    expect_call(1, op, a, "cpu");
  }

  int32_t devices = 0;
  const bool cuda = gr_cuda_compiled() == 1;
  const bool device = cuda && gr_cuda_device_count(&devices) == 0 && devices > 0;
  printf("backends: cpu (%s), cuda %s\n", gr_cpu_isa(),
         !cuda ? "not compiled" : device ? "with a device" : "compiled, no device");
  if (cuda) {
    // Device-resident calls: device memory when there is a device; without one every call fails
    // with the runtime's error, after its range (the pointers are never touched).
    const size_t bytes = in.logits.size() * 4;
    std::vector<uint64_t> allocations;
    auto device_copy = [&](const void* host) -> void* {
      uint64_t p = 0;
      if (gr_cuda_malloc(bytes, &p) != 0) return nullptr;
      allocations.push_back(p);
      if (host) gr_cuda_memcpy_async(p, (uint64_t)(uintptr_t)host, bytes, nullptr);
      return reinterpret_cast<void*>((uintptr_t)p);
    };
    void* d_logits = in.logits.data();
    void* d_upstream = in.upstream.data();
    void* d_losses = in.losses.data();
    void* d_choice = in.choice.data();
    void* d_out = in.out.data();
    void* d_choice_out = choice_out.data();
    uint64_t* d_status = nullptr;
    if (device) {
      d_logits = device_copy(in.logits.data());
      d_upstream = device_copy(in.upstream.data());
      d_losses = device_copy(in.losses.data());
      d_choice = device_copy(in.choice.data());
      d_out = device_copy(nullptr);
      d_choice_out = device_copy(nullptr);
      d_status = (uint64_t*)device_copy(nullptr);
      gr_cuda_device_synchronize();
    }
    const gr_place on_device{GR_ON_CUDA, 0, nullptr, d_status};
    for (int32_t o = 0; o < GR_OPERATION_COUNT; ++o) {
      const gr_operation_info& op = *gr_operation_describe((gr_operation)o);
      const gr_arguments a = in.arguments(op, (float*)d_logits, (float*)d_upstream,
                                          (float*)d_losses, (int32_t*)d_choice, (float*)d_out,
                                          (int32_t*)d_choice_out);
      const int64_t st = gr_invoke((gr_operation)o, &on_device, &a);
      check(device ? st == 0 : st != 0, std::string("cuda ") + op.name);
      expect_call(1, op, a, "cuda");
    }
    gr_cuda_device_synchronize();

    // Host-array calls: their own range, the device call's inside it (with a device).
    const gr_place staged{GR_ON_CUDA_STAGED, 0, nullptr, nullptr};
    for (int32_t o = 0; o < GR_OPERATION_COUNT; ++o) {
      const gr_operation_info& op = *gr_operation_describe((gr_operation)o);
      const gr_arguments a = in.arguments(op, in.logits.data(), (float*)in.upstream.data(),
                                          (float*)in.losses.data(), (int32_t*)in.choice.data(),
                                          (float*)in.out.data(), choice_out.data());
      const int64_t st = gr_invoke((gr_operation)o, &staged, &a);
      check(device ? st == 0 : st != 0, std::string("cuda host ") + op.name);
      expect_call(1, op, a, "cuda host");
      if (device) expect_call(2, op, a, "cuda");
    }
    gr_cuda_host_release_thread();
    for (uint64_t p : allocations) gr_cuda_free(p);
  }

  const char* tool = getenv("NVTX_INJECTION64_PATH");
  void* recorder = tool ? dlopen(tool, RTLD_NOW | RTLD_NOLOAD) : nullptr;
  auto count = recorder ? (int (*)(void))dlsym(recorder, "gr_nvtx_recorder_count") : nullptr;
  if (count == nullptr) {
    printf("ranges not checked: run with NVTX_INJECTION64_PATH=<libgr_nvtx_recorder.so>%s\n",
           tool ? " (that library is not the recorder, or the build has no NVTX)" : "");
    if (tool) ++g_failed;  // a recorder was asked for and no range reached it
  } else {
    auto message = (const char* (*)(int))dlsym(recorder, "gr_nvtx_recorder_message");
    auto domain = (const char* (*)(int))dlsym(recorder, "gr_nvtx_recorder_domain");
    auto payload = (uint64_t (*)(int))dlsym(recorder, "gr_nvtx_recorder_payload");
    auto depth = (int (*)(int))dlsym(recorder, "gr_nvtx_recorder_depth");
    auto open = (int (*)(void))dlsym(recorder, "gr_nvtx_recorder_open");
    const int n = count();
    check(n == (int)g_expected.size(), "recorded " + std::to_string(n) + " ranges, expected " +
                                           std::to_string(g_expected.size()));
    for (int i = 0; i < n && i < (int)g_expected.size(); ++i) {
      const Expected& e = g_expected[i];
      const std::string got = message(i);
      check(got == e.message, "range " + std::to_string(i) + ": \"" + got + "\", expected \"" +
                                  e.message + "\"");
      check(strcmp(domain(i), "gumbel-rao") == 0,
            "range " + std::to_string(i) + " in domain \"" + domain(i) + "\"");
      check(payload(i) == e.payload, "range " + std::to_string(i) + " payload " +
                                         std::to_string(payload(i)) + ", expected " +
                                         std::to_string(e.payload));
      check(depth(i) == e.depth, "range " + std::to_string(i) + " (" + got + ") at depth " +
                                     std::to_string(depth(i)) + ", expected " +
                                     std::to_string(e.depth));
    }
    check(open() == 0, "ranges left open: " + std::to_string(open()));
    printf("%d ranges recorded in domain gumbel-rao, each as expected: %s\n", n,
           g_failed ? "no" : "yes");
  }
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
