// The CPU backend's outputs on fixed inputs, for comparing builds and machines: `write FILE`
// runs every operation on a grid of shapes, K and temperatures (masked classes included) on the
// instruction set that is active (or the one named by GR_CHECK_ISA) and writes every output;
// `compare EXPECTED ACTUAL` checks two such files against the library's contract:
//   Philox words, uniforms and sampled D bit-identical (the noise contract);
//   gradients and soft outputs per row within rtol(tau) of the row's largest value, the
//   tolerance of BackendAgreementTest (1e-5, widened as 0.1 / tau below tau = 0.1);
//   conditional noise within 2e-5 + 1e-6 |G| per element.
// It is how the linux-arm64 natives are checked under qemu against the x86-64 ones (CI, see
// native/cross/check-arm64.sh), and how a kernel change is checked against the build before it.
// Inputs come from integer arithmetic only, so every machine feeds the kernels the same floats.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "gumbel_rao/operations.h"

// Weak, so that this program also links against builds from before the function existed (their
// uniform records are left empty, and compare skips records that one side left empty).
extern "C" void gr_cpu_uniforms(uint64_t, uint32_t, int64_t, uint32_t, int32_t, float*)
    __attribute__((weak));

namespace {

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Logits in [-scale, scale] on a grid of 1/256 steps (exact floats); a class is masked (-inf)
// with probability mask_per_mille / 1000, keeping one finite logit per row.
std::vector<float> logits(uint64_t seed, int64_t rows, int32_t n, float scale, int mask_per_mille) {
  std::vector<float> th((size_t)(rows * n));
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t keep = (int32_t)(splitmix(seed) % (uint64_t)n);
    for (int32_t j = 0; j < n; ++j) {
      const uint64_t x = splitmix(seed);
      const bool masked = j != keep && (int)(x % 1000) < mask_per_mille;
      th[(size_t)(r * n + j)] =
          masked ? -INFINITY : scale * (float)((int64_t)((x >> 10) % 513) - 256) / 256.0f;
    }
  }
  return th;
}

std::vector<float> upstream(uint64_t seed, size_t count) {
  std::vector<float> g(count);
  for (size_t i = 0; i < count; ++i) g[i] = (float)((int64_t)(splitmix(seed) % 2049) - 1024) / 512.0f;
  return g;
}

// A record: kind (0 exact words, 1 rows of values at a temperature, 2 noise), name, shape.
struct Record {
  int32_t kind;
  std::string name;
  int64_t rows;
  int32_t arity;
  float tau;
  std::vector<uint32_t> data;  // floats as their bits
};

template <class T>
std::vector<uint32_t> bits(const std::vector<T>& v) {
  std::vector<uint32_t> out(v.size());
  memcpy(out.data(), v.data(), v.size() * sizeof(uint32_t));
  return out;
}

void check_status(int64_t status, const std::string& what) {
  if (status != 0) {
    fprintf(stderr, "%s: status code %lld at row %lld\n", what.c_str(),
            (long long)gr_status_code(status), (long long)gr_status_row(status));
    exit(1);
  }
}

