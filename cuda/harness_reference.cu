// The harness's double-precision reference (host code only): every operation as the JAVA oracle
// (java/library/.../JavaKernels.java) computes it, with math.h's formulas evaluated in double
// (the algebra of math.h and its Java mirror Formulas.java, the Philox words and uniforms of
// math.h itself), the oracle's checks in its order (logits, choice, upstream; binary rows: NaN,
// then the draws), its policy for masked classes (upstream never read, gradient exactly +0) and
// for results beyond the float range (GR_GRAD_OVERFLOW, GR_NOISE_OVERFLOW). The gradients of the
// operations beyond the paper and the hardening cases are checked against this reference (the
// CPU backend, a float computation like the GPU's, is compared beside it).
// Returns the gr_status of the lowest bad row, as the oracle does; outputs are complete only for
// status 0.
#include <math.h>
#include <string.h>

#include <algorithm>
#include <vector>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/math.h"
#include "harness.h"

namespace {

const float kNegInf = -INFINITY;

// ------------------------------------------------------------------ Formulas.java in double
double uniform(const gr::Words4& w, int i) { return (double)gr::uniform_open(w.w[i]); }
double exponential(double u) { return std::max(-log(u), 1.0 - u); }
double gumbel(double u) { return -log(exponential(u)); }
double log_softmax(double th, double max, double log_sum) { return (th - max) - log_sum; }
double weight(double log_p, double p, double e, double e_d, double log_e_d, double inv_tau) {
  const double log_r = (log_p + log_e_d) - log(e + p * e_d);
  return exp(std::min(log_r, 0.0) * inv_tau);
}
double weight_power(double p, double e, double e_d, int m) {
  const double a = p * e_d, r = a / (e + a);
  double w = r;
  for (int i = 1; i < m; ++i) w *= r;
  return w;
}
double base(double p, double e, double e_d) {
  const double a = p * e_d;
  return a / (e + a);
}
double sigmoid(double x) {
  const double t = exp(-fabs(x)), r = 1.0 / (1.0 + t);
  return x >= 0 ? r : t * r;
}
double gst_gap_p(double p_d) {
  const double pi = p_d * (1 - 1e-5);
  return pi < 1e-8 ? 1 + pi / 2 : -log1p(-pi) / pi;
}

// ------------------------------------------------------------------ the oracle's checks
int scan_row(const float* th, int64_t n) {
  bool finite = false;
  for (int64_t j = 0; j < n; ++j) {
    if (th[j] != th[j]) return GR_LOGITS_NAN;
    if (th[j] == INFINITY) return GR_LOGITS_POS_INF;
    finite |= th[j] != kNegInf;
  }
  return finite ? GR_OK : GR_ROW_ALL_MASKED;
}
int check_choice(const float* th, int64_t n, int64_t d) {
  if (d < 0 || d >= n) return GR_CHOICE_RANGE;
  if (th[d] == kNegInf) return GR_CHOICE_MASKED;
  return GR_OK;
}
int check_upstream(const float* th, const float* g, int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    if (th[j] != kNegInf && !isfinite(g[j])) return GR_UPSTREAM_NOT_FINITE;
  return GR_OK;
}
int check_binary_choice(float eta, int32_t b) {
  if (b < 0 || b > 1) return GR_CHOICE_RANGE;
  if (eta == (b == 1 ? kNegInf : INFINITY)) return GR_CHOICE_MASKED;
  return GR_OK;
}
double row_max(const float* th, int64_t n) {
  double m = -INFINITY;
  for (int64_t j = 0; j < n; ++j) m = std::max(m, (double)th[j]);
  return m;
}
double row_log_sum(const float* th, int64_t n, double m) {
  double s = 0;
  for (int64_t j = 0; j < n; ++j) s += exp(th[j] - m);
  return log(s);
}
// A gradient row rounded to float, +0 at masked classes; false when a component does not fit.
bool store(const float* th, const std::vector<double>& v, float* out, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const float x = th[j] == kNegInf ? 0.0f : (float)v[j];
    if (isinf(x)) return false;
    out[j] = x;
  }
  return true;
}
void row_uniforms(gr::NoiseKey key, int64_t row, uint32_t slot, int64_t n, std::vector<double>& u) {
  for (int64_t q = 0; 4 * q < n; ++q) {
    const gr::Words4 w = gr::noise_words(key, (uint32_t)q, (uint32_t)row, slot);
    for (int i = 0; i < 4 && 4 * q + i < n; ++i) u[4 * q + i] = uniform(w, i);
  }
}
int first_argmax(const std::vector<double>& v, int64_t n) {
  int best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (v[j] > v[best]) best = (int)j;
  return best;
}
int64_t bad(int code, int64_t row) { return gr_status_make(code, row); }

