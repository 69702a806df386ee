// Shared device code of the CUDA kernels: the row team (the lanes that share one row), its
// reductions, the status word, quad loads and stores, and the host-side helpers that size a
// launch. Every formula comes from gumbel_rao/math.h; this file only moves data.
//
// A ROW TEAM is T lanes (T a power of two) that split the columns of one row: lane t owns the
// column quads q = t, t + T, t + 2T, ... (a quad = the 4 columns one Philox call serves, see the
// counter layout in math.h), so that a team's loads of one quad each are contiguous and its
// reductions run over T lanes. For T <= 32 a team is an aligned group of lanes in a warp and
// reduces with butterfly shuffles; for T > 32 it is a run of whole warps that adds a
// shared-memory exchange (one __syncthreads per reduction).
//
// Rules every kernel keeps, so that shuffles and barriers are always legal:
//  - control flow around a reduction is uniform over the block: rows past the end of the batch
//    and invalid rows still run the same code on harmless stand-in data (or, in block-per-row
//    kernels, the whole block leaves together) and only their stores are skipped;
//  - reductions use fixed trees (butterflies, then warps in index order), so every lane of a
//    team gets the same bits and two runs give the same results.
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/math.h"

namespace gr::cuda {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarp = 32;
constexpr int kMaxWarps = 32;  // 1024 threads
// Threads per block of the team kernels (several rows per block when T * S < kBlock).
constexpr int kBlock = 256;
constexpr int kLog2Block = 8;
// Threads per block of the block-per-row kernels (large arity), one row per block.
constexpr int kStreamBlock = 512;
constexpr int kLog2StreamBlock = 9;
// Rows longer than this run a block per row (the *_stream_kernel of each operation); shorter ones
// a team of at most 256 lanes holding 16 columns each.
constexpr int kTeamMaxArity = 4096;  // 16 columns x 256 lanes
constexpr int kSmallArity = 128;     // 4 columns x 32 lanes: the register kernels' QPL = 1 limit
// A float accumulator takes at most this many terms before it is added into a double one:
// the rounding of a float sum grows with its length, a double fold every 256 terms keeps K = 10^6
// draws (or 2^20 columns) as accurate as K = 256.
constexpr int kFoldTerms = 256;

// ------------------------------------------------------------------ kernel template arguments
// The register kernels are instantiated per number of columns a lane holds. A named type, not a
// bare int, so that profilers list e.g. gumbel_rao_team_kernel<gr::cuda::ColumnsPerLane<16> >
// (cuda/NOTES.md, "Kernels").
template <int C>
struct ColumnsPerLane {
  static_assert(C % 4 == 0, "a lane holds whole Philox quads");
  static constexpr int kColumns = C;
  static constexpr int kQuads = C / 4;
};

// ------------------------------------------------------------------ status word
// The caller's word starts as all ones; a bad row lowers it to (row << 8 | code). atomicMin
// keeps the lowest row whatever the order in which blocks run.
__device__ __forceinline__ void record_bad_row(uint64_t* status, int64_t row, int code) {
  if (status != nullptr)
    atomicMin(reinterpret_cast<unsigned long long*>(status),
              ((unsigned long long)row << 8) | (unsigned long long)code);
}

// ------------------------------------------------------------------ row validation
// The data checks of gumbel_rao.h, in the CPU's order: NaN, then +inf, then no finite logit.
struct RowScan {
  float max;  // fmaxf ignores NaN, as the CPU's max does
  int flags;  // bit 0: a NaN, bit 1: a +inf
};
__device__ __forceinline__ RowScan scan_start() { return RowScan{-kInf, 0}; }
__device__ __forceinline__ void scan_add(RowScan& s, float x) {
  s.flags |= (x != x ? 1 : 0) | (x == kInf ? 2 : 0);
  s.max = fmaxf(s.max, x);
}
__device__ __forceinline__ RowScan scan_merge(RowScan a, RowScan b) {
  return RowScan{fmaxf(a.max, b.max), a.flags | b.flags};
}
__device__ __forceinline__ int scan_code(RowScan s) {
  if (s.flags & 1) return GR_LOGITS_NAN;
  if (s.flags & 2) return GR_LOGITS_POS_INF;
  if (s.max == -kInf) return GR_ROW_ALL_MASKED;
  return GR_OK;
}
// The checks of a choice d against a row whose logits passed scan_code.
__device__ __forceinline__ int choice_code(const float* __restrict__ row, int64_t n, int64_t d) {
  if (d < 0 || d >= n) return GR_CHOICE_RANGE;
  if (__ldg(row + d) == -kInf) return GR_CHOICE_MASKED;
  return GR_OK;
}

// First-index argmax: the larger value wins, equal values go to the lower column, as in the CPU's
// first_argmax. Symmetric, so both lanes of a butterfly step get the same pair.
struct ArgMax {
  float v;
  int j;
};
__device__ __forceinline__ ArgMax argmax_merge(ArgMax a, ArgMax b) {
  return (b.v > a.v || (b.v == a.v && b.j < a.j)) ? b : a;
}

// Validation and argmax in one reduction (one barrier instead of two for block teams).
struct ScanArgMax {
  RowScan scan;
  ArgMax top;
};

struct Sum2 {
  float a, b;
};

// Validation and the largest upstream magnitude in one reduction.
struct ScanMagnitude {
  RowScan scan;
  float magnitude;  // upstream_magnitude's maximum
};

// ------------------------------------------------------------------ shuffles of the value types
__device__ __forceinline__ float shfl_xor(float v, int m) {
  return __shfl_xor_sync(kFullMask, v, m);
}
__device__ __forceinline__ double shfl_xor(double v, int m) {
  return __shfl_xor_sync(kFullMask, v, m);
}
__device__ __forceinline__ int shfl_xor(int v, int m) { return __shfl_xor_sync(kFullMask, v, m); }
__device__ __forceinline__ RowScan shfl_xor(RowScan v, int m) {
  return RowScan{shfl_xor(v.max, m), shfl_xor(v.flags, m)};
}
__device__ __forceinline__ ArgMax shfl_xor(ArgMax v, int m) {
  return ArgMax{shfl_xor(v.v, m), shfl_xor(v.j, m)};
}
__device__ __forceinline__ ScanArgMax shfl_xor(ScanArgMax v, int m) {
  return ScanArgMax{shfl_xor(v.scan, m), shfl_xor(v.top, m)};
}
__device__ __forceinline__ ScanMagnitude shfl_xor(ScanMagnitude v, int m) {
  return ScanMagnitude{shfl_xor(v.scan, m), shfl_xor(v.magnitude, m)};
}
__device__ __forceinline__ Sum2 shfl_xor(Sum2 v, int m) {
  return Sum2{shfl_xor(v.a, m), shfl_xor(v.b, m)};
}

struct AddF {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct AddD {
  __device__ double operator()(double a, double b) const { return a + b; }
};
struct AddSum2 {
  __device__ Sum2 operator()(Sum2 a, Sum2 b) const { return Sum2{a.a + b.a, a.b + b.b}; }
};
struct MergeScan {
  __device__ RowScan operator()(RowScan a, RowScan b) const { return scan_merge(a, b); }
};
struct MergeScanMagnitude {
  __device__ ScanMagnitude operator()(ScanMagnitude a, ScanMagnitude b) const {
    return ScanMagnitude{scan_merge(a.scan, b.scan), fmaxf(a.magnitude, b.magnitude)};
  }
};
struct MaxArgMax {
  __device__ ArgMax operator()(ArgMax a, ArgMax b) const { return argmax_merge(a, b); }
};
struct MergeScanArgMax {
  __device__ ScanArgMax operator()(ScanArgMax a, ScanArgMax b) const {
    return ScanArgMax{scan_merge(a.scan, b.scan), argmax_merge(a.top, b.top)};
  }
};

// ------------------------------------------------------------------ the row team
// Shared memory of the cross-warp step: one 16-byte slot per warp, two buffers used in turn so
// that one barrier per reduction suffices (a slot is rewritten only two reductions later, after
// a barrier that every reader of its previous value has passed).
struct TeamExchange {
  double2 slot[2][kMaxWarps];
};

class Team {
 public:
  // log2_lanes: T = 2^log2_lanes lanes per team; the block's threads form consecutive teams.
  __device__ Team(int log2_lanes, TeamExchange* exchange)
      : log2_lanes_(log2_lanes), exchange_(exchange), parity_(0) {}

