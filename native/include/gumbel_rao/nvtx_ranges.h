// NVTX ranges around the library's public operations, so that an Nsight Systems timeline names
// each call (e.g. "gumbel_rao_backward 65536x16 K=100 tau=0.5 (cuda)") instead of showing
// anonymous kernels between JNI calls. Internal to the library (C++ only, not part of the C
// interface); one line per entry point:
//
//   GR_NVTX_RANGE("gumbel_rao_backward", "cpu", rows, arity, samples, tau);   // K, tau: 0 = none
//   GR_NVTX_RANGE_COUNT("copy_to_device", "cuda", bytes, "bytes");
//
// One domain, "gumbel-rao" (kNvtxDomain); the message holds the operation, the shape, K and tau
// and the backend; the payload (unsigned 64-bit) is the call's element-samples, rows x arity x K
// (the unit of every throughput figure of the library), or the count; a colour per operation.
//
// Cost: NVTX3 is header-only (no library to link; its loader dlopens the tool named by
// NVTX_INJECTION64_PATH, as Nsight Systems and Nsight Compute set it). Without a tool the domain
// handle is null and a range is one load and one branch: the message is only formatted when a tool
// listens (cuda/NOTES.md, "NVTX", has the measured cost). Compiled in when the build defines
// GR_NVTX (CMake does when it finds nvtx3/nvToolsExt.h, CMake option GR_NVTX); otherwise the
// macros expand to nothing.
#pragma once

#include <stdint.h>

#if defined(GR_NVTX) && defined(__has_include)
#if __has_include(<nvtx3/nvToolsExt.h>)
#define GR_NVTX_ENABLED 1
#endif
#endif

#if defined(GR_NVTX_ENABLED)
#include <stdio.h>

#include <nvtx3/nvToolsExt.h>

namespace gr {
namespace nvtx {

constexpr const char* kNvtxDomain = "gumbel-rao";

// The library's domain, created on first use (NVTX's loader runs then). Null when no tool is
// attached: NVTX's functions are no-ops then and return a null handle.
inline nvtxDomainHandle_t domain() {
  static const nvtxDomainHandle_t d = nvtxDomainCreateA(kNvtxDomain);
  return d;
}

// A fixed colour per operation name, so that one operation looks the same on every backend.
inline uint32_t colour(const char* op) {
  static const uint32_t kPalette[8] = {0xFF4C72B0u, 0xFFDD8452u, 0xFF55A868u, 0xFFC44E52u,
                                       0xFF8172B3u, 0xFF937860u, 0xFFDA8BC3u, 0xFF8C8C8Cu};
  uint32_t h = 2166136261u;  // FNV-1a
  for (const char* c = op; *c; ++c) h = (h ^ (uint8_t)*c) * 16777619u;
  return kPalette[h & 7];
}

class ScopedRange {
 public:
  // rows x arity, K when samples > 0, tau when tau > 0.
  ScopedRange(const char* op, const char* backend, int64_t rows, int64_t arity, int64_t samples,
              float tau) {
    const nvtxDomainHandle_t d = domain();
    if (d == nullptr) return;
    char msg[192];
    int len = snprintf(msg, sizeof msg, "%s %lldx%lld", op, (long long)rows, (long long)arity);
    if (samples > 0 && len > 0 && len < (int)sizeof msg)
      len += snprintf(msg + len, sizeof msg - len, " K=%lld", (long long)samples);
    if (tau > 0.0f && len > 0 && len < (int)sizeof msg)
      len += snprintf(msg + len, sizeof msg - len, " tau=%g", (double)tau);
    if (len > 0 && len < (int)sizeof msg) snprintf(msg + len, sizeof msg - len, " (%s)", backend);
    push(d, op, msg, (uint64_t)rows * (uint64_t)arity * (uint64_t)(samples > 0 ? samples : 1));
  }
  // A call measured by a count (bytes of a copy, ...): "copy_to_device 4096 bytes (cuda)".
  ScopedRange(const char* op, const char* backend, uint64_t count, const char* unit) {
    const nvtxDomainHandle_t d = domain();
    if (d == nullptr) return;
    char msg[128];
    snprintf(msg, sizeof msg, "%s %llu %s (%s)", op, (unsigned long long)count, unit, backend);
    push(d, op, msg, count);
  }
  ~ScopedRange() {
    if (domain_ != nullptr) nvtxDomainRangePop(domain_);
  }
  ScopedRange(const ScopedRange&) = delete;
  ScopedRange& operator=(const ScopedRange&) = delete;

 private:
  void push(nvtxDomainHandle_t d, const char* op, const char* msg, uint64_t payload) {
    nvtxEventAttributes_t attr = {};
    attr.version = NVTX_VERSION;
    attr.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    attr.colorType = NVTX_COLOR_ARGB;
    attr.color = colour(op);
    attr.payloadType = NVTX_PAYLOAD_TYPE_UNSIGNED_INT64;
    attr.payload.ullValue = payload;
    attr.messageType = NVTX_MESSAGE_TYPE_ASCII;
    attr.message.ascii = msg;  // tools copy the message during the call
    nvtxDomainRangePushEx(d, &attr);
    domain_ = d;
  }
  nvtxDomainHandle_t domain_ = nullptr;
};

}  // namespace nvtx
}  // namespace gr

#define GR_NVTX_RANGE(op, backend, rows, arity, samples, tau) \
  const ::gr::nvtx::ScopedRange gr_nvtx_range_((op), (backend), (rows), (arity), (samples), (tau))
#define GR_NVTX_RANGE_COUNT(op, backend, count, unit) \
  const ::gr::nvtx::ScopedRange gr_nvtx_range_((op), (backend), (uint64_t)(count), (unit))

#else

#define GR_NVTX_RANGE(op, backend, rows, arity, samples, tau) ((void)0)
#define GR_NVTX_RANGE_COUNT(op, backend, count, unit) ((void)0)

#endif