// ------------------------------------------------------------------ operations
int64_t sample(const Case& c, const Batch& b, std::vector<int32_t>& d, std::vector<float>& oh) {
  const int64_t n = c.arity;
  const gr::NoiseKey key = gr::noise_key(c.seed, c.offset, c.first_row);
  std::vector<double> v(n);
  d.assign(c.rows, -1);
  for (int64_t r = 0; r < c.rows; ++r) {
    const float* th = b.logits.data() + r * n;
    const int code = scan_row(th, n);
    if (code) return bad(code, r);
    const double m = row_max(th, n);
    row_uniforms(key, r, gr::kForwardSlot, n, v);
    for (int64_t j = 0; j < n; ++j) v[j] = (th[j] - m) + gumbel(v[j]);
    d[r] = first_argmax(v, n);
    if (c.one_hot) {
      std::fill(oh.begin() + r * n, oh.begin() + (r + 1) * n, 0.0f);
      oh[r * n + d[r]] = 1.0f;
    }
  }
  return 0;
}

int64_t conditional(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t n = c.arity, rows = c.rows;
  const gr::NoiseKey key = gr::noise_key(c.seed, c.offset, c.first_row);
  std::vector<double> u(n), p(n);
  for (int64_t r = 0; r < rows; ++r) {
    const float* th = b.logits.data() + r * n;
    int code = scan_row(th, n);
    if (!code) code = check_choice(th, n, b.choice[r]);
    if (code) return bad(code, r);
    const double m = row_max(th, n), ls = row_log_sum(th, n, m);
    for (int64_t j = 0; j < n; ++j) p[j] = exp(log_softmax(th[j], m, ls));
    const int32_t d = b.choice[r];
    const double neg_log_pd = -log_softmax(th[d], m, ls);
    for (int64_t k = 0; k < c.samples; ++k) {
      row_uniforms(key, r, gr::conditional_slot((uint32_t)k), n, u);
      const double e_d = exponential(u[d]);
      float* o = out.data() + (k * rows + r) * n;
      const float g_d = (float)(neg_log_pd - log(e_d));
      if (isinf(g_d)) return bad(GR_NOISE_OVERFLOW, r);
      const float z_d = th[d] + g_d;
      for (int64_t j = 0; j < n; ++j)
        o[j] = j == d ? g_d
                      : gr::conditional_gumbel_below(th[j], (float)-log(exponential(u[j]) + p[j] * e_d), z_d);
    }
  }
  return 0;
}

// GR-MCK (total = false) and GR with the total derivative.
int64_t gumbel_rao(const Case& c, const Batch& b, std::vector<float>& out, bool total) {
  const int64_t n = c.arity;
  const gr::NoiseKey key = gr::noise_key(c.seed, c.offset, c.first_row);
  const double inv_tau = 1.0 / c.tau;
  const int power = gr::integer_inverse_temperature(c.tau);
  const double scale = 1.0 / ((double)c.samples * (double)c.tau);
  std::vector<double> u(n), log_p(n), p(n), gs(n), w(n), e(n), h(n);
  for (int64_t r = 0; r < c.rows; ++r) {
    const float* th = b.logits.data() + r * n;
    const float* g = b.upstream.data() + r * n;
    int code = scan_row(th, n);
    if (!code) code = check_choice(th, n, b.choice[r]);
    if (!code) code = check_upstream(th, g, n);
    if (code) return bad(code, r);
    const int32_t d = b.choice[r];
    const double m = row_max(th, n), ls = row_log_sum(th, n, m), g_d = g[d];
    for (int64_t j = 0; j < n; ++j) {
      log_p[j] = log_softmax(th[j], m, ls);
      p[j] = exp(log_p[j]);
      gs[j] = th[j] == kNegInf ? 0.0 : g[j] - g_d;
      h[j] = 0;
    }
    double row_sum = 0;
    for (int64_t k = 0; k < c.samples; ++k) {
      row_uniforms(key, r, gr::conditional_slot((uint32_t)k), n, u);
      const double e_d = exponential(u[d]), log_e_d = log(e_d);
      double sum = 0, dot = 0;
      for (int64_t j = 0; j < n; ++j) {
        e[j] = exponential(u[j]);
        w[j] = j == d ? 1.0
               : power > 0 ? weight_power(p[j], e[j], e_d, power)
                           : weight(log_p[j], p[j], e[j], e_d, log_e_d, inv_tau);
        sum += w[j];
        dot += w[j] * gs[j];
      }
      const double cc = 1.0 / sum, c_dot = cc * (dot * cc);
      for (int64_t j = 0; j < n; ++j) {
        const double t = w[j] * (gs[j] * cc - c_dot);
        if (total) {
          const double rj = j == d ? 1.0 : base(p[j], e[j], e_d);
          h[j] += t - rj * t;
          row_sum += rj * t;
        } else {
          h[j] += t;
        }
      }
    }
    for (int64_t j = 0; j < n; ++j) h[j] = total ? (h[j] + p[j] * row_sum) * scale : h[j] * scale;
    if (!store(th, h, out.data() + r * n, n)) return bad(GR_GRAD_OVERFLOW, r);
  }
  return 0;
}

