// The one math header of the library: every formula of every estimator, written once, compiled
// by the host compiler for the CPU kernels and by nvcc for the CUDA kernels. Java mirrors it in
// one class (dev.gumbelrao.Formulas). Reference: Paulus, Maddison, Krause, "Rao-Blackwellizing the
// Straight-Through Gumbel-Softmax Gradient Estimator", ICLR 2021 (arXiv 2010.04838).
//
// ---------------------------------------------------------------------------------------------
// Random numbers: Philox4x32-10 (Salmon et al., SC 2011), counter-based. THE COUNTER LAYOUT.
//
//   key     = (seed & 0xffffffff, seed >> 32)                      64-bit seed
//   counter = (c0, c1, c2, c3) with
//     c0 = column / 4       the quad of columns this call serves
//     c1 = first_row + row  the row's index in the whole batch: `first_row` is the caller's row
//                           base (0 for a whole batch; a chunk's first row when a batch is split
//                           over calls or workers), `row` the row within this call;
//                           first_row + rows <= 2^32, checked at every entry point
//     c2 = slot             0: the forward noise (sampling D; ST-GS and GS use it again in the
//                              backward pass); k + 1: the k-th conditional draw of Gumbel-Rao
//     c3 = stream offset    the caller's 32-bit offset, so one seed serves 2^32 calls
//   output word i (0..3) of the call is the uniform of column 4 * c0 + i.
//
// Every uniform is therefore a pure function of (seed, offset, first_row + row, column, slot):
// noise does not depend on thread count, vector width, block shape, backend or how a batch is
// split into calls (rows r0..r0+n-1 of one call with first_row = r0 draw exactly the noise of
// those rows of the unsplit call), and a backward pass recomputes the forward's noise instead of
// storing it. This layout is a stable contract: changing it changes
// every sample the library has ever drawn.
//
// Derived keys (Java: NoiseKey.derive). Slot 0xffffffff is never a noise slot (slot k + 1 <=
// 2^31), and is reserved for deriving sub-keys: sub-key `index` of (seed, offset) is the block
// philox4x32_10(index & 0xffffffff, index >> 32, 0xffffffff, offset) under (seed's words), whose
// words w0..w3 give seed' = w1 << 32 | w0 and offset' = w2; the sub-key keeps the parent's
// first_row, which takes no part in the derivation (so a chunk's sub-keys name the chunk's rows
// of the unsplit batch's sub-keys). One key covers one batch's noise in every slot; each further
// variable group or draw in the same step takes a sub-key, each chunk of a batch its first_row.
//
// Uniform map: u = ((x >> 9) + 0.5) * 2^-23. Every one of the 2^32 words maps into the OPEN
// interval (0, 1): the extremes are 2^-24 and 1 - 2^-24, both exact in float and in double, so
// the map is the same number in every precision. (The 24-bit map ((x >> 8) + 0.5) * 2^-24 rounds
// to exactly 1.0f for the top words, which puts log(0) into the noise.)
// ---------------------------------------------------------------------------------------------
#pragma once

#include <stdint.h>

#if defined(__CUDACC__)
#define GR_HD __host__ __device__ __forceinline__
#else
#define GR_HD inline __attribute__((always_inline))
#endif

namespace gr {

// ------------------------------------------------------------------ constants
constexpr float kLn2 = 0.693147180559945309f;
constexpr float kLog2e = 1.442695040888963407f;
constexpr float kInf = __builtin_huge_valf();

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1

// ------------------------------------------------------------------ bit casts
GR_HD uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t u;
  __builtin_memcpy(&u, &x, sizeof u);
  return u;
#endif
}
GR_HD float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  __builtin_memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// ------------------------------------------------------------------ Philox4x32-10
GR_HD uint32_t mulhi32(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);
#else
  return (uint32_t)(((uint64_t)a * b) >> 32);
#endif
}

struct Words4 {
  uint32_t w[4];
};

// hi:lo = m * a, 32 x 32 -> 64 bits. Vector lane types supply their own overload (found by
// argument-dependent lookup), so the rounds below are written once for scalars and vectors.
GR_HD void mulhilo(uint32_t m, uint32_t a, uint32_t& hi, uint32_t& lo) {
  hi = mulhi32(m, a);
  lo = m * a;
}

