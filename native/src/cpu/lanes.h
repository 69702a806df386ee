// kLanes 32-bit lanes as one value, with the operations math.h's Philox rounds need, written
// with GCC vector extensions so that each instruction-set copy of kernels.cpp gets its own widest
// registers (one zmm for AVX-512, two ymm for AVX2, four xmm for x86-64).
#pragma once

#include <stdint.h>

namespace gr {
namespace cpu {

constexpr int kLanes = 16;

// Arity up to which kernels work on tiles of kLanes rows (or draws) with lanes across them:
// below it a row has fewer than kLanes quads and lanes across its quads would idle.
constexpr int32_t kTileMaxArity = 4 * kLanes - 4;

typedef uint32_t LaneWords __attribute__((vector_size(4 * kLanes)));
typedef uint64_t LanePairs __attribute__((vector_size(4 * kLanes)));
typedef float LaneFloats __attribute__((vector_size(4 * kLanes)));

// A wrapper, so that argument-dependent lookup finds mulhilo below from math.h's template.
struct Lanes {
  LaneWords v;
};

inline Lanes operator^(Lanes a, Lanes b) { return Lanes{a.v ^ b.v}; }
inline Lanes operator^(Lanes a, uint32_t b) { return Lanes{a.v ^ b}; }

// hi:lo = m * a per lane. The even and odd lanes are multiplied as zero-extended 64-bit pairs
// (one unsigned 32 x 32 -> 64 multiply each, vpmuludq on x86), then the halves are interleaved
// back: cheaper than widening every lane to 64 bits and multiplying in 64 bits.
inline void mulhilo(uint32_t m, Lanes a, Lanes& hi, Lanes& lo) {
  const LanePairs pairs = (LanePairs)a.v;
  const LanePairs even = (pairs & 0xFFFFFFFFull) * (uint64_t)m;
  const LanePairs odd = (pairs >> 32) * (uint64_t)m;
  const LaneWords e = (LaneWords)even, o = (LaneWords)odd;
  // lane 2i: (e[2i], hi e[2i+1]); lane 2i+1: (o[2i], hi o[2i+1])
  hi.v = __builtin_shufflevector(e, o, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
  lo.v = __builtin_shufflevector(e, o, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
}

inline Lanes broadcast(uint32_t x) { return Lanes{LaneWords{} + x}; }

// {first, first + 1, ..., first + kLanes - 1}
inline Lanes iota(uint32_t first) {
  const LaneWords steps = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return Lanes{steps + first};
}

}  // namespace cpu
}  // namespace gr
