// The CPU backend: instruction-set dispatch, the split of each operation into tasks (what the
// generated entry points of gumbel_rao/operations.h call for GR_ON_CPU), the status reporting of
// gumbel_rao.h, and the backend's configuration and self-checks (gr_cpu_*).
#include <string.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <vector>

#include "kernels.h"
#include "operations_internal.h"
#include "thread_pool.h"

namespace gr::cpu {
namespace {

#if defined(__aarch64__)
// arm64 has one copy: NEON (Advanced SIMD) is part of the base architecture.
const KernelTable* const kTables[] = {&kTableNeon};
const KernelTable* detect_table() { return &kTableNeon; }
#else
// In order of preference, lowest first (gr_cpu_set_isa accepts those up to the detected one).
const KernelTable* const kTables[] = {&kTableX86_64, &kTableAvx2, &kTableAvx512};
const KernelTable* detect_table() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return &kTableAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("bmi2"))
    return &kTableAvx2;
  return &kTableX86_64;
}
#endif

const KernelTable* const kBest = detect_table();
std::atomic<const KernelTable*> g_table{kBest};

const KernelTable& table() { return *g_table.load(std::memory_order_relaxed); }

// The lowest-row failure over all tasks, so that the report does not depend on thread timing.
class Status {
 public:
  void record(int64_t status) {
    if (status == GR_OK) return;
    int64_t cur = value_.load();
    while ((cur == GR_OK || gr_status_row(status) < gr_status_row(cur)) &&
           !value_.compare_exchange_weak(cur, status)) {
    }
  }
  int64_t get() const { return value_.load(); }

 private:
  std::atomic<int64_t> value_{GR_OK};
};

// Below this many element-draws a call runs on the calling thread: handing work to a spinning
// worker costs about a microsecond, a few thousand element-draws of work.
constexpr int64_t kSerialWork = 1 << 12;

// Splits rows [0, rows) into ranges of whole tiles (`tile` rows; the table's lanes for the kernels
// that work on tiles of rows, whose lanes would otherwise idle at range ends), a few per thread for balance,
// and runs fn(begin, end) on each; fn returns a status. A row's result never depends on the
// other rows of its range or tile.
template <class Fn>
int64_t for_row_ranges(int64_t rows, int64_t work_per_row, int64_t tile, Fn fn) {
  Status status;
  const int64_t threads = pool_threads();
  const int64_t total = rows * (work_per_row < 1 ? 1 : work_per_row);
  const int64_t tiles = (rows + tile - 1) / tile;
  int64_t ranges = total <= kSerialWork ? 1 : threads * 8;
  if (ranges > tiles) ranges = tiles;
  if (ranges < 1) ranges = 1;
  parallel_for(ranges, [&](int64_t t) {
    const int64_t b = tiles * t / ranges * tile, e = tiles * (t + 1) / ranges * tile;
    const int64_t begin = b, end = e < rows ? e : rows;
    try {
      status.record(fn(begin, end));
    } catch (const std::bad_alloc&) {
      status.record(gr_status_make(GR_OUT_OF_MEMORY, begin));
    }
  });
  return status.get();
}

// Rows per range for an operation on arity n: whole tiles where the kernels use tiles of rows.
inline int64_t tile_rows(const KernelTable& t, int32_t arity) {
  return arity <= tile_max_arity(t.lanes) ? t.lanes : 1;
}

// The cancel flag of the calling thread's calls (gr_cpu_set_cancel_flag).
thread_local const int32_t* tls_cancel_flag = nullptr;

Batch batch_of(const float* logits, int64_t rows, int32_t arity) {
  return Batch{logits, rows, arity, Cancel{tls_cancel_flag}};
}

// One row of Gumbel-Rao, all its chunks, into grad; the scratch comes from the caller's thread.
struct RowBuffers {
  std::vector<float> f;
  std::vector<double> d;
  void reserve(int32_t n) {
    if (f.size() < 3 * (size_t)n) f.resize(3 * (size_t)n);
    if (d.size() < 2 * (size_t)n + 2) d.resize(2 * (size_t)n + 2);
  }
};
thread_local RowBuffers tls_rows;

// Chunks of a row's draws: K may be 2^31 - 1, so counted in 64 bits (K + kChunk - 1 overflowed
// an int32 and left a row of K = 2^31 - 1 with no chunk at all).
inline int64_t chunks_of(int32_t samples) { return ((int64_t)samples + kChunk - 1) / kChunk; }
inline int32_t chunk_end(int32_t samples, int64_t c) {
  return samples - c * kChunk < kChunk ? samples : (int32_t)(c * kChunk + kChunk);
}