// Ten rounds of Philox4x32 on counter (c0, c1, c2, c3) under key (k0, k1), in place. U is
// uint32_t or a vector of lanes with ^ and mulhilo.
template <class U>
GR_HD void philox4x32_10_rounds(U& c0, U& c1, U& c2, U& c3, uint32_t k0, uint32_t k1) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int round = 0; round < 10; ++round) {
    U hi0, lo0, hi1, lo1;
    mulhilo(kPhiloxM0, c0, hi0, lo0);
    mulhilo(kPhiloxM1, c2, hi1, lo1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
}

GR_HD Words4 philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                           uint32_t k1) {
  philox4x32_10_rounds(c0, c1, c2, c3, k0, k1);
  return Words4{{c0, c1, c2, c3}};
}

// The 64-bit seed as the Philox key, the stream offset and the row base, and the counter of
// (quad, row, slot, offset): see the layout at the top of this file. `row` is the row within the
// call; every counter adds first_row to it (here and in the CPU's lane version, rows.h).
struct NoiseKey {
  uint32_t k0, k1, offset, first_row;
};
GR_HD NoiseKey noise_key(uint64_t seed, uint32_t offset, uint32_t first_row) {
  return NoiseKey{(uint32_t)seed, (uint32_t)(seed >> 32), offset, first_row};
}
GR_HD Words4 noise_words(NoiseKey key, uint32_t quad, uint32_t row, uint32_t slot) {
  return philox4x32_10(quad, key.first_row + row, slot, key.offset, key.k0, key.k1);
}
constexpr uint32_t kForwardSlot = 0;
constexpr uint32_t kDeriveSlot = 0xFFFFFFFFu;  // sub-keys, never noise (see the layout above)
GR_HD uint32_t conditional_slot(uint32_t k) { return k + 1; }

// ------------------------------------------------------------------ uniform map
GR_HD float uniform_open(uint32_t x) {
  // 1 + (x >> 9) 2^-23 is the float with exponent 0 and mantissa x >> 9; subtracting 1 - 2^-24
  // leaves ((x >> 9) + 0.5) 2^-23 exactly (it needs 24 bits), without an int-to-float conversion
  // (which shares the GPU's MUFU pipe with log2 and exp2).
  return bits_float(0x3F800000u | (x >> 9)) - 0.99999994f;
}

