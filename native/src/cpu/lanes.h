// kLanes 32-bit lanes as one value, with the operations math.h's Philox rounds need. Written with
// GCC vector extensions, so each instruction-set copy of the kernels gets its widest registers
// (one zmm for AVX-512, two ymm for AVX2, four xmm for x86-64); the 32 x 32 -> 64-bit multiply
// is written per instruction set, since compilers widen it to a 64-bit multiply that AVX2 and
// SSE2 lack (and emulate with three multiplies).
#pragma once

#include <stdint.h>
#include <string.h>

// GCC 12 warns inside its own AVX-512 header that the operands of _mm512_mul_epu32 "may be used
// uninitialized" (they are always initialised here): a known false positive of that header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

namespace gr {
namespace cpu {

constexpr int kLanes = 16;

// Arity up to which kernels work on tiles of kLanes rows (or draws) with lanes across them:
// below it a row has fewer than kLanes quads and lanes across its quads would idle.
constexpr int32_t kTileMaxArity = 4 * kLanes - 4;

typedef uint32_t LaneWords __attribute__((vector_size(4 * kLanes)));

typedef float LaneFloats __attribute__((vector_size(4 * kLanes)));

// Transposes kLanes x kLanes floats held as kLanes vectors: afterwards v[i][l] is the old
// v[l][i]. Four butterfly stages of two-input shuffles (exchanging blocks of 8, 4, 2, 1 lanes),
// 64 shuffles for 256 floats, instead of 256 scalar loads and stores.
inline void transpose_lanes(LaneFloats* v) {
  static_assert(kLanes == 16, "the shuffle patterns are written for 16 lanes");
  for (int i = 0; i < 8; ++i) {
    const LaneFloats x = v[i], y = v[i + 8];
    v[i] = __builtin_shufflevector(x, y, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    v[i + 8] =
        __builtin_shufflevector(x, y, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  }
  for (int i = 0; i < 16; ++i) {
    if (i & 4) continue;
    const LaneFloats x = v[i], y = v[i + 4];
    v[i] = __builtin_shufflevector(x, y, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    v[i + 4] =
        __builtin_shufflevector(x, y, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
  }
  for (int i = 0; i < 16; ++i) {
    if (i & 2) continue;
    const LaneFloats x = v[i], y = v[i + 2];
    v[i] = __builtin_shufflevector(x, y, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
    v[i + 2] =
        __builtin_shufflevector(x, y, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
  }
  for (int i = 0; i < 16; i += 2) {
    const LaneFloats x = v[i], y = v[i + 1];
    v[i] = __builtin_shufflevector(x, y, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
    v[i + 1] =
        __builtin_shufflevector(x, y, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
  }
}

// A wrapper, so that argument-dependent lookup finds mulhilo below from math.h's template.
struct Lanes {
  LaneWords v;
};

inline Lanes operator^(Lanes a, Lanes b) { return Lanes{a.v ^ b.v}; }
inline Lanes operator^(Lanes a, uint32_t b) { return Lanes{a.v ^ b}; }

// hi:lo = m * a per lane: the even lanes and the odd lanes (shifted down) are multiplied as
// unsigned 32 x 32 -> 64-bit products (pmuludq, which reads the low dword of each qword), then
// the halves are interleaved back.
inline void mulhilo(uint32_t m, Lanes a, Lanes& hi, Lanes& lo) {
#if defined(__AVX512F__)
  __m512i av, mv;
  const LaneWords mw = LaneWords{} + m;
  memcpy(&av, &a.v, sizeof av);
  memcpy(&mv, &mw, sizeof mv);
  const __m512i even = _mm512_mul_epu32(av, mv);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(av, 32), mv);
  const __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
  const __m512i l = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  memcpy(&hi.v, &h, sizeof h);
  memcpy(&lo.v, &l, sizeof l);
#elif defined(__AVX2__)
  __m256i av[2], h[2], l[2];
  memcpy(av, &a.v, sizeof av);
  const __m256i mv = _mm256_set1_epi32((int)m);
  for (int i = 0; i < 2; ++i) {
    const __m256i even = _mm256_mul_epu32(av[i], mv);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(av[i], 32), mv);
    h[i] = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    l[i] = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  }
  memcpy(&hi.v, h, sizeof h);
  memcpy(&lo.v, l, sizeof l);
#else  // SSE2, the x86-64 baseline: no dword blend, so the halves are recombined by shuffles
  __m128i av[4], h[4], l[4];
  memcpy(av, &a.v, sizeof av);
  const __m128i mv = _mm_set1_epi32((int)m);
  for (int i = 0; i < 4; ++i) {
    const __m128i even = _mm_mul_epu32(av[i], mv);                         // lanes 0, 2
    const __m128i odd = _mm_mul_epu32(_mm_srli_epi64(av[i], 32), mv);      // lanes 1, 3
    // (lo0, hi0, lo2, hi2) and (lo1, hi1, lo3, hi3) -> (lo0, lo1, lo2, lo3), (hi0, ..., hi3)
    const __m128i e = _mm_shuffle_epi32(even, _MM_SHUFFLE(3, 1, 2, 0));   // lo0 lo2 hi0 hi2
    const __m128i o = _mm_shuffle_epi32(odd, _MM_SHUFFLE(3, 1, 2, 0));    // lo1 lo3 hi1 hi3
    l[i] = _mm_unpacklo_epi32(e, o);
    h[i] = _mm_unpackhi_epi32(e, o);
  }
  memcpy(&hi.v, h, sizeof h);
  memcpy(&lo.v, l, sizeof l);
#endif
}

inline Lanes broadcast(uint32_t x) { return Lanes{LaneWords{} + x}; }

// {first, first + 1, ..., first + kLanes - 1}
inline Lanes iota(uint32_t first) {
  const LaneWords steps = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return Lanes{steps + first};
}

}  // namespace cpu
}  // namespace gr
