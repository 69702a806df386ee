// The CPU kernels' internal interface. The kernel files are compiled once per instruction set
// (x86-64, x86-64-v3 = AVX2 + FMA, x86-64-v4 = AVX-512; on arm64 one NEON copy); api.cpp picks
// one table at run time and splits the work into tasks. Every kernel works on a range of rows (or one row and a range of
// samples) and returns a status of gumbel_rao.h for the lowest bad row it met.
#pragma once

#include <stdint.h>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/math.h"

namespace gr::cpu {

// Gumbel-Rao samples are processed in chunks of this many draws: a chunk accumulates in float,
// and chunks add up in double, in chunk order, whatever the thread that ran them. So K = 10^6
// loses no accuracy, and results do not depend on how chunks were spread over threads.
constexpr int32_t kChunk = 1024;

// The caller's request to stop a running call (gr_cpu_set_cancel_flag): the kernels poll it per
// row, tile or chunk of draws, a relaxed load of a word that only the canceller writes.
struct Cancel {
  const int32_t* flag;  // null: the call cannot be cancelled
  GR_HD bool requested() const {
    return flag != nullptr && __atomic_load_n(flag, __ATOMIC_RELAXED) != 0;
  }
};

struct Batch {
  const float* logits;
  int64_t rows;
  int32_t arity;
  Cancel cancel;
};

struct SampleArgs {
  Batch batch;
  NoiseKey key;
  int32_t* choice;
  float* one_hot;  // may be null
};

struct ConditionalArgs {
  Batch batch;
  const int32_t* choice;
  int32_t samples;
  NoiseKey key;
  float* noise;  // [samples][rows][arity]
};

struct GumbelRaoArgs {
  Batch batch;
  const int32_t* choice;
  const float* upstream;
  int32_t samples;
  float tau;
  NoiseKey key;
  bool total;  // the total derivative through the noise (math.h, gumbel_rao_total_*)
  float* grad;
};

struct SoftArgs {  // Gumbel-Softmax forward / backward, straight-through backward
  Batch batch;
  const float* upstream;  // null for the forward pass
  float tau;
  NoiseKey key;
  bool noisy;  // false: straight-through (no noise)
  float* out;
};

struct ReinforceArgs {
  Batch batch;
  const int32_t* choice;
  const float* losses;
  float baseline;
  float* grad;
};

struct BinarySampleArgs {  // one logit per row (batch.arity = 1)
  Batch batch;
  NoiseKey key;
  int32_t draws;    // n: 1, 2 (DisARM's pair) or more (ARMS's copula draws)
  int32_t* choice;  // [draws][rows]
  float* values;    // [draws][rows], may be null
};

struct BinaryBackwardArgs {  // ZGR-binary (values: upstream [rows]), DisARM (losses [2][rows]),
  Batch batch;               // ARMS (losses [draws][rows])
  const int32_t* choice;
  const float* values;
  float* grad;
  int32_t draws = 1;
};

// The estimators that map (p, g - g_D) of a row to its gradient, given D.
enum class ChoiceEstimator { kZgr, kReinMax, kGst };

struct ChoiceGradArgs {
  Batch batch;
  const int32_t* choice;
  const float* upstream;
  ChoiceEstimator estimator;
  float tau;  // ReinMax, GST
  float gap;  // GST: > 0, or 0 for GST-p
  float* grad;
};

struct RlooArgs {
  Batch batch;
  const int32_t* choice;  // [samples][rows]
  const float* losses;    // [samples][rows]
  int32_t samples;
  float* grad;
};

struct IndecaterArgs {
  Batch batch;
  const float* loss_table;  // [samples][rows][arity]
  int32_t samples;
  float* grad;
};

// Per-row sums of one chunk of Gumbel-Rao draws: h_j = sum_k gumbel_rao_term(w_j^k, gs_j, k),
// gs = g - g_D (math.h, "Gumbel-Rao: a draw's term"); grad_j = gumbel_rao_finish(h_j, scale).
// With the total derivative h_j sums gumbel_rao_total_term instead and u the row's sum of
// r_j t_j (math.h, "Gumbel-Rao, total derivative").
struct ChunkSums {
  double* h;  // [arity]
};

// Arity up to which kernels work on tiles of `lanes` rows (or draws) with lanes across them:
// below it a row has fewer quads than lanes, and lanes across its quads would idle.
constexpr int32_t tile_max_arity(int32_t lanes) { return 4 * lanes - 4; }

// Gumbel-Rao and the conditional sampler at a small arity run on tiles of `lanes` rows (all K
// draws of the tile's rows, lanes across rows) instead of row by row with lanes across draws
// whenever those lanes would idle for more than an eighth of the work: K = 10 on 8 lanes runs 16
// lane-draws per row for 10 draws (37% idle), on row tiles only the last tile's missing rows
// idle. Row tiles cost a few selects more per element-sample (the winner differs between lanes),
// so draw lanes keep the K that fill their vectors. Counted in 64 bits: K + lanes - 1 overflows
// an int32 near K = 2^31, which sent such a K onto row tiles (one cancellation check per tile).
constexpr bool draws_on_row_tiles(int32_t lanes, int32_t arity, int32_t samples) {
  return arity <= tile_max_arity(lanes) &&
         (samples < lanes || 8 * (int64_t)((lanes - samples % lanes) % lanes) >
                                 ((int64_t)samples + lanes - 1) / lanes * lanes);
}

struct KernelTable {
  const char* isa;
  int32_t lanes;  // 32-bit lanes of one vector register: rows per tile
  int64_t (*sample)(const SampleArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*conditional)(const ConditionalArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*soft)(const SoftArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*reinforce)(const ReinforceArgs&, int64_t row_begin, int64_t row_end);
  // Validates one row and fills log2 p, p and the shifted upstream gs = g - g_D for it (g scaled
  // by upstream_scale's `down`; *up receives the factor for the finish).
  int64_t (*gumbel_rao_prepare)(const GumbelRaoArgs&, int64_t row, float* log2_p, float* p,
                                float* gs, float* up);
  // Draws [k_begin, k_end) of one prepared row, added into sums (zeroed by the caller).
  void (*gumbel_rao_chunk)(const GumbelRaoArgs&, int64_t row, const float* log2_p, const float* p,
                           const float* gs, int32_t k_begin, int32_t k_end, ChunkSums sums);
  // grad of one row from its chunk sums h, scaled back by the prepare's `up`; returns
  // the row's status (GR_GRAD_OVERFLOW when a component is beyond the float range).
  int64_t (*gumbel_rao_finish)(const GumbelRaoArgs&, int64_t row, const float* p, const double* h,
                               float up);
  // Whole rows [row_begin, row_end) when gumbel_rao_on_row_tiles(lanes, arity, samples).
  int64_t (*gumbel_rao_tiles)(const GumbelRaoArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*binary_sample)(const BinarySampleArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*zgr_binary)(const BinaryBackwardArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*disarm)(const BinaryBackwardArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*arms)(const BinaryBackwardArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*choice_gradient)(const ChoiceGradArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*rloo)(const RlooArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*indecater)(const IndecaterArgs&, int64_t row_begin, int64_t row_end);
  // Self-check: the uniforms u[0..n) of one row at one slot, as this copy's lanes draw them.
  void (*uniforms)(NoiseKey key, int64_t row, uint32_t slot, int32_t n, float* u);
};

#if defined(__aarch64__)
extern const KernelTable kTableNeon;
#else
extern const KernelTable kTableX86_64;
extern const KernelTable kTableAvx2;
extern const KernelTable kTableAvx512;
#endif

}  // namespace gr::cpu