// ST-GS / GS backward (noisy), ST backward, GS forward (upstream null).
int64_t soft(const Case& c, const Batch& b, std::vector<float>& out, bool noisy, bool backward) {
  const int64_t n = c.arity;
  const gr::NoiseKey key = gr::noise_key(c.seed, c.offset, c.first_row);
  const double tau = c.tau;
  std::vector<double> v(n), gs(n);
  for (int64_t r = 0; r < c.rows; ++r) {
    const float* th = b.logits.data() + r * n;
    const float* g = b.upstream.data() + r * n;
    int code = scan_row(th, n);
    if (!code && backward) code = check_upstream(th, g, n);
    if (code) return bad(code, r);
    const double m = row_max(th, n);
    if (noisy) {
      row_uniforms(key, r, gr::kForwardSlot, n, v);
      for (int64_t j = 0; j < n; ++j) v[j] = (th[j] - m) + gumbel(v[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) v[j] = th[j] - m;
    }
    const int top = first_argmax(v, n);
    const double vmax = v[top];
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += (v[j] = exp((v[j] - vmax) / tau));
    for (int64_t j = 0; j < n; ++j) v[j] /= sum;
    if (!backward) {
      for (int64_t j = 0; j < n; ++j) out[r * n + j] = (float)v[j];
      continue;
    }
    const double g_top = g[top];
    double dot = 0;
    for (int64_t j = 0; j < n; ++j) {
      gs[j] = (th[j] == kNegInf ? 0.0 : (double)g[j]) - g_top;
      dot += v[j] * gs[j];
    }
    for (int64_t j = 0; j < n; ++j) gs[j] = v[j] * (gs[j] - dot) / tau;
    if (!store(th, gs, out.data() + r * n, n)) return bad(GR_GRAD_OVERFLOW, r);
  }
  return 0;
}

int64_t reinforce(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t n = c.arity;
  std::vector<double> p(n), o(n);
  for (int64_t r = 0; r < c.rows; ++r) {
    const float* th = b.logits.data() + r * n;
    int code = scan_row(th, n);
    if (!code) code = check_choice(th, n, b.choice[r]);
    if (code) return bad(code, r);
    const int32_t d = b.choice[r];
    const double m = row_max(th, n), ls = row_log_sum(th, n, m);
    double rest = 0;
    for (int64_t j = 0; j < n; ++j) {
      p[j] = exp(log_softmax(th[j], m, ls));
      if (j != d) rest += p[j];
    }
    const double fb = (double)b.losses[r] - (double)kReinforceBaseline;
    for (int64_t j = 0; j < n; ++j) o[j] = fb * (j == d ? rest : -p[j]);
    if (!store(th, o, out.data() + r * n, n)) return bad(GR_GRAD_OVERFLOW, r);
  }
  return 0;
}

// ZGR, ReinMax, GST: the rows of JavaKernels.choiceRows.
int64_t choice_rows(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t n = c.arity;
  const double tau = c.tau;
  std::vector<double> p(n), gs(n), o(n), pi(n);
  for (int64_t r = 0; r < c.rows; ++r) {
    const float* th = b.logits.data() + r * n;
    const float* g = b.upstream.data() + r * n;
    int code = scan_row(th, n);
    if (!code) code = check_choice(th, n, b.choice[r]);
    if (!code) code = check_upstream(th, g, n);
    if (code) return bad(code, r);
    const int32_t d = b.choice[r];
    const double m = row_max(th, n), ls = row_log_sum(th, n, m), g_d = g[d];
    for (int64_t j = 0; j < n; ++j) {
      p[j] = exp(log_softmax(th[j], m, ls));
      gs[j] = th[j] == kNegInf ? 0.0 : g[j] - g_d;
    }
    if (c.op == GR_OP_ZGR_BACKWARD) {
      double dot = 0;
      for (int64_t j = 0; j < n; ++j) dot += p[j] * gs[j];
      for (int64_t j = 0; j < n; ++j) o[j] = 0.5 * (j == d ? -dot : p[j] * gs[j]);
    } else if (c.op == GR_OP_REINMAX_BACKWARD) {
      double z = 0;
      for (int64_t j = 0; j < n; ++j) z += (pi[j] = exp((th[j] - m) / tau));
      double pi_dot = 0, p_dot = 0;
      for (int64_t j = 0; j < n; ++j) {
        pi[j] = 0.5 * (pi[j] / z + (j == d ? 1 : 0));
        pi_dot += pi[j] * gs[j];
        p_dot += p[j] * gs[j];
      }
      for (int64_t j = 0; j < n; ++j)
        o[j] = 2 * (pi[j] * (gs[j] - pi_dot)) - 0.5 * (p[j] * (gs[j] - p_dot));
    } else {  // GST
      const double gap = c.gap > 0 ? c.gap : gst_gap_p(p[d]);
      double z = 0;
      for (int64_t j = 0; j < n; ++j) {
        const double shifted = j == d ? 0.0 : std::min(th[j] - m, -gap);
        z += (o[j] = exp(shifted / tau));
      }
      double dot = 0;
      for (int64_t j = 0; j < n; ++j) {
        o[j] /= z;
        dot += o[j] * gs[j];
      }
      for (int64_t j = 0; j < n; ++j) o[j] = o[j] * (gs[j] - dot) / tau;
    }
    if (!store(th, o, out.data() + r * n, n)) return bad(GR_GRAD_OVERFLOW, r);
  }
  return 0;
}

// IndeCateR: grad_j = p_j (G_j - sum_k p_k G_k), G_k = F_k - F_c, F_k the mean over the draws of
// the table's f_n(k) and c the first index of the row maximum (math.h: the form that keeps a
// peaked row's small gradients and gives a table that ignores the class its exact 0), in long
// double with p = exp(theta - m) / z from the logits directly; masked classes' losses (NaN in the
// harness's tables) are never read.
int64_t indecater(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t n = c.arity, rows = c.rows, S = c.samples;
  std::vector<double> o(n);
  std::vector<long double> F(n), p(n);
  for (int64_t r = 0; r < rows; ++r) {
    const float* th = b.logits.data() + r * n;
    int code = scan_row(th, n);
    for (int64_t s = 0; s < S && !code; ++s)
      for (int64_t j = 0; j < n; ++j)
        if (th[j] != kNegInf && !isfinite(b.draw_losses[(s * rows + r) * n + j]))
          code = GR_LOSSES_NOT_FINITE;
    if (code) return bad(code, r);
    long double m = -INFINITY, z = 0;
    for (int64_t j = 0; j < n; ++j) m = std::max(m, (long double)th[j]);
    for (int64_t j = 0; j < n; ++j) z += th[j] == kNegInf ? 0 : expl((long double)th[j] - m);
    int64_t c = 0;
    while ((long double)th[c] != m) ++c;
    for (int64_t j = 0; j < n; ++j) {
      p[j] = th[j] == kNegInf ? 0 : expl((long double)th[j] - m) / z;
      F[j] = 0;
      if (th[j] == kNegInf) continue;
      for (int64_t s = 0; s < S; ++s) F[j] += b.draw_losses[(s * rows + r) * n + j];
      F[j] /= S;
    }
    long double centre = 0;
    for (int64_t j = 0; j < n; ++j) centre += th[j] == kNegInf ? 0 : p[j] * (F[j] - F[c]);
    for (int64_t j = 0; j < n; ++j)
      o[j] = th[j] == kNegInf ? 0.0 : (double)(p[j] * ((F[j] - F[c]) - centre));
    if (!store(th, o, out.data() + r * n, n)) return bad(GR_GRAD_OVERFLOW, r);
  }
  return 0;
}

int64_t rloo(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t n = c.arity, rows = c.rows, S = c.samples;
  std::vector<double> o(n);
  for (int64_t r = 0; r < rows; ++r) {
    const float* th = b.logits.data() + r * n;
    int code = scan_row(th, n);
    for (int64_t s = 0; s < S && !code; ++s) code = check_choice(th, n, b.draws[s * rows + r]);
    for (int64_t s = 0; s < S && !code; ++s)
      if (!isfinite(b.draw_losses[s * rows + r])) code = GR_LOSSES_NOT_FINITE;
    if (code) return bad(code, r);
    // grad_j = sum over the samples at j of (f_s - F / S) / (S - 1) = (S F_j - n_j F) / (S (S - 1)),
    // F the sum of the row's losses, F_j and n_j those at class j: in long double, without the
    // rounded mean, so that a class holding every sample (F_j = F, the same sum) gets exactly
    // the 0 of the estimator's definition, not the rounding residual of centred losses.
    long double total = 0;
    for (int64_t s = 0; s < S; ++s) total += b.draw_losses[s * rows + r];
    std::fill(o.begin(), o.end(), 0.0);
    for (int64_t j = 0; j < n; ++j) {
      long double at_j = 0;
      int64_t count = 0;
      for (int64_t s = 0; s < S; ++s) {
        if (b.draws[s * rows + r] != j) continue;
        at_j += b.draw_losses[s * rows + r];
        ++count;
      }
      if (count > 0)
        o[j] = (double)(((long double)S * at_j - (long double)count * total) /
                        ((long double)S * (long double)(S - 1)));
    }
    if (!store(th, o, out.data() + r * n, n)) return bad(GR_GRAD_OVERFLOW, r);
  }
  return 0;
}

// ARMS's copula in double (math.h, arms_copula_bit): e_k = max(-log u_k, 1 - u_k) from the forward
// noise of column k, S_minus_k = P_k + Q_k (the prefix e_0 + ... + e_{k-1} and the suffix
// e_{n-1} + ... + e_{k+1}, each summed from 0 in that order, as the kernels do in float), S the
// left-to-right sum; x_k = (n - 1)(log S_minus_k - log S) against log pbar = -(|eta| +
// log1p(e^-|eta|)), and b_k = x_k < log pbar for eta < 0, its negation otherwise. The margin of
// draw k is signed so that b_k = [margin > 0] (but for margin == 0 at eta >= 0, measure zero).
struct CopulaRow {
  std::vector<double> e, s_minus;
  double s = 0, log_pbar = 0;
};
void copula_row(const Case& c, float eta, int64_t r, CopulaRow& row) {
  const int32_t n = c.draws;
  const gr::NoiseKey key = gr::noise_key(c.seed, c.offset, c.first_row);
  row.e.assign(n, 0.0);
  row.s_minus.assign(n, 0.0);
  for (int32_t k = 0; k < n; ++k)
    row.e[k] = exponential(uniform(gr::noise_words(key, (uint32_t)(k / 4), (uint32_t)r, gr::kForwardSlot), k % 4));
  double prefix = 0;
  for (int32_t k = 0; k < n; ++k) {
    double suffix = 0;
    for (int32_t j = n - 1; j > k; --j) suffix += row.e[j];
    row.s_minus[k] = prefix + suffix;
    prefix += row.e[k];
  }
  row.s = prefix;
  const double a = fabs((double)eta);
  row.log_pbar = -(a + log1p(exp(-a)));
}
double copula_margin(const CopulaRow& row, int32_t n, float eta, int32_t k) {
  const double x = (double)(n - 1) * (log(row.s_minus[k]) - log(row.s));
  return eta < 0 ? row.log_pbar - x : x - row.log_pbar;
}

// Binary draws, [draw][row]: n = 1, b = [eta + L > 0]; n = 2, also the antithetic
// b~ = [eta - L > 0]; n >= 3, the copula's.
int64_t binary_sample(const Case& c, const Batch& b, std::vector<int32_t>& d,
                      std::vector<float>& values) {
  const gr::NoiseKey key = gr::noise_key(c.seed, c.offset, c.first_row);
  const int64_t rows = c.rows;
  const int32_t n = c.draws;
  d.assign((size_t)n * rows, -1);
  CopulaRow row;
  for (int64_t r = 0; r < rows; ++r) {
    const float eta = b.logits[r];
    if (eta != eta) return bad(GR_LOGITS_NAN, r);
    if (n >= 3) {
      copula_row(c, eta, r, row);
      for (int32_t k = 0; k < n; ++k) {
        const double x = (double)(n - 1) * (log(row.s_minus[k]) - log(row.s));
        const bool lower = x < row.log_pbar;
        d[k * rows + r] = (eta < 0 ? lower : !lower) ? 1 : 0;
        values[k * rows + r] = (float)d[k * rows + r];
      }
      continue;
    }
    const double u = uniform(gr::noise_words(key, 0, (uint32_t)r, gr::kForwardSlot), 0);
    const double l = log(u) - log(1 - u);
    d[r] = eta + l > 0 ? 1 : 0;
    values[r] = (float)d[r];
    if (n == 2) {
      d[rows + r] = eta - l > 0 ? 1 : 0;
      values[rows + r] = (float)d[rows + r];
    }
  }
  return 0;
}

int64_t zgr_binary(const Case& c, const Batch& b, std::vector<float>& out) {
  for (int64_t r = 0; r < c.rows; ++r) {
    const float eta = b.logits[r];
    const int32_t bb = b.draws[r];
    const float g = b.upstream[r];
    int code = eta != eta ? GR_LOGITS_NAN : check_binary_choice(eta, bb);
    if (!code && !isfinite(g)) code = GR_UPSTREAM_NOT_FINITE;
    if (code) return bad(code, r);
    out[r] = (float)(0.5 * g * sigmoid(bb == 1 ? -(double)eta : (double)eta));
  }
  return 0;
}

int64_t disarm(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t rows = c.rows;
  for (int64_t r = 0; r < rows; ++r) {
    const float eta = b.logits[r];
    const int32_t b0 = b.draws[r], b1 = b.draws[rows + r];
    int code = eta != eta ? GR_LOGITS_NAN : check_binary_choice(eta, b0);
    if (!code) code = check_binary_choice(eta, b1);
    if (!code && !(isfinite(b.draw_losses[r]) && isfinite(b.draw_losses[rows + r])))
      code = GR_LOSSES_NOT_FINITE;
    if (code) return bad(code, r);
    double v = 0;
    if (b0 != b1) {
      const double dd = (0.5 * b.draw_losses[r] - 0.5 * b.draw_losses[rows + r]) * sigmoid(fabs((double)eta));
      v = b1 == 1 ? -dd : dd;
    }
    out[r] = (float)v;
  }
  return 0;
}

// ARMS over n >= 2 draws: the checks in the kernels' order (NaN logit; every draw's b in order;
// then every loss), then D / (n - 1) sum over the b_k = 1 of (f_k - mean f) in double with
// D = sigmoid(|eta|) / (1 - c), r = pbar^(1/(n-1)), c = (2 - 1/r)^(n-1) for r > 1/2 (else 0);
// exactly 0 when every b_k is the same; GR_GRAD_OVERFLOW when the float result is infinite.
int64_t arms(const Case& c, const Batch& b, std::vector<float>& out) {
  const int64_t rows = c.rows;
  const int32_t n = c.draws;
  for (int64_t r = 0; r < rows; ++r) {
    const float eta = b.logits[r];
    int code = eta != eta ? GR_LOGITS_NAN : GR_OK;
    int32_t ones = 0;
    for (int32_t k = 0; k < n && !code; ++k) {
      code = check_binary_choice(eta, b.draws[k * rows + r]);
      ones += b.draws[k * rows + r];
    }
    for (int32_t k = 0; k < n && !code; ++k)
      if (!isfinite(b.draw_losses[k * rows + r])) code = GR_LOSSES_NOT_FINITE;
    if (code) return bad(code, r);
    if (ones == 0 || ones == n) {
      out[r] = 0.0f;
      continue;
    }
    double mean = 0;
    for (int32_t k = 0; k < n; ++k) mean += b.draw_losses[k * rows + r];
    mean /= n;
    double sum = 0;
    for (int32_t k = 0; k < n; ++k)
      if (b.draws[k * rows + r] == 1) sum += b.draw_losses[k * rows + r] - mean;
    const double a = fabs((double)eta), pbar = sigmoid(-a);
    const double root = pow(pbar, 1.0 / (n - 1));
    const double cc = root > 0.5 ? pow(2 - 1 / root, n - 1) : 0.0;
    const double scale = sigmoid(a) / (1 - cc) / (n - 1);
    const float g = (float)(scale * sum);
    if (isinf(g)) return bad(GR_GRAD_OVERFLOW, r);
    out[r] = g;
  }
  return 0;
}

}  // namespace