// ------------------------------------------------------------------ elementary functions
// CUDA: the hardware log2/exp2 (MUFU lg2.approx / ex2.approx) unless GR_CUDA_PRECISE_MATH is
// defined. Host: branch-free polynomials that the compiler vectorises for any ISA (no libm calls,
// so the same inputs give the same outputs on every machine, whatever its glibc), fitted by
// minimax (Remez) for relative error.
//
// Two versions of each. The *_positive / *_nonpositive ones are the kernels' hot paths: they
// assume what every call site guarantees (log2 of a positive, normal, finite number; exp2 of a
// number <= 0, -inf included) and skip the special-value logic, which would cost as much as
// the polynomial. fast_log2 / fast_exp2 keep IEEE semantics for every input: log2(0) = -inf,
// exp2(-inf) = 0, NaN propagates. exp2 flushes results below 2^-125 to zero (every use adds them
// to a sum that is at least 1).
#if defined(__CUDA_ARCH__)
GR_HD float fast_log2(float x) {
#if defined(GR_CUDA_PRECISE_MATH)
  return log2f(x);
#else
  float y;
  asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
#endif
}
GR_HD float fast_exp2(float x) {
#if defined(GR_CUDA_PRECISE_MATH)
  return exp2f(x);
#else
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
#endif
}
GR_HD float fast_log2_positive(float x) { return fast_log2(x); }
GR_HD float fast_exp2_nonpositive(float x) { return fast_exp2(x); }
#else
// log2 x for x positive, normal and finite: x = 2^e m with m in [sqrt(1/2), sqrt(2)), and
// log2(1 + f) = f Q(f) for f = m - 1, Q of degree 8 (2.3 ulp in float).
GR_HD float fast_log2_positive(float x) {
  const uint32_t ix = float_bits(x);
  const int32_t e = (int32_t)(ix - 0x3F3504F3u) >> 23;
  const float f = bits_float(ix - ((uint32_t)e << 23)) - 1.0f;
  float q = 1.2926436453e-01f;
  q = q * f - 2.0893384973e-01f;
  q = q * f + 2.1521224269e-01f;
  q = q * f - 2.3867567499e-01f;
  q = q * f + 2.8793909498e-01f;
  q = q * f - 3.6071626409e-01f;
  q = q * f + 4.8091027979e-01f;
  q = q * f - 7.2134719931e-01f;
  q = q * f + 1.4426950049e+00f;
  return f * q + (float)e;
}
GR_HD float fast_log2(float x) {
  // Subnormals are scaled into the normal range and the exponent corrected.
  const bool sub = x < 1.17549435e-38f;
  const float r = fast_log2_positive(sub ? x * 8388608.0f : x) - (sub ? 23.0f : 0.0f);
  // x = +inf gives +inf; x = 0 gives -inf; x < 0 or NaN gives NaN.
  const float special = x == 0.0f ? -kInf : (x == kInf ? kInf : __builtin_nanf(""));
  return (x > 0.0f && x < kInf) ? r : special;
}
// 2^x = 2^n 2^f with n = round(x), |f| <= 1/2, 2^f by a degree-6 polynomial (1.3 ulp), valid
// for x in [-125, 127]: adding 1.5 * 2^23 rounds x to an integer n held in the low mantissa
// bits, which shifted by 23 become the exponent increment.
GR_HD float exp2_core(float x) {
  const float shifted = x + 12582912.0f;
  const float f = x - (shifted - 12582912.0f);
  float p = 1.5345812005e-04f;
  p = p * f + 1.3399931219e-03f;
  p = p * f + 9.6184889571e-03f;
  p = p * f + 5.5503287770e-02f;
  p = p * f + 2.4022646891e-01f;
  p = p * f + 6.9314720574e-01f;
  p = p * f + 1.0000000006e+00f;
  return bits_float(float_bits(p) + (float_bits(shifted) << 23));
}
// 2^x for x <= 0, -inf included.
GR_HD float fast_exp2_nonpositive(float x) {
  const float r = exp2_core(x < -125.0f ? -125.0f : x);
  return x < -125.0f ? 0.0f : r;
}
GR_HD float fast_exp2(float x) {
  // Above 127, 2^x = 2 * 2^(x - 1), which overflows to +inf from x = 128 on.
  const bool big = x > 127.0f;
  float xc = big ? x - 1.0f : x;
  xc = xc < -125.0f ? -125.0f : (xc > 127.0f ? 127.0f : xc);
  const float r = exp2_core(xc) * (big ? 2.0f : 1.0f);
  return x < -125.0f ? 0.0f : (x == x ? r : x);
}
#endif

// ------------------------------------------------------------------ log-probabilities
// log p_j = theta_j - lse with lse = m + log(sum_i exp(theta_i - m)), m the row maximum. Written
// as (theta_j - m) - log_sum: theta_j - m is exact near the top, so p_j keeps its relative
// accuracy even when |theta| is large (theta_j - lse in float would carry ulp(lse) of error).
GR_HD float log_softmax(float theta_j, float max, float log_sum) {
  return (theta_j - max) - log_sum;
}

// ------------------------------------------------------------------ noise transforms
// E ~ Exp(1) from U: E = -log U.  G ~ Gumbel(0, 1): G = -log E = -log(-log U).
// u lies in [2^-24, 1 - 2^-24] (uniform_open), so E lies in [6e-8, 16.7]: both logs see positive
// normal numbers. -log u >= 1 - u, and the bound is kept explicitly: the GPU's lg2.approx has an
// absolute error of 2^-22 near 1, larger than -log u itself at the top of the map, which would
// give E <= 0 (then NaN weights). On the CPU the bound changes at most the last bit, rarely.
GR_HD float exponential_from_uniform(float u) {
  const float e = -kLn2 * fast_log2_positive(u);
  const float floor = 1.0f - u;
  return e > floor ? e : floor;
}
GR_HD float gumbel_from_uniform(float u) {
  return -kLn2 * fast_log2_positive(exponential_from_uniform(u));
}

