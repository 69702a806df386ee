// --graph: the device-resident entry points of gumbel_rao_cuda.h inside a CUDA graph.
//
// A training step (status reset, sample, then every backward and the conditional noise, the
// choice-taking operations reading the sampled D) is captured with cudaStreamBeginCapture on a
// library stream in the global capture mode, in which the runtime refuses, and the capture
// records, any synchronisation, allocation, legacy-stream work or pageable copy made inside it
// (cuda/NOTES.md, "CUDA graphs": the audit). The graph is replayed 100 times and its outputs must
// equal, bit for bit, those of the same calls made without capture; a NaN written into one row
// of the captured logits must come back in the status word after a replay (the reset is part of
// the graph), while every other row stays as before; and a re-capture with the next noise offset
// must update the executable graph in place (launch shapes do not depend on the key) and give
// the uncaptured results of that offset.
#include <cuda_runtime.h>
#include <math.h>
#include <string.h>

#include <string>
#include <vector>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/gumbel_rao_cuda.h"
#include "harness.h"

namespace {

// One step's inputs and outputs in device memory.
struct Step {
  int64_t rows;
  int32_t arity, samples;
  float tau;
  uint64_t seed = 0x6A09E667ull;
  DeviceBuffer<float> logits, upstream, losses;
  DeviceBuffer<int32_t> choice;
  DeviceBuffer<float> one_hot, noise, gr_grad, soft, gs_grad, st_grad, rf_grad;
  DeviceBuffer<uint64_t> status;
  Step(const Batch& b, int32_t k, float t)
      : rows(b.rows), arity(b.arity), samples(k), tau(t), logits(b.logits.size()),
        upstream(b.upstream.size()), losses(b.losses.size()), choice(b.rows),
        one_hot(b.logits.size()), noise(b.logits.size() * (size_t)k), gr_grad(b.logits.size()),
        soft(b.logits.size()), gs_grad(b.logits.size()), st_grad(b.logits.size()),
        rf_grad(b.logits.size()), status(1) {
    logits.upload(b.logits);
    upstream.upload(b.upstream);
    losses.upload(b.losses);
  }
  std::vector<DeviceBuffer<float>*> outputs() {
    return {&one_hot, &noise, &gr_grad, &soft, &gs_grad, &st_grad, &rf_grad};
  }
  // NaN everywhere, so that an output a replay failed to write shows up. cudaMemset runs on the
  // legacy stream, which the library's non-blocking streams do not wait for: hence the wait.
  void poison_outputs() {
    for (DeviceBuffer<float>* o : outputs()) o->fill_bytes(0xFF);
    choice.fill_bytes(0xFF);
    CUDA_CHECK(cudaDeviceSynchronize());
  }
};

// The step's calls, queued on `stream` with no synchronisation; returns the first failure (a
// gr_status).
int64_t queue_step(Step& s, uint32_t offset, cudaStream_t stream) {
  void* st = (void*)stream;
  uint64_t* w = s.status.ptr;
  const gr_place p{GR_ON_CUDA, g_opt.device, st, w};
  const int32_t reset = gr_cuda_status_reset(w, st);
  int64_t e = reset ? gr_status_make(GR_CUDA_ERROR, reset) : 0;
  if (!e) e = gr_sample(&p, s.logits.ptr, s.rows, s.arity, s.seed, offset, 0, s.choice.ptr,
                        s.one_hot.ptr);
  if (!e) e = gr_conditional_gumbel(&p, s.logits.ptr, s.choice.ptr, s.rows, s.arity, s.samples,
                                    s.seed, offset, 0, s.noise.ptr);
  if (!e) e = gr_gumbel_rao_backward(&p, s.logits.ptr, s.choice.ptr, s.upstream.ptr, s.rows,
                                     s.arity, s.samples, s.tau, s.seed, offset, 0, s.gr_grad.ptr);
  if (!e) e = gr_gumbel_softmax_forward(&p, s.logits.ptr, s.rows, s.arity, s.tau, s.seed, offset, 0,
                                        s.soft.ptr);
  if (!e) e = gr_gumbel_softmax_backward(&p, s.logits.ptr, s.upstream.ptr, s.rows, s.arity,
                                         s.tau, s.seed, offset, 0, s.gs_grad.ptr);
  if (!e) e = gr_straight_through_backward(&p, s.logits.ptr, s.upstream.ptr, s.rows, s.arity,
                                           s.tau, s.st_grad.ptr);
  if (!e) e = gr_reinforce_backward(&p, s.logits.ptr, s.choice.ptr, s.losses.ptr, s.rows,
                                    s.arity, 0.25f, s.rf_grad.ptr);
  return e;
}
constexpr size_t kStepNodes = 8;  // the status reset (a memset) and seven kernels

struct Snapshot {
  std::vector<std::vector<float>> outputs;
  std::vector<int32_t> choice;
  int64_t status;
};
Snapshot snapshot(Step& s) {
  Snapshot r;
  for (DeviceBuffer<float>* o : s.outputs()) r.outputs.push_back(o->download());
  r.choice = s.choice.download();
  uint64_t word = 0;
  CUDA_CHECK(cudaMemcpy(&word, s.status.ptr, sizeof word, cudaMemcpyDeviceToHost));
  r.status = gr_cuda_status_decode(word);
  return r;
}

// Rows of `got` that differ bitwise from `want` (row `skip` excepted), over every output.
int64_t differing_rows(const Step& s, const Snapshot& want, const Snapshot& got, int64_t skip) {
  int64_t bad = 0;
  for (int64_t r = 0; r < s.rows; ++r) {
    if (r == skip) continue;
    bool same = want.choice[r] == got.choice[r];
    for (size_t o = 0; o < want.outputs.size() && same; ++o) {
      const size_t per_row = want.outputs[o].size() / (size_t)s.rows;  // noise: K row blocks
      const size_t n = (size_t)s.arity;
      for (size_t block = 0; block < per_row / n && same; ++block) {
        const size_t at = (block * (size_t)s.rows + (size_t)r) * n;
        same = memcmp(&want.outputs[o][at], &got.outputs[o][at], n * sizeof(float)) == 0;
      }
    }
    bad += !same;
  }
  return bad;
}

size_t graph_nodes(cudaGraph_t g) {
  size_t n = 0;
  CUDA_CHECK(cudaGraphGetNodes(g, nullptr, &n));
  return n;
}

// Captures the step at `offset` on `stream`; records what went wrong in `why`.
cudaGraph_t capture(Step& s, uint32_t offset, cudaStream_t stream, std::string& why) {
  cudaGraph_t graph = nullptr;
  CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  const int32_t queued = queue_step(s, offset, stream);
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (queued != 0) why += std::string(" a call failed under capture: ") +
                          cudaGetErrorString((cudaError_t)queued) + ";";
  if (ended != cudaSuccess) {
    why += std::string(" capture ended with ") + cudaGetErrorString(ended) + ";";
    return nullptr;
  }
  return graph;
}

void graph_case(int64_t rows, int32_t arity, int32_t samples, float tau) {
  Result res;
  char name[96];
  snprintf(name, sizeof name, "graph_%lldx%d_K%d_t%g", (long long)rows, arity, samples, tau);
  res.name = name;
  res.op = "graph";
  res.rows = rows;
  res.arity = arity;
  res.samples = samples;
  res.tau = tau;
  res.max_err = -1.0;
  if (!selected(res.name)) return;
  const Batch b = make_batch(rows, arity, 0xB5297A4Dull, 11);
  Step step(b, samples, tau);
  uint64_t stream_handle = 0;
  CUDA_CHECK((cudaError_t)gr_cuda_stream_create(&stream_handle));
  const cudaStream_t stream = (cudaStream_t)(uintptr_t)stream_handle;
  std::string why;
  const uint32_t offset = 21;

  // The reference: the same calls, uncaptured.
  step.poison_outputs();
  GR_CHECK(queue_step(step, offset, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  const Snapshot direct = snapshot(step);
  if (direct.status != 0) why += " the uncaptured step reports status " + std::to_string(direct.status) + ";";

  cudaGraph_t graph = capture(step, offset, stream, why);
  cudaGraphExec_t exec = nullptr;
  if (graph != nullptr) {
    const size_t nodes = graph_nodes(graph);
    if (nodes != kStepNodes)
      why += " the graph has " + std::to_string(nodes) + " nodes, not " + std::to_string(kStepNodes) + ";";
    CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));

    // The replays; the last one after poisoning the outputs, so it must write them all.
    const int replays = g_opt.replays;
    step.poison_outputs();
    for (int i = 0; i < replays; ++i) {
      if (i == replays - 1) {
        CUDA_CHECK(cudaStreamSynchronize(stream));
        step.poison_outputs();
      }
      CUDA_CHECK(cudaGraphLaunch(exec, stream));
    }
    CUDA_CHECK(cudaStreamSynchronize(stream));
    const Snapshot replayed = snapshot(step);
    const int64_t bad = differing_rows(step, direct, replayed, -1);
    if (bad) why += " " + std::to_string(bad) + " rows differ from the uncaptured calls after " +
                    std::to_string(g_opt.replays) + " replays;";
    if (replayed.status != 0) why += " replays report status " + std::to_string(replayed.status) + ";";
    res.mismatches += bad;

    // A NaN logit in row 5 of the captured input: the replay reports it, other rows unchanged.
    const int64_t bad_row = rows > 5 ? 5 : rows - 1;
    const float nan = NAN;
    float* cell = step.logits.ptr + bad_row * arity + arity / 2;
    CUDA_CHECK(cudaMemcpy(cell, &nan, sizeof nan, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaDeviceSynchronize());  // the copy ran on the legacy stream (see poison_outputs)
    CUDA_CHECK(cudaGraphLaunch(exec, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    const Snapshot with_nan = snapshot(step);
    const int64_t expect = gr_status_make(GR_LOGITS_NAN, bad_row);
    if (with_nan.status != expect)
      why += " a NaN in row " + std::to_string(bad_row) + " gives status " +
             std::to_string(with_nan.status) + ", not " + std::to_string(expect) + ";";
    const int64_t moved = differing_rows(step, direct, with_nan, bad_row);
    if (moved) why += " " + std::to_string(moved) + " good rows changed next to the bad one;";
    const float th = b.logits[(size_t)bad_row * arity + arity / 2];
    CUDA_CHECK(cudaMemcpy(cell, &th, sizeof th, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaDeviceSynchronize());
    CUDA_CHECK(cudaGraphLaunch(exec, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    const Snapshot restored = snapshot(step);
    if (restored.status != 0)
      why += " the status word is not reset by the next replay (" + std::to_string(restored.status) + ");";

    // The next step's key: re-capture, update the executable graph in place, replay.
    cudaGraph_t next = capture(step, offset + 1, stream, why);
    if (next != nullptr) {
      cudaGraphExecUpdateResultInfo info;
      const cudaError_t upd = cudaGraphExecUpdate(exec, next, &info);
      if (upd != cudaSuccess) {
        why += std::string(" cudaGraphExecUpdate with the next key: ") + cudaGetErrorString(upd) + ";";
        (void)cudaGetLastError();
      } else {
        step.poison_outputs();
        CUDA_CHECK(cudaGraphLaunch(exec, stream));
        CUDA_CHECK(cudaStreamSynchronize(stream));
        const Snapshot updated = snapshot(step);
        step.poison_outputs();
        GR_CHECK(queue_step(step, offset + 1, stream));
        CUDA_CHECK(cudaStreamSynchronize(stream));
        const Snapshot direct_next = snapshot(step);
        const int64_t off = differing_rows(step, direct_next, updated, -1);
        if (off) why += " " + std::to_string(off) + " rows differ after the key update;";
        if (differing_rows(step, direct, direct_next, -1) == 0)
          why += " the next offset gave the same noise (the test cannot see a stale key);";
        res.mismatches += off;
      }
      CUDA_CHECK(cudaGraphDestroy(next));
    }
    CUDA_CHECK(cudaGraphExecDestroy(exec));
    CUDA_CHECK(cudaGraphDestroy(graph));
  }
  CUDA_CHECK((cudaError_t)gr_cuda_stream_destroy((void*)stream));
  res.ok = why.empty();
  res.note = res.ok ? std::to_string(kStepNodes) + " nodes, " + std::to_string(g_opt.replays) +
                          " replays equal to uncaptured calls; NaN row reported; key update"
                    : why;
  report(res);
}

}  // namespace

void graph_sweep() {
  printf("\n== graph: a training step captured into a CUDA graph, replayed %d times\n",
         g_opt.replays);
  graph_case(300, 16, 7, 0.5f);    // register (team) kernels, draw slices
  graph_case(37, 100, 20, 0.7f);   // teams of several lanes
  graph_case(3, 4100, 5, 0.7f);    // block-per-row kernels (conditional noise: grid.y slices)
}