int64_t run_reference(const Case& c, const Batch& b, std::vector<float>& out,
                      std::vector<int32_t>& d) {
  out.assign(c.out_floats(), 0.0f);
  switch (c.op) {
    case GR_OP_SAMPLE: return sample(c, b, d, out);
    case GR_OP_CONDITIONAL_GUMBEL: return conditional(c, b, out);
    case GR_OP_GUMBEL_RAO_BACKWARD: return gumbel_rao(c, b, out, false);
    case GR_OP_GUMBEL_RAO_TOTAL_BACKWARD: return gumbel_rao(c, b, out, true);
    case GR_OP_GUMBEL_SOFTMAX_FORWARD: return soft(c, b, out, true, false);
    case GR_OP_GUMBEL_SOFTMAX_BACKWARD: return soft(c, b, out, true, true);
    case GR_OP_STRAIGHT_THROUGH_BACKWARD: return soft(c, b, out, false, true);
    case GR_OP_REINFORCE_BACKWARD: return reinforce(c, b, out);
    case GR_OP_ZGR_BACKWARD:
    case GR_OP_REINMAX_BACKWARD:
    case GR_OP_GST_BACKWARD: return choice_rows(c, b, out);
    case GR_OP_RLOO_BACKWARD: return rloo(c, b, out);
    case GR_OP_INDECATER_BACKWARD: return indecater(c, b, out);
    case GR_OP_BINARY_SAMPLE: return binary_sample(c, b, d, out);
    case GR_OP_ZGR_BINARY_BACKWARD: return zgr_binary(c, b, out);
    case GR_OP_DISARM_BACKWARD: return disarm(c, b, out);
    case GR_OP_ARMS_BACKWARD: return arms(c, b, out);
  }
  return -1;
}