// ------------------------------------------------------------------ the Gumbel-max trick
// D = argmax_j (theta_j + G_j), computed as argmax_j ((theta_j - m) + G_j) with m the row maximum:
// the same argmax, but theta_j - m is exact near the top of the row (Sterbenz), so G keeps its
// precision when the logits are large (at |theta| = 1e8 the float sum theta + G rounds G away and
// ties decide D). Every backend perturbs the logits with this one expression.
GR_HD float perturbed_logit(float theta_j, float max, float g_j) { return (theta_j - max) + g_j; }

// ------------------------------------------------------------------ conditional Gumbel noise
// G^k | D such that argmax(theta + G) = D exactly (estimators.md, "Conditional Gumbel noise").
// With E_j iid Exp(1) and p = softmax(theta):
//   G_D = -log(p_D E_D) = (lse - theta_D) - log E_D       (theta_D + G_D ~ Gumbel(lse))
//   G_j = -log(E_j + p_j E_D)                  for j != D  (truncated below theta_D + G_D)
// The log-space form never forms exp(theta) or 1/p: no overflow for any finite logit, and a
// masked class (p_j = 0) gets G_j = -log E_j with theta_j + G_j = -inf.
GR_HD float conditional_gumbel_winner(float neg_log_p_d, float e_d) {
  return neg_log_p_d - kLn2 * fast_log2_positive(e_d);
}
GR_HD float conditional_gumbel_other(float p_j, float e_j, float e_d) {
  return -kLn2 * fast_log2_positive(e_j + p_j * e_d);
}

// Float rounding can lift theta_j + G_j to z_D = theta_D + G_D when the exact gap is below the
// rounding of z_D (E_j tiny: probability ~1e-7 per element). This lowers G_j until the float sum
// theta_j + G_j is strictly below z_D, by steps that start at one ulp of z_D and double, so the
// change is within a factor of two of the gap: argmax(theta + G) = D holds for float noise too.
GR_HD float float_spacing(float x) {  // ulp of x: the gap to the next float away from zero
  const uint32_t e = float_bits(x) & 0x7F800000u;
  return e > (23u << 23) ? bits_float(e - (23u << 23)) : 1.40129846e-45f;
}
GR_HD float conditional_gumbel_below(float theta_j, float g_j, float z_d) {
  float step = float_spacing(z_d);
  for (int i = 0; i < 160 && !(theta_j + g_j < z_d); ++i) {
    g_j -= step;
    step += step;
  }
  return g_j;
}

// ------------------------------------------------------------------ Gumbel-Rao weights
// s^k = softmax(z^k / tau) with z^k = theta + G^k. Dividing every exp(z_j - lse) by the winner's
// exp(z_D - lse) = 1 / E_D leaves r_j = p_j E_D / (E_j + p_j E_D) in [0, 1) and r_D = 1, so
//   s_j^k = r_j^(1/tau) / sum_i r_i^(1/tau)
// where the sum is at least 1: no overflow at any tau (tau = 0.01 included), no max pass.
// log2 r_j = log2 p_j + log2 E_D - log2(E_j + p_j E_D); log2 p_j is computed once per element and
// reused over all K draws. r_j <= 1 exactly, so log2 r_j is clamped at 0 against rounding; a
// masked class (log2 p_j = -inf) gets weight 0. inv_tau must be finite (callers clamp 1/tau).
GR_HD float gumbel_rao_weight(float log2_p_j, float p_j, float e_j, float e_d, float log2_e_d,
                              float inv_tau) {
  const float log2_r = (log2_p_j + log2_e_d) - fast_log2_positive(e_j + p_j * e_d);
  return fast_exp2_nonpositive((log2_r < 0.0f ? log2_r : 0.0f) * inv_tau);
}

// 1/tau for a temperature tau > 0, finite even when tau is subnormal (1/tau would overflow, and
// 0 * inf would turn the winner's exponent 0 into NaN).
GR_HD float inverse_temperature(float tau) {
  const float inv = 1.0f / tau;
  return inv < 3.40282347e+38f ? inv : 3.40282347e+38f;
}

