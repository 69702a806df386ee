// Binary variables, one logit eta per row (math.h, "binary variables"): Bernoulli samples
// b = [eta + L > 0] with L the logistic draw of the forward noise of column 0 (and DisARM's
// antithetic b~ = [eta - L > 0]; n >= 3 draws: ARMS's Dirichlet copula), and the backward passes
// of the binary estimators, ZGR-binary, DisARM and ARMS. Elementwise over rows, in blocks that the
// compiler vectorises (ARMS and the copula draws: row by row); a logit of +-inf is a certain 1 or
// 0, a NaN logit an error.
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

// n >= 3 draws of rows [r0, r1): the copula of math.h (arms_copula_bit), row by row. The e_k in
// order k = 0..n-1; S_minus_k = (e_0 + ... + e_{k-1}) + (e_{n-1} + ... + e_{k+1}), each part
// summed from 0 in that order, and S the whole left-to-right sum (the CUDA kernel sums alike).
int64_t copula_sample_rows(const BinarySampleArgs& a, int64_t r0, int64_t r1) {
  const float* eta = a.batch.logits;
  const int64_t rows = a.batch.rows;
  const int32_t n = a.draws;
  float* e = scratch().floats(2 * (size_t)n);
  float* suffix = e + n;  // suffix[k] = e_{n-1} + ... + e_{k+1}
  for (int64_t r = r0; r < r1; ++r) {
    if (((r - r0) & 255) == 0 && a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, r);
    if (eta[r] != eta[r]) return gr_status_make(GR_LOGITS_NAN, r);
    for (int32_t q = 0; q < n; q += 4) {
      const Words4 w = noise_words(a.key, (uint32_t)(q >> 2), (uint32_t)r, kForwardSlot);
      for (int32_t k = q; k < n && k < q + 4; ++k)
        e[k] = exponential_from_uniform(uniform_open(w.w[k - q]));
    }
    float acc = 0.0f;
    for (int32_t k = n - 1; k >= 0; --k) {
      suffix[k] = acc;
      acc += e[k];
    }
    float s = 0.0f;
    for (int32_t k = 0; k < n; ++k) s += e[k];
    const float log2_pbar = log2_sigmoid_of_minus_abs(eta[r]);
    float prefix = 0.0f;
    for (int32_t k = 0; k < n; ++k) {
      const int32_t b = arms_copula_bit(eta[r], log2_pbar, prefix + suffix[k], s, n) ? 1 : 0;
      prefix += e[k];
      a.choice[k * rows + r] = b;
      if (a.values) a.values[k * rows + r] = (float)b;
    }
  }
  return GR_OK;
}

}  // namespace

int64_t binary_sample_rows(const BinarySampleArgs& a, int64_t r0, int64_t r1) {
  if (a.draws > 2) return copula_sample_rows(a, r0, r1);
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
      if (a.draws == 2) {
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

// ARMS: the checks of a row in disarm_rows' order (eta, every draw's b, then every loss), then
// arms_scale(eta, n) times the sum over the draws with b_k = 1 of f_k - mean f, in double; a row
// whose draws all agree is exactly 0. |grad| <= max |f| (D <= 1, the copula's draws being
// negatively correlated, and m (n - m) / (n (n - 1)) <= 1/2 for m ones), so finite losses give a
// finite gradient; GR_GRAD_OVERFLOW stays as a guard, as RLOO's. In blocks of rows, each pass over the draws
// a simd loop across the block's rows (the layout is [draw][row]); per row the same operations
// in the same order as one row at a time.
int64_t arms_rows(const BinaryBackwardArgs& a, int64_t r0, int64_t r1) {
  const float* eta = a.batch.logits;
  const int64_t rows = a.batch.rows;
  const int32_t n = a.draws;
  const int32_t* b = a.choice;
  const float* f = a.values;
  double* buf = scratch().doubles(3 * (size_t)kBinaryBlock);
  double *mean = buf, *sum = buf + kBinaryBlock, *ones = buf + 2 * kBinaryBlock;
  for (int64_t b0 = r0; b0 < r1; b0 += kBinaryBlock) {
    if (a.batch.cancel.requested()) return gr_status_make(GR_CANCELLED, b0);
    const int64_t b1 = r1 - b0 < kBinaryBlock ? r1 : b0 + kBinaryBlock;
    const int64_t m = b1 - b0;
    int bad = 0;
#pragma omp simd reduction(| : bad)
    for (int64_t r = b0; r < b1; ++r) bad |= eta[r] != eta[r];
    for (int32_t k = 0; k < n; ++k) {
      const int32_t* bk = b + k * rows;
      const float* fk = f + k * rows;
#pragma omp simd reduction(| : bad)
      for (int64_t r = b0; r < b1; ++r)
        bad |= !binary_choice_valid(bk[r]) | binary_choice_impossible(eta[r], bk[r]) |
               !(std::fabs(fk[r]) < kInf);
    }
    if (bad) {  // the lowest bad row: eta, then each draw's b, then the losses
      for (int64_t r = b0; r < b1; ++r) {
        if (eta[r] != eta[r]) return gr_status_make(GR_LOGITS_NAN, r);
        for (int32_t k = 0; k < n; ++k) {
          const int32_t code = binary_choice_code(eta[r], b[k * rows + r]);
          if (code != GR_OK) return gr_status_make(code, r);
        }
        for (int32_t k = 0; k < n; ++k)
          if (!(std::fabs(f[k * rows + r]) < kInf)) return gr_status_make(GR_LOSSES_NOT_FINITE, r);
      }
    }
    for (int64_t i = 0; i < m; ++i) mean[i] = sum[i] = ones[i] = 0.0;
    for (int32_t k = 0; k < n; ++k) {
      const int32_t* bk = b + k * rows + b0;
      const float* fk = f + k * rows + b0;
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) {
        mean[i] += (double)fk[i];
        ones[i] += (double)bk[i];
      }
    }
#pragma omp simd
    for (int64_t i = 0; i < m; ++i) mean[i] /= n;
    for (int32_t k = 0; k < n; ++k) {
      const int32_t* bk = b + k * rows + b0;
      const float* fk = f + k * rows + b0;
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) sum[i] += bk[i] == 1 ? (double)fk[i] - mean[i] : 0.0;
    }
    int over = 0;
#pragma omp simd reduction(| : over)
    for (int64_t i = 0; i < m; ++i) {
      const bool mixed = ones[i] != 0.0 && ones[i] != (double)n;
      const float g = mixed ? (float)((double)arms_scale(eta[b0 + i], n) * sum[i]) : 0.0f;
      a.grad[b0 + i] = g;
      over |= !(std::fabs(g) < kInf);
    }
    if (over) {
      for (int64_t i = 0; i < m; ++i)
        if (!(std::fabs(a.grad[b0 + i]) < kInf)) return gr_status_make(GR_GRAD_OVERFLOW, b0 + i);
    }
  }
  return GR_OK;
}

}  // namespace gr::cpu::GR_ISA_NS