void add_chunk(double* total, const double* part, int32_t n) {
  for (int32_t j = 0; j < n; ++j) total[j] += part[j];
}

int64_t gumbel_rao_rows(const KernelTable& t, const GumbelRaoArgs& a, int64_t r0, int64_t r1) {
  const int32_t n = a.batch.arity;
  const int64_t chunks = chunks_of(a.samples);
  tls_rows.reserve(n);
  float *log2_p = tls_rows.f.data(), *p = log2_p + n, *gs = p + n;
  double *total = tls_rows.d.data(), *part = total + n;
  for (int64_t r = r0; r < r1; ++r) {
    float up;
    const int64_t st = t.gumbel_rao_prepare(a, r, log2_p, p, gs, &up);
    if (st) return st;
    memset(total, 0, sizeof(double) * (size_t)n);
    for (int64_t c = 0; c < chunks; ++c) {
      // A relaxed load per chunk of draws (at least kChunk element-draws): far below 1% of it.
      if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
      memset(part, 0, sizeof(double) * (size_t)n);
      t.gumbel_rao_chunk(a, r, log2_p, p, gs, (int32_t)(c * kChunk), chunk_end(a.samples, c),
                         ChunkSums{part});
      add_chunk(total, part, n);
    }
    const int64_t done = t.gumbel_rao_finish(a, r, p, total, up);
    if (done) return done;
  }
  return GR_OK;
}

// Few rows with many draws: rows one after another, each row's chunks in parallel, a group of
// chunks at a time (so that the partial sums take bounded memory and a cancellation is seen
// between groups). The chunk sums are added in chunk order exactly as gumbel_rao_rows adds them,
// so both paths give the same bits.
int64_t gumbel_rao_chunks_parallel(const KernelTable& t, const GumbelRaoArgs& a) {
  const int32_t n = a.batch.arity;
  const int64_t chunks = chunks_of(a.samples);
  const int64_t stride = n;  // one chunk's h
  int64_t group = ((int64_t)1 << 20) / stride;  // 8 MiB of partial sums
  group = group > 4096 ? 4096 : group;
  group = group < 2 * (int64_t)pool_threads() ? 2 * (int64_t)pool_threads() : group;
  group = group > chunks ? chunks : group;
  std::vector<float> prep(3 * (size_t)n);
  std::vector<double> parts((size_t)(stride * group)), total((size_t)n);
  float *log2_p = prep.data(), *p = log2_p + n, *gs = p + n;
  for (int64_t r = 0; r < a.batch.rows; ++r) {
    float up;
    const int64_t st = t.gumbel_rao_prepare(a, r, log2_p, p, gs, &up);
    if (st) return st;
    std::fill(total.begin(), total.end(), 0.0);
    for (int64_t c0 = 0; c0 < chunks; c0 += group) {
      if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
      const int64_t count = chunks - c0 < group ? chunks - c0 : group;
      std::fill(parts.begin(), parts.begin() + stride * count, 0.0);
      std::atomic<bool> oom{false};
      parallel_for(count, [&](int64_t i) {
        if (a.batch.cancel.requested()) return;
        const int64_t c = c0 + i;
        double* part = parts.data() + stride * i;
        try {
          t.gumbel_rao_chunk(a, r, log2_p, p, gs, (int32_t)(c * kChunk), chunk_end(a.samples, c),
                             ChunkSums{part});
        } catch (const std::bad_alloc&) {
          oom.store(true);
        }
      });
      if (oom.load()) return gr_status_make(GR_OUT_OF_MEMORY, r);
      for (int64_t i = 0; i < count; ++i) {
        add_chunk(total.data(), parts.data() + stride * i, n);
      }
    }
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    const int64_t done = t.gumbel_rao_finish(a, r, p, total.data(), up);
    if (done) return done;
  }
  return GR_OK;
}

int64_t gumbel_rao(const KernelTable& t, const GumbelRaoArgs& a) {
  const int64_t rows = a.batch.rows;
  const int32_t arity = a.batch.arity, samples = a.samples;
  if (chunks_of(samples) > 1 && rows < 2 * (int64_t)pool_threads()) {
    try {
      return gumbel_rao_chunks_parallel(t, a);
    } catch (const std::bad_alloc&) {
      return gr_status_make(GR_OUT_OF_MEMORY, 0);
    }
  }
  if (draws_on_row_tiles(t.lanes, arity, samples)) {
    return for_row_ranges(rows, (int64_t)arity * samples, t.lanes,
                          [&](int64_t b, int64_t e) { return t.gumbel_rao_tiles(a, b, e); });
  }
  return for_row_ranges(rows, (int64_t)arity * samples, 1,
                        [&](int64_t b, int64_t e) { return gumbel_rao_rows(t, a, b, e); });
}