// The same weight r_j^(1/tau) when 1/tau (as the float inverse_temperature) is a small integer m
// (tau = 1, 1/2, 1/3, 1/4): r_j = p_j E_D / (E_j + p_j E_D) by one division and r_j^m by
// multiplication, instead of a second logarithm and an exponential. A masked class (p_j = 0)
// gets 0. M is a compile-time constant so that callers keep one branch-free loop per M.
template <int M>
GR_HD float gumbel_rao_weight_power(float p_j, float e_j, float e_d) {
  const float a = p_j * e_d;
  const float r = a / (e_j + a);
  float w = r;
  for (int i = 1; i < M; ++i) w *= r;
  return w;
}

// M of gumbel_rao_weight_power for a temperature, or 0 when 1/tau is not an integer in [1, 4].
GR_HD int32_t integer_inverse_temperature(float tau) {
  const float inv = inverse_temperature(tau);
  for (int32_t m = 1; m <= 4; ++m)
    if (inv == (float)m) return m;
  return 0;
}

// ------------------------------------------------------------------ Gumbel-Rao: a draw's term
// One draw k with weights w_j (gumbel_rao_weight, w_D = 1), W = sum_j w_j and P = sum_j w_j gs_j,
// gs = g - g_D, adds s_j (gs_j - <s, gs>) = w_j (gs_j c - c_dot) to the row's sum h_j, with
// c = 1 / W and c_dot = c (P c) = c <s, gs> (s_j = w_j c). After K draws grad_j = h_j / (K tau).
// Every backend accumulates exactly this term: two multiply-adds per element-draw into one
// accumulator per column (callers fold float partial sums into double ones; see the kernels).
struct GumbelRaoDraw {
  float c;      // 1 / sum_j w_j
  float c_dot;  // c <s, gs>
};
GR_HD GumbelRaoDraw gumbel_rao_draw(float sum_w, float dot_w_gs) {
  const float c = 1.0f / sum_w;
  return GumbelRaoDraw{c, c * (dot_w_gs * c)};
}
GR_HD float gumbel_rao_term(float w_j, float gs_j, GumbelRaoDraw k) {
  return w_j * (gs_j * k.c - k.c_dot);
}
// 1 / (K tau), in double: the finish of the row sums h_j.
GR_HD double gumbel_rao_scale(int64_t samples, float tau) {
  return 1.0 / ((double)samples * (double)tau);
}
GR_HD float gumbel_rao_finish(double h_j, double scale) { return (float)(h_j * scale); }

// ------------------------------------------------------------------ softmax Jacobian
// J(s)^T g = s * (g - <s, g>) for J(s) = diag(s) - s s^T. Every estimator's backward pass ends
// here; the caller supplies <s, g>.
GR_HD float softmax_jvp(float s_j, float g_j, float s_dot_g) { return s_j * (g_j - s_dot_g); }

// ------------------------------------------------------------------ the float range of upstream
// Every backward pass is linear in the upstream gradient g, and the float kernels form g_j - g_D
// and sums of s_j (g_j - <s, g>): with |g| near 3.4e38 those overflow although the gradient itself
// may fit. A row whose largest |g_j| at an unmasked class exceeds 2^64 is therefore computed with
// g scaled by `down` = 2^-e, e = floor(log2 max|g|) (at most 126, so that 2^-e is a normal
// float): its largest entry lies in [1, 4). The row's result is scaled back by `up` = 2^e. Powers
// of two scale exactly, so the result is that of the unscaled arithmetic, and a result beyond the
// float range after the scaling back is the true one's (GR_GRAD_OVERFLOW). At or below 2^64 both
// factors are 1 and nothing changes: every intermediate of the kernels then stays below about
// 2^100. The double-precision JAVA backend needs no such step, so Formulas has no mirror of it.
struct UpstreamScale {
  float down;  // applied to g
  float up;    // applied to the row's result
};
GR_HD UpstreamScale upstream_scale(float max_abs_g) {
  if (!(max_abs_g > 18446744073709551616.0f)) return UpstreamScale{1.0f, 1.0f};  // 2^64
  uint32_t e = ((float_bits(max_abs_g) >> 23) & 0xFFu) - 127u;  // 64 <= e <= 127
  e = e < 126u ? e : 126u;
  return UpstreamScale{bits_float((127u - e) << 23), bits_float((127u + e) << 23)};
}