  __device__ int lanes() const { return 1 << log2_lanes_; }
  __device__ int lane() const { return (int)threadIdx.x & (lanes() - 1); }

  // The reduction of v over the team by op (commutative), returned to every lane of the team.
  // Every thread of the block must call it, the same number of times.
  template <class V, class Op>
  __device__ __forceinline__ V all(V v, Op op) {
    static_assert(sizeof(V) <= sizeof(double2), "exchange slots hold 16 bytes");
    const int width = log2_lanes_ < 5 ? 1 << log2_lanes_ : kWarp;
    for (int m = 1; m < width; m <<= 1) v = op(v, shfl_xor(v, m));
    if (log2_lanes_ > 5) {
      const int warp = (int)threadIdx.x >> 5;
      if ((threadIdx.x & 31) == 0) *reinterpret_cast<V*>(&exchange_->slot[parity_][warp]) = v;
      __syncthreads();
      const int warps = 1 << (log2_lanes_ - 5);
      const int first = ((int)threadIdx.x >> log2_lanes_) << (log2_lanes_ - 5);
      V r = *reinterpret_cast<const V*>(&exchange_->slot[parity_][first]);
      for (int i = 1; i < warps; ++i)
        r = op(r, *reinterpret_cast<const V*>(&exchange_->slot[parity_][first + i]));
      v = r;
      parity_ ^= 1;
    }
    return v;
  }

