// A minimal NVTX tool for the library's tests: loaded as NVTX_INJECTION64_PATH, the way Nsight
// Systems loads its own injection library, it records every domain range pushed (domain,
// message, payload, colour, nesting depth) so that a test can check what a profiler would show.
//
//   NVTX_INJECTION64_PATH=/path/libgr_nvtx_recorder.so ./program
//
// In-process readers dlopen the same path and call gr_nvtx_recorder_* (below). With
// GR_NVTX_RECORD_FILE set, the ranges are also written there at exit, one per line:
// depth <tab> domain <tab> message <tab> payload.
#define NVTX_NO_IMPL  // a tool: NVTX's types and ids, not its client-side implementation
#include <nvtx3/nvToolsExt.h>
#include <stdio.h>
#include <stdlib.h>

#include <mutex>
#include <string>
#include <vector>

namespace {

struct Domain {
  std::string name;
};
struct Range {
  std::string domain, message;
  uint64_t payload;
  uint32_t colour;
  int depth;  // 1 for a range pushed with none open on its thread
};

std::mutex g_lock;
std::vector<Range>& ranges() {
  static std::vector<Range>* r = new std::vector<Range>;  // outlives the program's destructors
  return *r;
}
thread_local int t_depth = 0;

nvtxDomainHandle_t NVTX_API domain_create(const char* name) {
  return reinterpret_cast<nvtxDomainHandle_t>(new Domain{name ? name : ""});
}

int NVTX_API range_push(nvtxDomainHandle_t domain, const nvtxEventAttributes_t* attr) {
  Range r;
  r.domain = domain ? reinterpret_cast<Domain*>(domain)->name : "";
  r.message = attr && attr->messageType == NVTX_MESSAGE_TYPE_ASCII && attr->message.ascii
                  ? attr->message.ascii
                  : "";
  r.payload = attr && attr->payloadType == NVTX_PAYLOAD_TYPE_UNSIGNED_INT64
                  ? attr->payload.ullValue
                  : 0;
  r.colour = attr && attr->colorType == NVTX_COLOR_ARGB ? attr->color : 0;
  r.depth = ++t_depth;
  const std::lock_guard<std::mutex> g(g_lock);
  ranges().push_back(r);
  return t_depth - 1;
}

int NVTX_API range_pop(nvtxDomainHandle_t) { return t_depth > 0 ? --t_depth : -1; }

void write_file() {
  const char* path = getenv("GR_NVTX_RECORD_FILE");
  if (path == nullptr) return;
  FILE* f = fopen(path, "w");
  if (f == nullptr) return;
  const std::lock_guard<std::mutex> g(g_lock);
  for (const Range& r : ranges())
    fprintf(f, "%d\t%s\t%s\t%llu\n", r.depth, r.domain.c_str(), r.message.c_str(),
            (unsigned long long)r.payload);
  fclose(f);
}

}  // namespace

extern "C" {

// NVTX's entry point for a tool: fill in the callbacks of the domain API (module CORE2).
__attribute__((visibility("default"))) int InitializeInjectionNvtx2(
    NvtxGetExportTableFunc_t get_export_table) {
  const NvtxExportTableCallbacks* callbacks =
      static_cast<const NvtxExportTableCallbacks*>(get_export_table(NVTX_ETID_CALLBACKS));
  if (callbacks == nullptr) return 0;
  NvtxFunctionTable table = nullptr;
  unsigned int size = 0;
  if (!callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE2, &table, &size) || !table ||
      size <= NVTX_CBID_CORE2_DomainCreateA)
    return 0;
  *table[NVTX_CBID_CORE2_DomainCreateA] = reinterpret_cast<NvtxFunctionPointer>(&domain_create);
  *table[NVTX_CBID_CORE2_DomainRangePushEx] = reinterpret_cast<NvtxFunctionPointer>(&range_push);
  *table[NVTX_CBID_CORE2_DomainRangePop] = reinterpret_cast<NvtxFunctionPointer>(&range_pop);
  static bool registered = false;
  if (!registered) {
    registered = true;
    atexit(write_file);
  }
  return 1;
}

// The recorded ranges, for tests that dlopen this library.
__attribute__((visibility("default"))) int gr_nvtx_recorder_count(void) {
  const std::lock_guard<std::mutex> g(g_lock);
  return (int)ranges().size();
}
__attribute__((visibility("default"))) const char* gr_nvtx_recorder_message(int i) {
  const std::lock_guard<std::mutex> g(g_lock);
  return i >= 0 && i < (int)ranges().size() ? ranges()[i].message.c_str() : nullptr;
}
__attribute__((visibility("default"))) const char* gr_nvtx_recorder_domain(int i) {
  const std::lock_guard<std::mutex> g(g_lock);
  return i >= 0 && i < (int)ranges().size() ? ranges()[i].domain.c_str() : nullptr;
}
__attribute__((visibility("default"))) uint64_t gr_nvtx_recorder_payload(int i) {
  const std::lock_guard<std::mutex> g(g_lock);
  return i >= 0 && i < (int)ranges().size() ? ranges()[i].payload : 0;
}
__attribute__((visibility("default"))) int gr_nvtx_recorder_depth(int i) {
  const std::lock_guard<std::mutex> g(g_lock);
  return i >= 0 && i < (int)ranges().size() ? ranges()[i].depth : 0;
}
__attribute__((visibility("default"))) int gr_nvtx_recorder_open(void) { return t_depth; }

}  // extern "C"