std::vector<Record> run_all() {
  std::vector<Record> out;
  const uint64_t seed = 0x5EEDC0FFEEull;
  // Philox words and the uniforms of the active kernels' lane vectors.
  {
    std::vector<uint32_t> words;
    for (uint32_t i = 0; i < 4096; ++i) {
      int32_t w[4];
      gr_cpu_philox(seed + i, i * 7u, i * 13u, i % 5u, i * 31u, w);
      for (int q = 0; q < 4; ++q) words.push_back((uint32_t)w[q]);
    }
    out.push_back({0, "philox", 4096, 4, 0.0f, words});
    for (int32_t n : {1, 3, 16, 61, 64, 1000}) {
      std::vector<float> u;
      for (uint32_t slot = 0; slot < 20 && gr_cpu_uniforms; ++slot) {
        std::vector<float> row((size_t)n);
        gr_cpu_uniforms(seed, 77u, (int64_t)slot * 3, slot, n, row.data());
        u.insert(u.end(), row.begin(), row.end());
      }
      out.push_back({0, "uniforms n=" + std::to_string(n), 20, n, 0.0f, bits(u)});
    }
  }
  struct Shape {
    int64_t rows;
    int32_t arity;
    float scale;
    int mask;
  };
  const Shape shapes[] = {{300, 1, 1, 0},    {777, 2, 1, 0},   {500, 3, 4, 0},   {400, 5, 1, 300},
                          {333, 8, 1, 0},    {260, 16, 1, 200}, {129, 17, 2, 0},  {100, 19, 1, 100},
                          {64, 31, 8, 0},    {70, 33, 0.25f, 0}, {40, 64, 1, 0},  {24, 100, 1, 500},
                          {9, 129, 1, 0},    {4, 1024, 1, 0},  {3, 2047, 1, 50}};
  const int32_t ks[] = {1, 3, 10, 16, 17, 100};
  const float taus[] = {1.0f, 0.5f, 1.0f / 3, 0.25f, 0.3f, 0.7f, 0.1f, 0.01f, 2.0f, 10.0f};
  uint32_t offset = 1;
  for (const Shape& s : shapes) {
    const int64_t rows = s.rows;
    const int32_t n = s.arity;
    const size_t count = (size_t)(rows * n);
    const std::string where = " rows=" + std::to_string(rows) + " n=" + std::to_string(n);
    const std::vector<float> th = logits(seed ^ (uint64_t)(rows * 131 + n), rows, n, s.scale, s.mask);
    const std::vector<float> g = upstream(seed + (uint64_t)n, count);
    std::vector<int32_t> d((size_t)rows);
    std::vector<float> one_hot(count), y(count);
    check_status(gr_sample(nullptr, th.data(), rows, n, seed, offset, 0, d.data(), one_hot.data()),
                 "sample" + where);
    out.push_back({0, "sample D" + where, rows, 1, 0.0f, bits(d)});
    out.push_back({0, "sample one-hot" + where, rows, n, 0.0f, bits(one_hot)});
    for (int32_t k : ks) {
      for (float tau : taus) {
        // the full temperature grid at a few K, a few temperatures at the others
        if (k != 10 && k != 17 && tau != 0.5f && tau != 0.3f && tau != 0.01f) continue;
        check_status(gr_gumbel_rao_backward(nullptr, th.data(), d.data(), g.data(), rows, n, k, tau,
                                                seed, offset + (uint32_t)k, 0, y.data()),
                     "gumbel-rao" + where);
        out.push_back({1, "gumbel-rao K=" + std::to_string(k) + where, rows, n, tau, bits(y)});
      }
      const int32_t kn = (int32_t)(k * count > 200000 ? 1 + 200000 / count : k);
      std::vector<float> noise((size_t)kn * count);
      check_status(gr_conditional_gumbel(nullptr, th.data(), d.data(), rows, n, kn, seed, offset, 0,
                                             noise.data()),
                   "conditional" + where);
      out.push_back({2, "conditional K=" + std::to_string(kn) + where, rows * kn, n, 0.0f,
                     bits(noise)});
    }
    for (float tau : {0.5f, 0.3f, 0.05f, 3.0f}) {
      const std::string t = " tau=" + std::to_string(tau) + where;
      check_status(gr_gumbel_softmax_forward(nullptr, th.data(), rows, n, tau, seed, offset, 0, y.data()),
                   "gs forward" + t);
      out.push_back({1, "gumbel-softmax forward" + where, rows, n, tau, bits(y)});
      check_status(gr_gumbel_softmax_backward(nullptr, th.data(), g.data(), rows, n, tau, seed, offset, 0,
                                                  y.data()),
                   "gs backward" + t);
      out.push_back({1, "gumbel-softmax backward" + where, rows, n, tau, bits(y)});
      check_status(gr_straight_through_backward(nullptr, th.data(), g.data(), rows, n, tau, y.data()),
                   "st backward" + t);
      out.push_back({1, "straight-through backward" + where, rows, n, tau, bits(y)});
    }
    std::vector<float> losses = upstream(seed * 3 + (uint64_t)n, (size_t)rows);
    check_status(gr_reinforce_backward(nullptr, th.data(), d.data(), losses.data(), rows, n,
                                       0.25f, y.data()),
                 "reinforce" + where);
    out.push_back({1, "reinforce" + where, rows, n, 1.0f, bits(y)});
    // The successor estimators: GR with the total derivative, the choice-gradient family, RLOO
    // on S draws of other offsets, and on one-logit rows the binary estimators.
    for (int32_t k : {1, 10, 17}) {
      for (float tau : {0.5f, 0.3f, 0.01f}) {
        check_status(gr_gumbel_rao_total_backward(nullptr, th.data(), d.data(), g.data(), rows, n, k,
                                                      tau, seed, offset + (uint32_t)k, 0, y.data()),
                     "gumbel-rao total" + where);
        out.push_back({1, "gumbel-rao total K=" + std::to_string(k) + where, rows, n, tau,
                       bits(y)});
      }
    }
    check_status(gr_zgr_backward(nullptr, th.data(), d.data(), g.data(), rows, n, y.data()),
                 "zgr" + where);
    out.push_back({1, "zgr" + where, rows, n, 1.0f, bits(y)});
    for (float tau : {0.5f, 0.1f, 2.0f}) {
      check_status(gr_reinmax_backward(nullptr, th.data(), d.data(), g.data(), rows, n, tau, y.data()),
                   "reinmax" + where);
      out.push_back({1, "reinmax" + where, rows, n, tau, bits(y)});
      for (float gap : {1.0f, 0.0f}) {
        check_status(gr_gst_backward(nullptr, th.data(), d.data(), g.data(), rows, n, tau, gap,
                                         y.data()),
                     "gst" + where);
        out.push_back({1, std::string(gap > 0 ? "gst-1.0" : "gst-p") + where, rows, n, tau,
                       bits(y)});
      }
    }
    for (int32_t samples : {2, 5}) {
      std::vector<int32_t> ds((size_t)(samples * rows));
      for (int32_t i = 0; i < samples; ++i)
        check_status(gr_sample(nullptr, th.data(), rows, n, seed + 1, offset + 100u * (uint32_t)i, 0,
                                   ds.data() + i * rows, nullptr),
                     "rloo draws" + where);
      const std::vector<float> fs = upstream(seed * 5 + (uint64_t)n, (size_t)(samples * rows));
      check_status(gr_rloo_backward(nullptr, th.data(), ds.data(), fs.data(), rows, n, samples,
                                        y.data()),
                   "rloo" + where);
      out.push_back({1, "rloo S=" + std::to_string(samples) + where, rows, n, 1.0f, bits(y)});
    }
    if (n == 1) {
      std::vector<int32_t> b((size_t)(2 * rows));
      std::vector<float> values((size_t)(2 * rows)), bg((size_t)rows);
      check_status(gr_binary_sample(nullptr, th.data(), rows, 2, seed, offset, 0, b.data(), values.data()),
                   "binary sample" + where);
      out.push_back({0, "binary sample b, b~" + where, 2 * rows, 1, 0.0f, bits(b)});
      check_status(gr_zgr_binary_backward(nullptr, th.data(), b.data(), g.data(), rows, bg.data()),
                   "zgr binary" + where);
      out.push_back({1, "zgr binary" + where, rows, 1, 1.0f, bits(bg)});
      const std::vector<float> fs = upstream(seed * 7, (size_t)(2 * rows));
      check_status(gr_disarm_backward(nullptr, th.data(), b.data(), fs.data(), rows, bg.data()),
                   "disarm" + where);
      out.push_back({1, "disarm" + where, rows, 1, 1.0f, bits(bg)});
      for (int32_t draws : {3, 5}) {  // ARMS: the copula's draws and their gradient
        const std::string at = " n=" + std::to_string(draws) + where;
        std::vector<int32_t> bn((size_t)(draws * rows));
        check_status(gr_binary_sample(nullptr, th.data(), rows, draws, seed, offset, 0, bn.data(),
                                      nullptr),
                     "copula sample" + at);
        out.push_back({0, "copula sample" + at, draws * rows, 1, 0.0f, bits(bn)});
        const std::vector<float> fn = upstream(seed * 11 + (uint64_t)draws, (size_t)(draws * rows));
        check_status(gr_arms_backward(nullptr, th.data(), bn.data(), fn.data(), rows, draws, bg.data()),
                     "arms" + at);
        out.push_back({1, "arms" + at, rows, 1, 1.0f, bits(bg)});
      }
    }
    ++offset;
  }
  return out;
}