// ------------------------------------------------------------------ Gumbel-Rao, total derivative
// The paper's Sec. 3.2 takes the derivative of softmax((theta + G^k) / tau) through G^k too: with
// the E's fixed, z_D = lse - log E_D and z_j = -log(E_j e^-theta_j + E_D e^-lse), so
// dz_j/dtheta_i = (1 - r_j)[i = j] + r_j p_i with r_j = p_j E_D / (E_j + p_j E_D) (r_D = 1), the
// base of the Gumbel-Rao weight (estimators.md). With t_j the draw's detached term
// s_j (gs_j - <s, gs>) (gumbel_rao_term), the draw adds t_j - r_j t_j to h_j, and grad_i =
// (h_i + p_i u) / (K tau) with u the sum over draws of sum_j r_j t_j. Every draw's t_j sum to
// zero, so u = -H, H = sum_j h_j: the finish takes H from the row's sums (in double) and no draw
// forms a second dot product. Summing r_j t_j per draw instead left the float rounding of
// t_D + sum_{j != D} t_j = 0 in u, eps |g| / tau of noise that p_i carried into rows whose
// gradient itself cancels (p near one-hot: grad = (1 - p_i) h_i - p_i sum_{j != i} h_j).
GR_HD float gumbel_rao_base(float p_j, float e_j, float e_d) {
  const float a = p_j * e_d;
  return a / (e_j + a);
}
GR_HD float gumbel_rao_total_term(float t_j, float r_j) { return t_j - r_j * t_j; }
GR_HD float gumbel_rao_total_finish_of_sums(double h_j, float p_j, double h_sum, double scale) {
  return (float)((h_j - (double)p_j * h_sum) * scale);
}

// ------------------------------------------------------------------ ZGR (Shekhovtsov, ICML 2023)
// The zero-temperature limit of Gumbel-Rao, D ~ Cat(p): grad = 1/2 [J(p) g + (g_D - <p, g>)
// (e_D - p)], per component 1/2 p_j (g_j - g_D) + [j = D] 1/2 (g_D - <p, g>). With gs = g - g_D
// (gs_D = 0) that is 1/2 (p_j gs_j - [j = D] <p, gs>): no cancellation against g_D.
GR_HD float zgr_grad(float p_j, float gs_j, float p_dot_gs, bool is_d) {
  return 0.5f * (is_d ? -p_dot_gs : p_j * gs_j);
}

// ------------------------------------------------------------------ binary variables
// A Bernoulli variable b with logit eta: b = [eta + L > 0], L = log u - log(1 - u) a Logistic(0, 1)
// draw from the forward noise (1 - u is exact and at least 2^-24 for the contract's uniforms).
// The antithetic partner of DisARM is [eta - L > 0].
GR_HD float logistic_from_uniform(float u) {
  return kLn2 * (fast_log2_positive(u) - fast_log2_positive(1.0f - u));
}
GR_HD float abs_value(float x) { return bits_float(float_bits(x) & 0x7FFFFFFFu); }
// sigmoid(x) = 1 / (1 + e^-x), through t = e^-|x| <= 1 so that nothing overflows.
GR_HD float sigmoid(float x) {
  const float t = fast_exp2_nonpositive(-abs_value(x) * kLog2e);
  const float r = 1.0f / (1.0f + t);
  return x >= 0.0f ? r : t * r;
}
// ZGR, binary form: dL/deta = g (b (1 - q) + (1 - b) q) / 2 with q = sigmoid(eta), that is
// g sigmoid(b ? -eta : eta) / 2; it equals 2-class ZGR on logits (0, eta) with the same sample.
GR_HD float zgr_binary_grad(float g, float eta, bool b) {
  return 0.5f * g * sigmoid(b ? -eta : eta);
}
// DisARM (Dong, Mnih, Tucker, NeurIPS 2020): the antithetic pair b, b~ and their losses:
// dL/deta = 1/2 (f(b) - f(b~)) (-1)^b~ [b != b~] sigmoid(|eta|). The difference is formed from
// halves so that losses of up to 3.4e38 cannot overflow it.
GR_HD float disarm_grad(float f_b, float f_bt, bool b, bool bt, float eta) {
  if (b == bt) return 0.0f;
  const float d = (0.5f * f_b - 0.5f * f_bt) * sigmoid(abs_value(eta));
  return bt ? -d : d;
}

