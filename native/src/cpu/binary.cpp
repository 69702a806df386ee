// Binary variables, one logit eta per row (math.h, "binary variables"): Bernoulli samples
// b = [eta + L > 0] with L the logistic draw of the forward noise of column 0 (and DisARM's
// antithetic b~ = [eta - L > 0]), and the backward passes of the two binary estimators, ZGR-binary
// and DisARM. Elementwise over rows, in blocks that the compiler vectorises; a logit of +-inf is a
// certain 1 or 0, a NaN logit an error.
#include "rows.h"

namespace gr::cpu::GR_ISA_NS {
namespace {

// Rows per block of the backward passes: validated together, then computed in one simd loop.
constexpr int64_t kBinaryBlock = 1024;

inline bool binary_choice_valid(int32_t b) { return b == 0 || b == 1; }

// A given draw its logit makes impossible: b = 0 at eta = +inf, b = 1 at eta = -inf (the binary
// form of a masked class).
inline bool binary_choice_impossible(float eta, int32_t b) {
  return eta == (b == 1 ? -kInf : kInf);
}

// The first failing check of a given draw, in the order of gumbel_rao.h.
inline int32_t binary_choice_code(float eta, int32_t b) {
  if (!binary_choice_valid(b)) return GR_CHOICE_RANGE;
  if (binary_choice_impossible(eta, b)) return GR_CHOICE_MASKED;
  return GR_OK;
}

}  // namespace

int64_t binary_sample_rows(const BinarySampleArgs& a, int64_t r0, int64_t r1) {
  const float* eta = a.batch.logits;
  const int64_t rows = a.batch.rows;
  for (int64_t row0 = r0; row0 < r1; row0 += kLanes) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, row0);
    const int live = r1 - row0 < kLanes ? (int)(r1 - row0) : kLanes;
    for (int l = 0; l < live; ++l)
      if (eta[row0 + l] != eta[row0 + l]) return gr_status_make(GR_LOGITS_NAN, row0 + l);
    // Lanes are rows: Philox at (quad 0, row, slot 0), word 0 is column 0's uniform.
    uint32_t words[4][kLanes];
    philox_lanes(a.key, broadcast(0u), iota((uint32_t)row0), broadcast(kForwardSlot),
                 broadcast(a.key.offset), words);
    float logistic[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) logistic[l] = logistic_from_uniform(uniform_open(words[0][l]));
    for (int l = 0; l < live; ++l) {
      const int64_t r = row0 + l;
      const int32_t b = eta[r] + logistic[l] > 0.0f ? 1 : 0;
      a.choice[r] = b;
      if (a.values) a.values[r] = (float)b;
      if (a.antithetic) {
        const int32_t bt = eta[r] - logistic[l] > 0.0f ? 1 : 0;
        a.choice[rows + r] = bt;
        if (a.values) a.values[rows + r] = (float)bt;
      }
    }
  }
  return GR_OK;
}

int64_t zgr_binary_rows(const BinaryBackwardArgs& a, int64_t r0, int64_t r1) {
  const float* eta = a.batch.logits;
  const int32_t* b = a.choice;
  const float* g = a.values;
  for (int64_t b0 = r0; b0 < r1; b0 += kBinaryBlock) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, b0);
    const int64_t b1 = r1 - b0 < kBinaryBlock ? r1 : b0 + kBinaryBlock;
    int bad = 0;
#pragma omp simd reduction(| : bad)
    for (int64_t r = b0; r < b1; ++r)
      bad |= (eta[r] != eta[r]) | !binary_choice_valid(b[r]) |
             binary_choice_impossible(eta[r], b[r]) | !(abs_value(g[r]) <= 3.40282347e+38f);
    if (bad) {  // the lowest bad row, its first failing check in the order of gumbel_rao.h
      for (int64_t r = b0; r < b1; ++r) {
        if (eta[r] != eta[r]) return gr_status_make(GR_LOGITS_NAN, r);
        const int32_t code = binary_choice_code(eta[r], b[r]);
        if (code != GR_OK) return gr_status_make(code, r);
        if (!(abs_value(g[r]) <= 3.40282347e+38f)) return gr_status_make(GR_UPSTREAM_NOT_FINITE, r);
      }
    }
#pragma omp simd
    for (int64_t r = b0; r < b1; ++r) a.grad[r] = zgr_binary_grad(g[r], eta[r], b[r] == 1);
  }
  return GR_OK;
}

int64_t disarm_rows(const BinaryBackwardArgs& a, int64_t r0, int64_t r1) {
  const float* eta = a.batch.logits;
  const int64_t rows = a.batch.rows;
  const int32_t *b = a.choice, *bt = a.choice + rows;
  const float *f = a.values, *ft = a.values + rows;
  for (int64_t b0 = r0; b0 < r1; b0 += kBinaryBlock) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, b0);
    const int64_t b1 = r1 - b0 < kBinaryBlock ? r1 : b0 + kBinaryBlock;
    int bad = 0;
#pragma omp simd reduction(| : bad)
    for (int64_t r = b0; r < b1; ++r)
      bad |= (eta[r] != eta[r]) | !binary_choice_valid(b[r]) | !binary_choice_valid(bt[r]) |
             binary_choice_impossible(eta[r], b[r]) | binary_choice_impossible(eta[r], bt[r]) |
             !(std::fabs(f[r]) < kInf) | !(std::fabs(ft[r]) < kInf);
    if (bad) {  // the lowest bad row: b checked before b~, then the losses
      for (int64_t r = b0; r < b1; ++r) {
        if (eta[r] != eta[r]) return gr_status_make(GR_LOGITS_NAN, r);
        int32_t code = binary_choice_code(eta[r], b[r]);
        if (code == GR_OK) code = binary_choice_code(eta[r], bt[r]);
        if (code == GR_OK && !(std::fabs(f[r]) < kInf && std::fabs(ft[r]) < kInf))
          code = GR_LOSSES_NOT_FINITE;
        if (code != GR_OK) return gr_status_make(code, r);
      }
    }
#pragma omp simd
    for (int64_t r = b0; r < b1; ++r)
      a.grad[r] = disarm_grad(f[r], ft[r], b[r] == 1, bt[r] == 1, eta[r]);
  }
  return GR_OK;
}

}  // namespace gr::cpu::GR_ISA_NS
