// Every public operation of the CPU and CUDA backends pushes one NVTX range in the library's
// domain, named by operation, shape, K and tau and backend, with the element-samples as payload;
// a host-array CUDA call holds the device-resident call's range inside its own.
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

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "gumbel_rao/gumbel_rao_cuda_host.h"

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

}  // namespace

int main() {
  const int64_t rows = 3;
  const int32_t arity = 5, k = 4;
  const float tau = 0.5f, baseline = 0.25f;
  const uint64_t seed = 77;
  const uint32_t offset = 2;
  std::vector<float> logits(rows * arity), upstream(rows * arity), losses(rows, 1.0f);
  for (size_t i = 0; i < logits.size(); ++i) {
    logits[i] = 0.1f * (float)(i % 7) - 0.2f;
    upstream[i] = 0.05f * (float)(i % 3);
  }
  std::vector<int32_t> choice(rows, 0);
  std::vector<float> out(rows * arity * k), grad(rows * arity);

  // The CPU backend.
  check(gr_cpu_sample(logits.data(), rows, arity, seed, offset, choice.data(), out.data()) == 0,
        "cpu sample");
  expect(1, "sample", rows, arity, 0, 0.0f, "cpu");
  check(gr_cpu_conditional_gumbel(logits.data(), choice.data(), rows, arity, k, seed, offset,
                                  out.data()) == 0, "cpu conditional_gumbel");
  expect(1, "conditional_gumbel", rows, arity, k, 0.0f, "cpu");
  check(gr_cpu_gumbel_rao_backward(logits.data(), choice.data(), upstream.data(), rows, arity, k,
                                   tau, seed, offset, grad.data()) == 0, "cpu gumbel_rao_backward");
  expect(1, "gumbel_rao_backward", rows, arity, k, tau, "cpu");
  check(gr_cpu_gumbel_softmax_forward(logits.data(), rows, arity, tau, seed, offset, grad.data()) == 0,
        "cpu gumbel_softmax_forward");
  expect(1, "gumbel_softmax_forward", rows, arity, 0, tau, "cpu");
  check(gr_cpu_gumbel_softmax_backward(logits.data(), upstream.data(), rows, arity, tau, seed,
                                       offset, grad.data()) == 0, "cpu gumbel_softmax_backward");
  expect(1, "gumbel_softmax_backward", rows, arity, 0, tau, "cpu");
  check(gr_cpu_straight_through_backward(logits.data(), upstream.data(), rows, arity, tau,
                                         grad.data()) == 0, "cpu straight_through_backward");
  expect(1, "straight_through_backward", rows, arity, 0, tau, "cpu");
  check(gr_cpu_reinforce_backward(logits.data(), choice.data(), losses.data(), baseline, rows,
                                  arity, grad.data()) == 0, "cpu reinforce_backward");
  expect(1, "reinforce_backward", rows, arity, 0, 0.0f, "cpu");
  check(gr_cpu_gumbel_rao_total_backward(logits.data(), choice.data(), upstream.data(), rows,
                                         arity, k, tau, seed, offset, grad.data()) == 0,
        "cpu gumbel_rao_total_backward");
  expect(1, "gumbel_rao_total_backward", rows, arity, k, tau, "cpu");
  check(gr_cpu_zgr_backward(logits.data(), choice.data(), upstream.data(), rows, arity,
                            grad.data()) == 0, "cpu zgr_backward");
  expect(1, "zgr_backward", rows, arity, 0, 0.0f, "cpu");
  check(gr_cpu_reinmax_backward(logits.data(), choice.data(), upstream.data(), rows, arity, tau,
                                grad.data()) == 0, "cpu reinmax_backward");
  expect(1, "reinmax_backward", rows, arity, 0, tau, "cpu");
  check(gr_cpu_gst_backward(logits.data(), choice.data(), upstream.data(), rows, arity, tau, 1.0f,
                            grad.data()) == 0, "cpu gst_backward");
  expect(1, "gst_backward", rows, arity, 0, tau, "cpu");
  {
    // RLOO with S = 2 draws per row, the binary estimators on the first column of the logits.
    std::vector<int32_t> pair(2 * rows, 0);
    std::vector<float> pair_losses(2 * rows), binary(rows), values(2 * rows), binary_grad(rows);
    for (int64_t i = 0; i < 2 * rows; ++i) pair_losses[i] = 0.5f * (float)i;
    check(gr_cpu_rloo_backward(logits.data(), pair.data(), pair_losses.data(), rows, arity, 2,
                               grad.data()) == 0, "cpu rloo_backward");
    expect(1, "rloo_backward", rows, arity, 2, 0.0f, "cpu");
    for (int64_t r = 0; r < rows; ++r) binary[r] = logits[r * arity];
    check(gr_cpu_binary_sample(binary.data(), rows, seed, offset, 1, pair.data(),
                               values.data()) == 0, "cpu binary_sample");
    expect(1, "binary_sample", rows, 1, 0, 0.0f, "cpu");
    check(gr_cpu_zgr_binary_backward(binary.data(), pair.data(), upstream.data(), rows,
                                     binary_grad.data()) == 0, "cpu zgr_binary_backward");
    expect(1, "zgr_binary_backward", rows, 1, 0, 0.0f, "cpu");
    check(gr_cpu_disarm_backward(binary.data(), pair.data(), pair_losses.data(), rows,
                                 binary_grad.data()) == 0, "cpu disarm_backward");
    expect(1, "disarm_backward", rows, 1, 0, 0.0f, "cpu");
  }

  int32_t devices = 0;
  const bool cuda = gr_cuda_compiled() == 1;
  const bool device = cuda && gr_cuda_device_count(&devices) == 0 && devices > 0;
  printf("backends: cpu (%s), cuda %s\n", gr_cpu_isa(),
         !cuda ? "not compiled" : device ? "with a device" : "compiled, no device");
  if (cuda) {
    // Device-resident calls: device memory when there is a device; without one every call fails
    // with the runtime's error, after its range (the pointers are never touched).
    float *d_logits = logits.data(), *d_upstream = upstream.data(), *d_losses = losses.data();
    float *d_out = out.data(), *d_grad = grad.data();
    int32_t* d_choice = choice.data();
    uint64_t* d_status = nullptr;
    std::vector<uint64_t> allocations;
    auto device_copy = [&](const void* host, size_t bytes) -> void* {
      uint64_t p = 0;
      if (gr_cuda_malloc(bytes, &p) != 0) return nullptr;
      allocations.push_back(p);
      if (host) gr_cuda_memcpy_async(p, (uint64_t)(uintptr_t)host, bytes, nullptr);
      return reinterpret_cast<void*>((uintptr_t)p);
    };
    if (device) {
      d_logits = (float*)device_copy(logits.data(), logits.size() * 4);
      d_upstream = (float*)device_copy(upstream.data(), upstream.size() * 4);
      d_losses = (float*)device_copy(losses.data(), losses.size() * 4);
      d_choice = (int32_t*)device_copy(nullptr, choice.size() * 4);
      d_out = (float*)device_copy(nullptr, out.size() * 4);
      d_grad = (float*)device_copy(nullptr, grad.size() * 4);
      d_status = (uint64_t*)device_copy(nullptr, 8);
      gr_cuda_device_synchronize();
    }
    auto ok = [&](int32_t e) { return device ? e == 0 : e != 0; };
    check(ok(gr_cuda_sample(d_logits, rows, arity, seed, offset, d_choice, d_out, d_status, nullptr)),
          "cuda sample");
    expect(1, "sample", rows, arity, 0, 0.0f, "cuda");
    check(ok(gr_cuda_conditional_gumbel(d_logits, d_choice, rows, arity, k, seed, offset, d_out,
                                        d_status, nullptr)), "cuda conditional_gumbel");
    expect(1, "conditional_gumbel", rows, arity, k, 0.0f, "cuda");
    check(ok(gr_cuda_gumbel_rao_backward(d_logits, d_choice, d_upstream, rows, arity, k, tau, seed,
                                         offset, d_grad, d_status, nullptr)),
          "cuda gumbel_rao_backward");
    expect(1, "gumbel_rao_backward", rows, arity, k, tau, "cuda");
    check(ok(gr_cuda_gumbel_softmax_forward(d_logits, rows, arity, tau, seed, offset, d_grad,
                                            d_status, nullptr)), "cuda gumbel_softmax_forward");
    expect(1, "gumbel_softmax_forward", rows, arity, 0, tau, "cuda");
    check(ok(gr_cuda_gumbel_softmax_backward(d_logits, d_upstream, rows, arity, tau, seed, offset,
                                             d_grad, d_status, nullptr)),
          "cuda gumbel_softmax_backward");
    expect(1, "gumbel_softmax_backward", rows, arity, 0, tau, "cuda");
    check(ok(gr_cuda_straight_through_backward(d_logits, d_upstream, rows, arity, tau, d_grad,
                                               d_status, nullptr)),
          "cuda straight_through_backward");
    expect(1, "straight_through_backward", rows, arity, 0, tau, "cuda");
    check(ok(gr_cuda_reinforce_backward(d_logits, d_choice, d_losses, baseline, rows, arity,
                                        d_grad, d_status, nullptr)), "cuda reinforce_backward");
    expect(1, "reinforce_backward", rows, arity, 0, 0.0f, "cuda");
    gr_cuda_device_synchronize();

    // Host-array calls: their own range, the device call's inside it (with a device).
    auto host_ok = [&](int64_t st) { return device ? st == 0 : st != 0; };
    auto host = [&](const char* op, int32_t kk, float t) {
      expect(1, op, rows, arity, kk, t, "cuda host");
      if (device) expect(2, op, rows, arity, kk, t, "cuda");
    };
    check(host_ok(gr_cuda_host_sample(0, logits.data(), rows, arity, seed, offset, choice.data(),
                                      out.data())), "cuda host sample");
    host("sample", 0, 0.0f);
    check(host_ok(gr_cuda_host_conditional_gumbel(0, logits.data(), choice.data(), rows, arity, k,
                                                  seed, offset, out.data())),
          "cuda host conditional_gumbel");
    host("conditional_gumbel", k, 0.0f);
    check(host_ok(gr_cuda_host_gumbel_rao_backward(0, logits.data(), choice.data(), upstream.data(),
                                                   rows, arity, k, tau, seed, offset, grad.data())),
          "cuda host gumbel_rao_backward");
    host("gumbel_rao_backward", k, tau);
    check(host_ok(gr_cuda_host_gumbel_softmax_forward(0, logits.data(), rows, arity, tau, seed,
                                                      offset, grad.data())),
          "cuda host gumbel_softmax_forward");
    host("gumbel_softmax_forward", 0, tau);
    check(host_ok(gr_cuda_host_gumbel_softmax_backward(0, logits.data(), upstream.data(), rows,
                                                       arity, tau, seed, offset, grad.data())),
          "cuda host gumbel_softmax_backward");
    host("gumbel_softmax_backward", 0, tau);
    check(host_ok(gr_cuda_host_straight_through_backward(0, logits.data(), upstream.data(), rows,
                                                         arity, tau, grad.data())),
          "cuda host straight_through_backward");
    host("straight_through_backward", 0, tau);
    check(host_ok(gr_cuda_host_reinforce_backward(0, logits.data(), choice.data(), losses.data(),
                                                  baseline, rows, arity, grad.data())),
          "cuda host reinforce_backward");
    host("reinforce_backward", 0, 0.0f);
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