// ARMS (Dimitriev, Zhou, ICML 2021; alekdimi/arms): n >= 2 draws b_1..b_n of each binary variable
// joined by the Dirichlet copula, and an unbiased leave-one-out combination of their losses.
// The copula: e_k ~ Exp(1) from the uniforms of columns 0..n-1 of the forward noise, d_k = e_k / S
// (S = sum_j e_j, so d ~ Dirichlet(1, ..., 1) and d_k ~ Beta(1, n - 1)), U_k = (1 - d_k)^(n-1),
// uniform; with pbar = min(p, 1 - p) = sigmoid(-|eta|), x_k = [U_k < pbar] and b_k = x_k when
// p < 1/2 (eta < 0), 1 - x_k otherwise (the rare outcome in the copula's antithetic lower tail).
// In logs: x_k = [(n - 1) (log2 (S - e_k) - log2 S) < log2 pbar], S - e_k summed from the other
// e_j (never a cancellation). At n = 2, (U_1, U_2) = (U, 1 - U): DisARM's antithetic pair, which
// binary_sample draws from one uniform (b, b~ above).
// log2 sigmoid(-|eta|) = -(|eta| log2 e + log2(1 + 2^(-|eta| log2 e))); -inf at eta = +-inf.
GR_HD float log2_sigmoid_of_minus_abs(float eta) {
  const float a = abs_value(eta) * kLog2e;
  return -(a + fast_log2_positive(1.0f + fast_exp2_nonpositive(-a)));
}
GR_HD bool arms_copula_bit(float eta, float log2_pbar, float s_minus_k, float s, int32_t n) {
  const bool lower =
      (float)(n - 1) * (fast_log2_positive(s_minus_k) - fast_log2_positive(s)) < log2_pbar;
  return eta < 0.0f ? lower : !lower;
}
// The gradient: dL/deta = D / (n - 1) sum_k (f_k - mean f)(b_k - p), D = p (1 - p) / (p - J),
// J = P(b_j = 1, b_k = 1) of two draws. The p term sums to zero exactly, so the sum runs over the
// draws with b_k = 1 (as RLOO's), in double; when every b_k is the same the gradient is exactly 0.
// With r = pbar^(1/(n-1)) the copula gives p - J = pbar - max(0, 2 r - 1)^(n-1), so
// D = sigmoid(|eta|) / (1 - c), c = (2 - 1/r)^(n-1) when r > 1/2, else c = 0 (then D =
// sigmoid(|eta|), always at n = 2: DisARM's factor). c <= 1/2, so the division is well
// conditioned. arms_scale is D / (n - 1).
GR_HD float arms_scale(float eta, int32_t n) {
  const float log2_pbar = log2_sigmoid_of_minus_abs(eta);
  const float r = fast_exp2_nonpositive(log2_pbar / (float)(n - 1));
  // a select, so that rows vectorise (r <= 1/2 computes a value it discards)
  const float t = r > 0.5f ? 2.0f - 1.0f / r : 0.5f;
  const float c = r > 0.5f ? fast_exp2_nonpositive((float)(n - 1) * fast_log2_positive(t)) : 0.0f;
  return sigmoid(abs_value(eta)) / (1.0f - c) / (float)(n - 1);
}

// ------------------------------------------------------------------ ReinMax (Liu et al. 2023)
// D ~ Cat(p) with the untempered p; pi = (softmax(theta / tau) + e_D) / 2;
// grad = 2 J(pi) g - 1/2 J(p) g (microsoft/ReinMax), in the shifted gs = g - g_D like the others.
GR_HD float reinmax_pi(float s_j, bool is_d) { return 0.5f * (s_j + (is_d ? 1.0f : 0.0f)); }
GR_HD float reinmax_grad(float pi_j, float p_j, float gs_j, float pi_dot_gs, float p_dot_gs) {
  return 2.0f * (pi_j * (gs_j - pi_dot_gs)) - 0.5f * (p_j * (gs_j - p_dot_gs));
}