 private:
  int log2_lanes_;
  TeamExchange* exchange_;
  int parity_;
};

// ------------------------------------------------------------------ sums
// A long per-lane sum: float over kFoldTerms terms, then into double (see kFoldTerms).
struct ChunkedSum {
  double total = 0.0;
  float part = 0.0f;
  int terms = 0;
  __device__ __forceinline__ void add(float x) {
    part += x;
    if (++terms == kFoldTerms) {
      total += (double)part;
      part = 0.0f;
      terms = 0;
    }
  }
  __device__ __forceinline__ double value() const { return total + (double)part; }
};

// ------------------------------------------------------------------ quads of a row
// Columns 4q .. 4q+3 of a row into x[0..3]; columns at or past n read as `pad`. `vec` promises
// that the row starts 16-byte aligned and n % 4 == 0, so that a quad is one float4 load.
__device__ __forceinline__ void load_quad(const float* __restrict__ row, int64_t q, int64_t n,
                                          bool vec, float pad, float* x) {
  const int64_t c = 4 * q;
  if (vec) {
    if (c < n) {
      const float4 v = __ldg(reinterpret_cast<const float4*>(row) + q);
      x[0] = v.x;
      x[1] = v.y;
      x[2] = v.z;
      x[3] = v.w;
    } else {
      x[0] = x[1] = x[2] = x[3] = pad;
    }
    return;
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) x[i] = c + i < n ? __ldg(row + c + i) : pad;
}

// x[0..3] into columns 4q .. 4q+3 of a row, skipping columns at or past n.
__device__ __forceinline__ void store_quad(float* __restrict__ row, int64_t q, int64_t n, bool vec,
                                           const float* x) {
  const int64_t c = 4 * q;
  if (vec) {
    if (c < n) reinterpret_cast<float4*>(row)[q] = make_float4(x[0], x[1], x[2], x[3]);
    return;
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
    if (c + i < n) row[c + i] = x[i];
}

// Word i (0..3, not known at compile time) of a Philox output, without local memory.
__device__ __forceinline__ uint32_t word_at(const Words4& w, int i) {
  const uint32_t lo = (i & 1) ? w.w[1] : w.w[0];
  const uint32_t hi = (i & 1) ? w.w[3] : w.w[2];
  return (i & 2) ? hi : lo;
}

// ------------------------------------------------------------------ a row streamed by a block
// The prologue of the block-per-row kernels that take a choice (arity > the team kernels' limit;
// a block of kStreamBlock lanes per row, lane t on quads t, t + kStreamBlock, ...): the row's
// checks of gumbel_rao.h, then the log-sum of log_softmax, both reduced over the block. Returns
// GR_OK with *out filled, or the row's status code; every thread of the block gets the same
// answer, so a bad row's block leaves together (the caller records it once).
struct StreamRow {
  float max;      // the row's largest logit
  float log_sum;  // log sum_j exp(theta_j - max)
  int d;          // the choice
};

__device__ __forceinline__ int stream_choice_row(Team& team, const float* __restrict__ row,
                                                 int64_t n, bool vec,
                                                 const int32_t* __restrict__ choice, int64_t r,
                                                 StreamRow* out) {
  const int64_t nq = (n + 3) / 4;
  RowScan scan = scan_start();
  for (int64_t q = threadIdx.x; q < nq; q += kStreamBlock) {
    float x[4];
    load_quad(row, q, n, vec, -kInf, x);
#pragma unroll
    for (int c = 0; c < 4; ++c) scan_add(scan, x[c]);
  }
  scan = team.all(scan, MergeScan());
  int code = scan_code(scan);
  int d = 0;
  if (code == GR_OK) {
    d = __ldg(choice + r);
    code = choice_code(row, n, d);
  }
  if (code != GR_OK) return code;
  ChunkedSum exp_sum;
  for (int64_t q = threadIdx.x; q < nq; q += kStreamBlock) {
    float x[4];
    load_quad(row, q, n, vec, -kInf, x);
#pragma unroll
    for (int c = 0; c < 4; ++c) exp_sum.add(fast_exp2_nonpositive((x[c] - scan.max) * kLog2e));
  }
  out->max = scan.max;
  out->log_sum = (float)log(team.all(exp_sum.value(), AddD()));
  out->d = d;
  return GR_OK;
}

// ------------------------------------------------------------------ a row held in registers
// The prologue of the register kernels that take a choice (or none): this lane's logits of the
// row (padding and rows past the end read as -inf), the checks of gumbel_rao.h with the status
// recorded by the team's leader, and the log-sum of log_softmax. A row that fails a check, or
// lies past the end of the batch, continues on stand-in data (logits 0, choice 0) so that the
// team's later shuffles and barriers stay uniform; its outputs are never stored (ok = false).
struct PreparedRow {
  bool ok;
  int d;          // the choice (0 for a stand-in row)
  float max;      // row maximum m
  float log_sum;  // log sum_j exp(theta_j - m)
};

template <int QPL>
__device__ __forceinline__ PreparedRow prepare_row(const float* __restrict__ logits,
                                                   const int32_t* __restrict__ choice,
                                                   int64_t rows, int n, int64_t row, bool vec,
                                                   uint64_t* status, bool leader, Team& team,
                                                   float (&th)[4 * QPL]) {
  const int T = team.lanes(), t = team.lane();
  const bool live = row < rows;
  const float* th_row = logits + (live ? row : 0) * (int64_t)n;
  RowScan scan = scan_start();
#pragma unroll
  for (int i = 0; i < QPL; ++i) {
    float x[4] = {-kInf, -kInf, -kInf, -kInf};
    if (live) load_quad(th_row, t + (int64_t)T * i, n, vec, -kInf, x);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      th[4 * i + c] = x[c];
      scan_add(scan, x[c]);
    }
  }
  scan = team.all(scan, MergeScan());
  int code = scan_code(scan);
  int64_t d = 0;
  if (live && code == GR_OK && choice != nullptr) {
    d = __ldg(choice + row);
    code = choice_code(th_row, n, d);
  }
  if (live && code != GR_OK && leader) record_bad_row(status, row, code);
  const bool ok = live && code == GR_OK;
  if (!ok) {
    d = 0;
    scan.max = 0.0f;
#pragma unroll
    for (int i = 0; i < QPL; ++i)
#pragma unroll
      for (int c = 0; c < 4; ++c)
        th[4 * i + c] = 4 * (t + (int64_t)T * i) + c < n ? 0.0f : -kInf;
  }
  float part = 0.0f;
#pragma unroll
  for (int i = 0; i < 4 * QPL; ++i) part += fast_exp2_nonpositive((th[i] - scan.max) * kLog2e);
  const float sum = team.all(part, AddF());
  return PreparedRow{ok, (int)d, scan.max, logf(sum)};
}

// ------------------------------------------------------------------ upstream gradients
// The policy of gumbel_rao.h (JavaKernels.checkUpstream): a NaN or infinite upstream value at an
// unmasked class is GR_UPSTREAM_NOT_FINITE; a masked class's value is never used (read as 0, so
// NaN there cannot leak), and its gradient is exactly +0.
//
// The JAVA oracle forms g - g_D in double, where upstream values of +-3.4e38 do not overflow; in
// float they do. So every kernel that reads an upstream row scales it by math.h's power of two
// (upstream_scale: 2^-e, e = floor(log2 M), when the row's largest |g| M exceeds 2^64; nothing
// changes below), and scales the gradient back by 2^e when it stores it: exact (a power of two). A stored component that is then not finite does not
// fit a float: GR_GRAD_OVERFLOW (it would not fit the oracle's float either, up to the rounding
// at the very edge of the range, since |grad| / M is the same in both domains).
__device__ __forceinline__ float upstream_magnitude(float theta, float g) {
  if (theta == -kInf) return 0.0f;
  const float a = abs_value(g);
  return a < kInf ? a : kInf;  // NaN and +-inf both read as +inf
}
struct MaxF {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
// The row's power of two is math.h's upstream_scale (the CPU backend's, so both scale alike).
// The same for a scalar formed in double (REINFORCE's f - b, up to 2^129): a float below 2^64
// and the power of two it was scaled by.
struct ScaledScalar {
  float value, up;
};
__device__ __forceinline__ ScaledScalar scaled_scalar(double x) {
  const double a = x < 0.0 ? -x : x;
  if (!(a >= 0x1p64)) return ScaledScalar{(float)x, 1.0f};
  const int k = ilogb(a) - 63;  // 1 .. 65
  return ScaledScalar{(float)ldexp(x, -k), (float)ldexp(1.0, k)};
}

// x[0..3] into columns 4q .. 4q+3 of a row, skipping columns at or past n and components that
// are not finite (a gradient beyond the float range: the caller reports GR_GRAD_OVERFLOW for the
// row). Returns whether a component was left out.
__device__ __forceinline__ bool store_quad_finite(float* __restrict__ row, int64_t q, int64_t n,
                                                  bool vec, const float* x) {
  bool fits = true;
#pragma unroll
  for (int i = 0; i < 4; ++i) fits &= abs_value(x[i]) < kInf || 4 * q + i >= n;
  if (fits) {
    store_quad(row, q, n, vec, x);
    return false;
  }
  const int64_t c = 4 * q;
#pragma unroll
  for (int i = 0; i < 4; ++i)
    if (c + i < n && abs_value(x[i]) < kInf) row[c + i] = x[i];
  return true;
}

// A lane's row of a team kernel, its QPL quads (quad i at t + T i of the row) computed by
// value(j, column) for component j of the lane's columns, stored with store_quad_finite; a
// component beyond the float range records GR_GRAD_OVERFLOW for the row.
template <int QPL, class Value>
__device__ __forceinline__ void store_lane_row(float* __restrict__ out_row, int t, int T, int64_t n,
                                               bool vec, uint64_t* status, int64_t row,
                                               Value value) {
  bool overflow = false;
#pragma unroll
  for (int i = 0; i < QPL; ++i) {
    const int64_t q = t + (int64_t)T * i;
    float x[4];
#pragma unroll
    for (int c = 0; c < 4; ++c) x[c] = value(4 * i + c, 4 * q + c);
    overflow |= store_quad_finite(out_row, q, n, vec, x);
  }
  if (overflow) record_bad_row(status, row, GR_GRAD_OVERFLOW);
}

// ------------------------------------------------------------------ an upstream row
// The upstream row of a register kernel, after prepare_row: this lane's values g[0..4 QPL)
// scaled by the row's power of two (upstream_scale), 0 at masked classes, padding columns and
// stand-in rows; the checks of gumbel_rao.h, recorded by the team's leader. th holds the lane's
// logits as prepare_row left them. Returns whether the row is still good (ok and a finite
// upstream); sc receives the scale.
template <int QPL>
__device__ __forceinline__ bool prepare_upstream(const float* __restrict__ upstream, int64_t row,
                                                 int n, bool vec, bool ok, uint64_t* status,
                                                 bool leader, Team& team,
                                                 const float (&th)[4 * QPL], float (&g)[4 * QPL],
                                                 UpstreamScale& sc) {
  const int T = team.lanes(), t = team.lane();
  const float* g_row = upstream + (ok ? row : 0) * (int64_t)n;
  float m = 0.0f;
#pragma unroll
  for (int i = 0; i < QPL; ++i) {
    float x[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (ok) load_quad(g_row, t + (int64_t)T * i, n, vec, 0.0f, x);
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = 4 * i + c;
      m = fmaxf(m, upstream_magnitude(th[j], x[c]));
      g[j] = th[j] == -kInf ? 0.0f : x[c];
    }
  }
  m = team.all(m, MaxF());
  const bool good = ok && m < kInf;
  if (ok && !good && leader) record_bad_row(status, row, GR_UPSTREAM_NOT_FINITE);
  sc = upstream_scale(good ? m : 0.0f);
#pragma unroll
  for (int j = 0; j < 4 * QPL; ++j) g[j] = good ? g[j] * sc.down : 0.0f;
  return good;
}

// The same checks for a row streamed by a block (block-per-row kernels): one pass over the
// logits and the upstream row, reduced over the block. Returns GR_OK with *sc filled, or
// GR_UPSTREAM_NOT_FINITE; every thread gets the same answer.
__device__ __forceinline__ int stream_upstream_row(Team& team, const float* __restrict__ th_row,
                                                   const float* __restrict__ g_row, int64_t n,
                                                   bool th_vec, bool g_vec, UpstreamScale* sc) {
  const int64_t nq = (n + 3) / 4;
  float m = 0.0f;
  for (int64_t q = threadIdx.x; q < nq; q += kStreamBlock) {
    float th[4], g[4];
    load_quad(th_row, q, n, th_vec, -kInf, th);
    load_quad(g_row, q, n, g_vec, 0.0f, g);
#pragma unroll
    for (int c = 0; c < 4; ++c) m = fmaxf(m, upstream_magnitude(th[c], g[c]));
  }
  m = team.all(m, MaxF());
  if (!(m < kInf)) return GR_UPSTREAM_NOT_FINITE;
  *sc = upstream_scale(m);
  return GR_OK;
}
// One quad of a streamed upstream row as the kernels use it: scaled, 0 at masked classes.
__device__ __forceinline__ void load_upstream_quad(const float* __restrict__ g_row, int64_t q,
                                                   int64_t n, bool vec, const float* th,
                                                   float down, float* g) {
  load_quad(g_row, q, n, vec, 0.0f, g);
#pragma unroll
  for (int c = 0; c < 4; ++c) g[c] = th[c] == -kInf ? 0.0f : g[c] * down;
}

// ------------------------------------------------------------------ host-side sizing
inline int ceil_log2(int64_t x) {
  int l = 0;
  while (((int64_t)1 << l) < x) ++l;
  return l;
}
// The register kernels (softmax family, REINFORCE): a row of up to kSmallArity columns takes one
// quad per lane (QPL = 1), a longer one up to kTeamMaxArity four; teams of 2^log2_team lanes,
// kBlock / 2^log2_team rows per block.
struct RegisterLaunch {
  int qpl;
  int log2_team;
  unsigned blocks;
};
inline RegisterLaunch register_launch(int64_t rows, int32_t arity) {
  RegisterLaunch l;
  l.qpl = arity <= kSmallArity ? 1 : 4;
  l.log2_team = ceil_log2((arity + 4 * l.qpl - 1) / (4 * l.qpl));
  const int64_t rows_per_block = kBlock >> l.log2_team;
  l.blocks = (unsigned)((rows + rows_per_block - 1) / rows_per_block);
  return l;
}

// A pointer and a row length that allow float4 access to every row.
inline bool rows_vectorisable(const void* p, int32_t arity) {
  return p != nullptr && arity % 4 == 0 && ((uintptr_t)p & 15) == 0;
}
// The launch status of a kernel that was just queued.
inline int32_t launch_status() { return (int32_t)cudaGetLastError(); }

}  // namespace gr::cuda
