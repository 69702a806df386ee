// The CPU kernels' internal interface. kernels.cpp is compiled once per instruction set
// (x86-64, x86-64-v3 = AVX2 + FMA, x86-64-v4 = AVX-512); api.cpp picks one table at run time and
// splits the work into tasks. Every kernel works on a range of rows (or one row and a range of
// samples) and returns a status of gumbel_rao.h for the lowest bad row it met.
#pragma once

#include <stdint.h>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/math.h"
#include "lanes.h"

namespace gr {
namespace cpu {

// Gumbel-Rao samples are processed in chunks of this many draws: a chunk accumulates in float,
// and chunks add up in double, in chunk order, whatever the thread that ran them. So K = 10^6
// loses no accuracy, and results do not depend on how chunks were spread over threads.
constexpr int32_t kChunk = 1024;

struct Batch {
  const float* logits;
  int64_t rows;
  int32_t arity;
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

// Per-row sums of one chunk of Gumbel-Rao draws: h_j = sum_k gumbel_rao_term(w_j^k, gs_j, k),
// gs = g - g_D (math.h, "Gumbel-Rao: a draw's term"); grad_j = gumbel_rao_finish(h_j, scale).
struct ChunkSums {
  double* h;  // [arity]
};

// Gumbel-Rao and the conditional sampler with fewer draws than vector lanes and a small arity run
// on tiles of rows (all K draws of kLanes rows at once) instead of row by row with lanes across
// draws, which K < kLanes would leave idle.
inline bool draws_on_row_tiles(int32_t arity, int32_t samples) {
  return arity <= kTileMaxArity && samples < kLanes;
}

struct KernelTable {
  const char* isa;
  int64_t (*sample)(const SampleArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*conditional)(const ConditionalArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*soft)(const SoftArgs&, int64_t row_begin, int64_t row_end);
  int64_t (*reinforce)(const ReinforceArgs&, int64_t row_begin, int64_t row_end);
  // Validates one row and fills log2 p, p and the shifted upstream gs = g - g_D for it.
  int64_t (*gumbel_rao_prepare)(const GumbelRaoArgs&, int64_t row, float* log2_p, float* p,
                                float* gs);
  // Draws [k_begin, k_end) of one prepared row, added into sums (zeroed by the caller).
  void (*gumbel_rao_chunk)(const GumbelRaoArgs&, int64_t row, const float* log2_p, const float* p,
                           const float* gs, int32_t k_begin, int32_t k_end, ChunkSums sums);
  // Whole rows [row_begin, row_end) when gumbel_rao_on_tiles(arity, samples).
  int64_t (*gumbel_rao_tiles)(const GumbelRaoArgs&, int64_t row_begin, int64_t row_end);
  // Self-check: the uniforms u[0..n) of one row at one slot, as this copy's lanes draw them.
  void (*uniforms)(NoiseKey key, int64_t row, uint32_t slot, int32_t n, float* u);
};

extern const KernelTable kTableX86_64;
extern const KernelTable kTableAvx2;
extern const KernelTable kTableAvx512;

}  // namespace cpu
}  // namespace gr