// ------------------------------------------------------------------ Gapped straight-through
// GST (Fan et al., ICML 2022; chijames/GST): the logits moved, as a constant, so that D is the
// row's maximum and every other class at least `gap` below it: theta'_j - max = 0 for j = D,
// min(theta_j - max, -gap) otherwise; s = softmax(theta' / tau); grad = J(s) g / tau. GST-1.0:
// gap = 1; GST-p: gap = -log(1 - p_D') / p_D', p_D' = p_D (1 - 1e-5) (the authors' guard).
GR_HD float gst_shifted_logit(float theta_j_minus_max, bool is_d, float gap) {
  if (is_d) return 0.0f;
  return theta_j_minus_max < -gap ? theta_j_minus_max : -gap;
}
GR_HD float gst_gap_p(float p_d) {
  const float pi = p_d * (1.0f - 1e-5f);
  if (pi < 0.0625f) {  // -log(1 - pi) / pi = sum_k pi^k / (k + 1): to float precision in 8 terms
    float s = 1.0f / 8.0f;
    for (int k = 7; k >= 1; --k) s = s * pi + 1.0f / (float)k;
    return s;
  }
  return -kLn2 * fast_log2_positive(1.0f - pi) / pi;
}

// ------------------------------------------------------------------ RLOO (Kool et al. 2019)
// S samples D_1..D_S of a row with losses f_s: grad = 1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p).
// The p term sums to zero exactly (sum_s (f_s - mean f) = 0), so grad_j = 1/(S - 1) times the sum
// of f_s - mean f over the samples with D_s = j; the mean is formed in double. When every D_s is
// the same class j, (e_j - p) factors out of that zero sum: the row's gradient is exactly 0 (arity
// 1, a row with one class left), written as such, not as the rounding residual of the centred
// losses.
GR_HD double rloo_term(double f_s_minus_mean, int32_t samples) {
  return f_s_minus_mean / (double)(samples - 1);
}

// ------------------------------------------------------------------ IndeCateR
// N draws of every variable; f_n(k) the loss of draw n with this row's variable set to class k and
// every other variable held at draw n's values (the caller evaluates them: a table
// [draw][row][class]). grad_j = (1/N) sum_n p_j (f_n(j) - sum_k p_k f_n(k))
//                             = p_j (F_j - sum_k p_k F_k),  F_k = (1/N) sum_n f_n(k)
// (De Smet, Sansone, Zuidberg Dos Martires, NeurIPS 2023: the CatLog-derivative trick, the score
// function Rao-Blackwellised over each variable's own classes; unbiased). Formed in double, the
// F_k summed over n in order, relative to the row's most probable class c (the first index of
// the row maximum): G_k = F_k - F_c. Then G_c = 0, so the centre sum_{k != c} p_k G_k is formed
// from the small probabilities alone: with F_c itself in it, a peaked row (p_c = 1 - 1e-6) would
// carry the float rounding of p_c (6e-8) into a gradient of size 1e-6. And a row whose losses do
// not depend on its class (arity 1, one class left, a variable the loss ignores) has the exact
// gradient 0, not a rounding residual. Masked classes: p = 0, their losses are never read, their
// gradient is exactly 0.
GR_HD double indecater_grad(double p_j, double g_j, double centre) { return p_j * (g_j - centre); }

// ------------------------------------------------------------------ REINFORCE
// grad_theta_j = (f - b) * (onehot(D)_j - p_j), b a running mean of f (Williams 1992). For j = D
// the factor 1 - p_D comes in as p_rest = sum_{i != D} p_i, which does not cancel as p_D -> 1.
GR_HD float reinforce_grad(float f_minus_b, bool is_d, float p_j, float p_rest) {
  return f_minus_b * (is_d ? p_rest : -p_j);
}

}  // namespace gr