// n = 1, 2: eta +- L, a near-tie within 1e-5 max(1, |eta|, |L|) (the kernels form eta +- L in
// float from their own log2). n >= 3: the copula's log pbar - x_k (signed by eta), whose float
// error is bounded by the abs error of each e_k (lg2.approx: 2^-22 in log2, about 1.7e-7 in
// e_k) summed into S_minus_k and S, a relative 1.2e-7 + n 6e-8 of each sum (the e_k's own
// rounding and the additions), 2^-22 of each log2, all times n - 1, plus the error of log2 pbar
// (|eta| 1e-7 + 3e-7): a near-tie is a margin within ten times that bound,
// 1e-5 ((n - 1)(n / S_minus_k + n / S + 2) + |log pbar| + 1) (n = 3, S_minus_k near 2 and
// |eta| < 3: about 1e-4). An infinite margin (eta = +-inf: a certain draw) is never a near-tie.
BinaryMargin reference_binary_margin(const Case& c, const Batch& b, int64_t r, int32_t k) {
  const float eta = b.logits[r];
  const int32_t n = c.draws;
  if (n >= 3) {
    CopulaRow row;
    copula_row(c, eta, r, row);
    const double tol = 1e-5 * ((n - 1) * (n / row.s_minus[k] + n / row.s + 2) +
                               fabs(row.log_pbar) + 1);
    const double m = copula_margin(row, n, eta, k);
    return BinaryMargin{m, isfinite(m) ? tol : 0.0};
  }
  const double u = uniform(gr::noise_words(gr::noise_key(c.seed, c.offset, c.first_row), 0,
                                           (uint32_t)r, gr::kForwardSlot), 0);
  const double l = log(u) - log(1 - u), e = eta, m = k == 0 ? e + l : e - l;
  return BinaryMargin{m, isfinite(m) ? 1e-5 * std::max({1.0, fabs(e), fabs(l)}) : 0.0};
}

double reference_perturbed(const Case& c, const Batch& b, int64_t r, int32_t j) {
  const int64_t n = c.arity;
  const float* th = b.logits.data() + r * n;
  const gr::Words4 w = gr::noise_words(gr::noise_key(c.seed, c.offset, c.first_row), (uint32_t)(j / 4),
                                       (uint32_t)r, gr::kForwardSlot);
  return (th[j] - row_max(th, n)) + gumbel(uniform(w, j % 4));
}
