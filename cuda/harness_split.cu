// --split: the data-parallel contract of the noise's row base (math.h, the counter layout). Every
// operation of the table, on the CPU and on CUDA through host staging, called once on a whole
// batch and then on the same batch split into 1, 2, 3 and 7 uneven chunks, each chunk's call
// given its rows of every array and first_row = the whole call's first_row + the chunk's first
// row: every output must equal the whole call's rows bit for bit. Arrays are sliced from their
// descriptions (gr_operation_info: [lead][rows][width], width arity or 1), so an operation added
// to native/operations.txt is covered with no edit here.
#include <cuda_runtime.h>
#include <string.h>

#include <string>
#include <vector>

#include "gumbel_rao/gumbel_rao.h"
#include "gumbel_rao/operations.h"
#include "harness.h"

namespace {

constexpr int64_t kRows = 37;

// The layout of array parameter p of a call: lead x rows x width elements.
struct Layout {
  int64_t lead, width;
};
Layout layout_of(Op op, const gr_array_parameter& p, const gr_arguments& a) {
  const int64_t width = !is_binary(op) && strstr(p.length, "arity") ? a.arity : 1;
  const int64_t total = gr_array_length(op, p.array, &a);
  return Layout{total / (a.rows * width), width};
}

size_t element_bytes(const gr_array_parameter& p) {
  return p.type == GR_FLOAT32 ? sizeof(float) : sizeof(int32_t);
}

// Rows [r0, r1) of a [lead][rows][width] array, as bytes.
std::vector<unsigned char> slice(const void* base, size_t bytes, Layout l, int64_t rows,
                                 int64_t r0, int64_t r1) {
  const size_t row_bytes = (size_t)l.width * bytes;
  std::vector<unsigned char> out((size_t)l.lead * (r1 - r0) * row_bytes);
  for (int64_t s = 0; s < l.lead; ++s) {
    memcpy(out.data() + (size_t)s * (r1 - r0) * row_bytes,
           (const unsigned char*)base + ((size_t)s * rows + r0) * row_bytes,
           (size_t)(r1 - r0) * row_bytes);
  }
  return out;
}

// Chunk boundaries in proportion 1 : 2 : ... : n.
std::vector<int64_t> boundaries(int64_t rows, int64_t n) {
  std::vector<int64_t> b(n + 1, 0);
  int64_t acc = 0;
  for (int64_t i = 1; i <= n; ++i) {
    acc += i;
    b[i] = rows * acc / (n * (n + 1) / 2);
  }
  return b;
}

void split_case(Case c, const gr_place* place, const char* where) {
  c.rows = kRows;
  Result r;
  r.name = std::string("split_") + where + "_" + c.name() + "_base" + std::to_string(c.first_row);
  r.op = op_name(c.op);
  r.rows = c.rows;
  r.arity = c.arity;
  r.samples = c.samples;
  r.tau = c.tau;
  r.max_err = 0.0;
  if (!selected(r.name)) return;
  const Batch b = make_case_batch(c);
  std::vector<float> out(c.out_floats());
  std::vector<int32_t> d(c.out_choices());
  const gr_arguments whole =
      case_arguments(c, b.logits.data(), b.upstream.data(), b.losses.data(), b.choice.data(),
                     b.draws.data(), b.draw_losses.data(), out.data(), d.data());
  const int64_t st = gr_invoke(c.op, place, &whole);
  if (st != 0) {
    r.ok = false;
    r.note = "the whole batch's call failed: status " + std::to_string((long long)st);
    report(r);
    return;
  }
  const gr_operation_info& info_ = info(c.op);
  for (int64_t n : {1, 2, 3, 7}) {
    const std::vector<int64_t> bounds = boundaries(c.rows, n);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r0 = bounds[i], r1 = bounds[i + 1];
      gr_arguments part = whole;
      part.rows = r1 - r0;
      part.first_row = whole.first_row + (uint32_t)r0;
      std::vector<std::vector<unsigned char>> arrays(info_.array_count);
      for (int32_t k = 0; k < info_.array_count; ++k) {
        const gr_array_parameter& p = info_.arrays[k];
        if (!whole.arrays[p.array]) continue;  // an optional output not asked for
        const Layout l = layout_of(c.op, p, whole);
        arrays[k] = p.role == GR_PARAMETER_INPUT
                        ? slice(whole.arrays[p.array], element_bytes(p), l, c.rows, r0, r1)
                        : std::vector<unsigned char>((size_t)l.lead * (r1 - r0) * l.width *
                                                     element_bytes(p), 0xA5);
        part.arrays[p.array] = arrays[k].data();
      }
      const int64_t ps = gr_invoke(c.op, place, &part);
      if (ps != 0) {
        r.ok = false;
        r.note = "chunk " + std::to_string((long long)r0) + ".." + std::to_string((long long)r1) +
                 " of " + std::to_string((long long)n) + " failed: status " +
                 std::to_string((long long)ps);
        report(r);
        return;
      }
      for (int32_t k = 0; k < info_.array_count; ++k) {
        const gr_array_parameter& p = info_.arrays[k];
        if (p.role == GR_PARAMETER_INPUT || !whole.arrays[p.array]) continue;
        const std::vector<unsigned char> expected = slice(
            whole.arrays[p.array], element_bytes(p), layout_of(c.op, p, whole), c.rows, r0, r1);
        if (expected != arrays[k]) {
          ++r.mismatches;
          if (r.ok) {
            r.note = std::string(p.length) + " output differs from the whole batch's in chunk " +
                     std::to_string((long long)r0) + ".." + std::to_string((long long)r1 - 1) +
                     " of " + std::to_string((long long)n);
          }
          r.ok = false;
        }
      }
    }
  }
  report(r);
}

// One case of every operation (both arities for the categorical ones), with what it takes.
std::vector<Case> cases() {
  std::vector<Case> out;
  for (int32_t o = 0; o < GR_OPERATION_COUNT; ++o) {
    const Op op = (Op)o;
    const gr_operation_info& i = info(op);
    for (int32_t arity : {5, 33}) {
      if (is_binary(op) && arity != 5) continue;
      Case c{op, kRows, is_binary(op) ? 1 : arity};
      if (i.samples) c.samples = 3;
      if (i.has_tau) c.tau = 0.5f;
      if (i.has_draws) c.draws = 3;  // binary_sample's copula, ARMS's n (>= 2)
      c.one_hot = op == GR_OP_SAMPLE;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void split_sweep() {
  printf("\n== split: every operation on chunks of a batch (first_row) equals the whole batch\n");
  const gr_place staged{GR_ON_CUDA_STAGED, g_opt.device, nullptr, nullptr};
  for (uint32_t base : {0u, 0xFFFFFFFFu - 999u}) {
    for (Case c : cases()) {
      c.first_row = base;
      split_case(c, nullptr, "cpu");
      split_case(c, &staged, "cuda");
    }
  }
}