// Gumbel-Softmax forward and backward, straight-through backward: one kernel family.
int64_t soft(const SoftArgs& a) {
  const KernelTable& t = table();
  return for_row_ranges(a.batch.rows, a.batch.arity, tile_rows(t, a.batch.arity),
                        [&](int64_t b, int64_t e) { return t.soft(a, b, e); });
}

int64_t choice_gradient(const ChoiceGradArgs& a) {
  const KernelTable& t = table();
  return for_row_ranges(a.batch.rows, a.batch.arity, tile_rows(t, a.batch.arity),
                        [&](int64_t b, int64_t e) { return t.choice_gradient(a, b, e); });
}

}  // namespace

// ------------------------------------------------------------------------- the operations
// What the generated entry points (operations.cpp, from native/operations.txt) call on the CPU:
// each operation's split into tasks, with the arguments checked and rows > 0.

int64_t sample(const op::Sample& c) {
  const KernelTable& t = table();
  const SampleArgs a{batch_of(c.logits, c.rows, c.arity), c.key(), c.choice,
                     c.one_hot};
  return for_row_ranges(c.rows, c.arity, tile_rows(t, c.arity),
                        [&](int64_t b, int64_t e) { return t.sample(a, b, e); });
}

int64_t conditional_gumbel(const op::ConditionalGumbel& c) {
  const KernelTable& t = table();
  const ConditionalArgs a{batch_of(c.logits, c.rows, c.arity), c.choice, c.samples,
                          c.key(), c.noise};
  return for_row_ranges(c.rows, (int64_t)c.arity * c.samples,
                        draws_on_row_tiles(t.lanes, c.arity, c.samples) ? t.lanes : 1,
                        [&](int64_t b, int64_t e) { return t.conditional(a, b, e); });
}

int64_t gumbel_rao_backward(const op::GumbelRaoBackward& c) {
  return gumbel_rao(table(), GumbelRaoArgs{batch_of(c.logits, c.rows, c.arity), c.choice,
                                           c.upstream, c.samples, c.tau,
                                           c.key(), false, c.grad});
}

int64_t gumbel_rao_total_backward(const op::GumbelRaoTotalBackward& c) {
  return gumbel_rao(table(), GumbelRaoArgs{batch_of(c.logits, c.rows, c.arity), c.choice,
                                           c.upstream, c.samples, c.tau,
                                           c.key(), true, c.grad});
}

int64_t gumbel_softmax_forward(const op::GumbelSoftmaxForward& c) {
  return soft(SoftArgs{batch_of(c.logits, c.rows, c.arity), nullptr, c.tau,
                       c.key(), true, c.values});
}

int64_t gumbel_softmax_backward(const op::GumbelSoftmaxBackward& c) {
  return soft(SoftArgs{batch_of(c.logits, c.rows, c.arity), c.upstream, c.tau,
                       c.key(), true, c.grad});
}

int64_t straight_through_backward(const op::StraightThroughBackward& c) {
  return soft(SoftArgs{batch_of(c.logits, c.rows, c.arity), c.upstream, c.tau, noise_key(0, 0, 0),
                       false, c.grad});
}

int64_t reinforce_backward(const op::ReinforceBackward& c) {
  const KernelTable& t = table();
  const ReinforceArgs a{batch_of(c.logits, c.rows, c.arity), c.choice, c.losses, c.baseline,
                        c.grad};
  return for_row_ranges(c.rows, c.arity, 1,
                        [&](int64_t b, int64_t e) { return t.reinforce(a, b, e); });
}

int64_t binary_sample(const op::BinarySample& c) {
  const KernelTable& t = table();
  const BinarySampleArgs a{batch_of(c.logits, c.rows, 1), c.key(),
                           c.draws, c.choice, c.values};
  return for_row_ranges(c.rows, c.draws, t.lanes,
                        [&](int64_t b, int64_t e) { return t.binary_sample(a, b, e); });
}

int64_t zgr_binary_backward(const op::ZgrBinaryBackward& c) {
  const KernelTable& t = table();
  const BinaryBackwardArgs a{batch_of(c.logits, c.rows, 1), c.choice, c.upstream, c.grad};
  return for_row_ranges(c.rows, 1, t.lanes,
                        [&](int64_t b, int64_t e) { return t.zgr_binary(a, b, e); });
}