void write_records(const char* path, const std::vector<Record>& records) {
  FILE* f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  const uint32_t count = (uint32_t)records.size();
  fwrite(&count, sizeof count, 1, f);
  for (const Record& r : records) {
    const uint32_t len = (uint32_t)r.name.size();
    const uint64_t size = r.data.size();
    fwrite(&r.kind, sizeof r.kind, 1, f);
    fwrite(&len, sizeof len, 1, f);
    fwrite(r.name.data(), 1, len, f);
    fwrite(&r.rows, sizeof r.rows, 1, f);
    fwrite(&r.arity, sizeof r.arity, 1, f);
    fwrite(&r.tau, sizeof r.tau, 1, f);
    fwrite(&size, sizeof size, 1, f);
    fwrite(r.data.data(), sizeof(uint32_t), size, f);
  }
  fclose(f);
}

std::vector<Record> read_records(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  auto get = [&](void* p, size_t n) {
    if (fread(p, 1, n, f) != n) {
      fprintf(stderr, "%s: truncated\n", path);
      exit(1);
    }
  };
  uint32_t count;
  get(&count, sizeof count);
  std::vector<Record> out(count);
  for (Record& r : out) {
    uint32_t len;
    uint64_t size;
    get(&r.kind, sizeof r.kind);
    get(&len, sizeof len);
    r.name.resize(len);
    get(&r.name[0], len);
    get(&r.rows, sizeof r.rows);
    get(&r.arity, sizeof r.arity);
    get(&r.tau, sizeof r.tau);
    get(&size, sizeof size);
    r.data.resize(size);
    get(r.data.data(), size * sizeof(uint32_t));
  }
  fclose(f);
  return out;
}