int64_t disarm_backward(const op::DisarmBackward& c) {
  const KernelTable& t = table();
  const BinaryBackwardArgs a{batch_of(c.logits, c.rows, 1), c.choice, c.losses, c.grad};
  return for_row_ranges(c.rows, 1, t.lanes,
                        [&](int64_t b, int64_t e) { return t.disarm(a, b, e); });
}

int64_t arms_backward(const op::ArmsBackward& c) {
  const KernelTable& t = table();
  const BinaryBackwardArgs a{batch_of(c.logits, c.rows, 1), c.choice, c.losses, c.grad, c.draws};
  return for_row_ranges(c.rows, c.draws, t.lanes,
                        [&](int64_t b, int64_t e) { return t.arms(a, b, e); });
}

int64_t zgr_backward(const op::ZgrBackward& c) {
  return choice_gradient(ChoiceGradArgs{batch_of(c.logits, c.rows, c.arity), c.choice,
                                        c.upstream, ChoiceEstimator::kZgr, 1.0f, 0.0f, c.grad});
}

int64_t reinmax_backward(const op::ReinmaxBackward& c) {
  return choice_gradient(ChoiceGradArgs{batch_of(c.logits, c.rows, c.arity), c.choice,
                                        c.upstream, ChoiceEstimator::kReinMax, c.tau, 0.0f,
                                        c.grad});
}

int64_t gst_backward(const op::GstBackward& c) {
  return choice_gradient(ChoiceGradArgs{batch_of(c.logits, c.rows, c.arity), c.choice,
                                        c.upstream, ChoiceEstimator::kGst, c.tau, c.gap,
                                        c.grad});
}

int64_t rloo_backward(const op::RlooBackward& c) {
  const KernelTable& t = table();
  const RlooArgs a{batch_of(c.logits, c.rows, c.arity), c.choice, c.losses, c.samples, c.grad};
  return for_row_ranges(c.rows, (int64_t)c.arity + c.samples, 1,
                        [&](int64_t b, int64_t e) { return t.rloo(a, b, e); });
}

int64_t indecater_backward(const op::IndecaterBackward& c) {
  const KernelTable& t = table();
  const IndecaterArgs a{batch_of(c.logits, c.rows, c.arity), c.loss_table, c.samples, c.grad};
  return for_row_ranges(c.rows, (int64_t)c.arity * c.samples, 1,
                        [&](int64_t b, int64_t e) { return t.indecater(a, b, e); });
}

}  // namespace gr::cpu

using namespace gr;
using namespace gr::cpu;

extern "C" {

void gr_cpu_set_cancel_flag(const int32_t* flag) { tls_cancel_flag = flag; }

const char* gr_cpu_isa(void) { return table().isa; }

int32_t gr_cpu_set_isa(const char* isa) {
  // Only instruction sets up to the detected one may be chosen.
  for (const KernelTable* t : kTables) {
    if (strcmp(t->isa, isa) == 0) {
      g_table.store(t);
      return 0;
    }
    if (t == kBest) break;
  }
  return -1;
}

int32_t gr_cpu_threads(void) { return pool_threads(); }
void gr_cpu_set_threads(int32_t threads) { set_pool_threads(threads); }

intptr_t gr_address(const void* pointer) { return (intptr_t)pointer; }

int64_t gr_cpu_uniform_map_violations(void) {
  std::atomic<int64_t> bad{0};
  parallel_for(256, [&](int64_t t) {
    int64_t local = 0;
    const uint64_t begin = (uint64_t)t << 24, end = begin + (1u << 24);
    for (uint64_t x = begin; x < end; ++x) {
      const float u = uniform_open((uint32_t)x);
      local += !(u > 0.0f && u < 1.0f);
    }
    bad += local;
  });
  return bad.load();
}

void gr_cpu_eval_math(int32_t function, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    switch (function) {
      case 0: y[i] = fast_log2(x[i]); break;
      case 1: y[i] = fast_exp2(x[i]); break;
      default: y[i] = fast_exp2_nonpositive(x[i]); break;
    }
  }
}

void gr_cpu_uniforms(uint64_t seed, uint32_t offset, int64_t row, uint32_t slot, int32_t arity,
                     float* u) {
  table().uniforms(noise_key(seed, offset, 0), row, slot, arity, u);
}

void gr_cpu_philox(uint64_t seed, uint32_t quad, uint32_t row, uint32_t slot, uint32_t offset,
                   int32_t* words) {
  const Words4 w = noise_words(noise_key(seed, offset, 0), quad, row, slot);
  for (int i = 0; i < 4; ++i) words[i] = (int32_t)w.w[i];
}

}  // extern "C"