float as_float(uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

// Returns the number of failed records; prints each, and the worst relative row difference of
// the value records.
int compare(const std::vector<Record>& expected, const std::vector<Record>& actual) {
  if (expected.size() != actual.size()) {
    fprintf(stderr, "record counts differ: %zu vs %zu\n", expected.size(), actual.size());
    return 1;
  }
  int failed = 0;
  double worst_value = 0.0, worst_noise = 0.0;
  std::string worst_name;
  size_t exact_words = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const Record &e = expected[i], &a = actual[i];
    if (e.name == a.name && (e.data.empty() || a.data.empty())) continue;
    if (e.name != a.name || e.data.size() != a.data.size() || e.kind != a.kind) {
      fprintf(stderr, "record %zu: '%s' vs '%s'\n", i, e.name.c_str(), a.name.c_str());
      return failed + 1;
    }
    if (e.kind == 0) {
      exact_words += e.data.size();
      for (size_t x = 0; x < e.data.size(); ++x) {
        if (e.data[x] != a.data[x]) {
          fprintf(stderr, "%s: element %zu differs (0x%08x vs 0x%08x): must be bit-identical\n",
                  e.name.c_str(), x, e.data[x], a.data[x]);
          ++failed;
          break;
        }
      }
    } else if (e.kind == 1) {
      // ReinMax is 2 J(pi) g - J(p) g / 2: each product is rounded to rtol of itself, and the
      // two can be a few times their difference.
      const double rtol = 1e-5 * (e.tau < 0.1f ? 0.1 / e.tau : 1.0) *
                          (e.name.compare(0, 7, "reinmax") == 0 ? 4.0 : 1.0);
      // GR's total derivative, (1 - p_i) h_i - p_i sum_{j != i} h_j, sums terms of the size of
      // the detached gradient's (the same draws' t_j, times 1 - r_j) and may cancel far below
      // them: its rows are held to rtol of the detached row of the same K and tau, when larger.
      const Record* scale_of = nullptr;
      const std::string total = "gumbel-rao total ";
      if (e.name.compare(0, total.size(), total) == 0) {
        const std::string detached = "gumbel-rao " + e.name.substr(total.size());
        for (const Record& o : expected)
          if (o.name == detached && o.tau == e.tau && o.data.size() == e.data.size()) scale_of = &o;
      }
      for (int64_t r = 0; r < e.rows; ++r) {
        double max_ref = 0.0, max_diff = 0.0;
        for (int32_t j = 0; j < e.arity; ++j) {
          const double x = as_float(e.data[(size_t)(r * e.arity + j)]);
          const double y = as_float(a.data[(size_t)(r * e.arity + j)]);
          max_ref = fmax(max_ref, fabs(x));
          if (scale_of)
            max_ref = fmax(max_ref, fabs(as_float(scale_of->data[(size_t)(r * e.arity + j)])));
          max_diff = (x == y || fabs(x - y) <= max_diff) ? max_diff : fabs(x - y);
          if (!isfinite(y)) max_diff = INFINITY;
        }
        const double rel = max_diff / (rtol * max_ref + 1e-30);
        if (rel > worst_value) {
          worst_value = rel;
          worst_name = e.name + " tau=" + std::to_string(e.tau);
        }
        if (!(max_diff <= rtol * max_ref + 1e-30)) {
          fprintf(stderr, "%s tau=%g: row %lld differs by %.3g (row max %.3g, rtol %.1g)\n",
                  e.name.c_str(), e.tau, (long long)r, max_diff, max_ref, rtol);
          ++failed;
          break;
        }
      }
    } else {
      for (size_t x = 0; x < e.data.size(); ++x) {
        const double g = as_float(e.data[x]), h = as_float(a.data[x]);
        const double diff = fabs(g - h), tol = 2e-5 + 1e-6 * fabs(g);
        worst_noise = fmax(worst_noise, diff / tol);
        if (!(diff <= tol)) {
          fprintf(stderr, "%s: element %zu: %.9g vs %.9g\n", e.name.c_str(), x, g, h);
          ++failed;
          break;
        }
      }
    }
  }
  printf("compared %zu records: %zu words bit-identical where required; worst value row at "
         "%.3f of its tolerance (%s); worst noise element at %.3f of its tolerance; %d failed\n",
         expected.size(), exact_words, worst_value, worst_name.c_str(), worst_noise, failed);
  return failed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "write") == 0) {
    const char* isa = getenv("GR_CHECK_ISA");
    if (isa && *isa && gr_cpu_set_isa(isa) != 0) {
      fprintf(stderr, "GR_CHECK_ISA=%s: not available on this CPU\n", isa);
      return 2;
    }
    const std::vector<Record> records = run_all();
    write_records(argv[2], records);
    printf("%s: %zu records from the %s kernels\n", argv[2], records.size(), gr_cpu_isa());
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "compare") == 0)
    return compare(read_records(argv[2]), read_records(argv[3])) == 0 ? 0 : 1;
  fprintf(stderr, "usage: %s write FILE | compare EXPECTED ACTUAL\n", argv[0]);
  return 2;
}
