// kLanes 32-bit lanes as one value, with the operations math.h's Philox rounds need. Written with
// GCC vector extensions; the lane count is that of ONE register of the instruction set each copy
// of the kernels is compiled for (16 for AVX-512's zmm, 8 for AVX2's ymm, 4 for the x86-64
// baseline's xmm and for arm64's NEON q registers). A wider vector than the registers (16 lanes
// as two ymm on AVX2, as before) doubles the live registers of every hot loop and made the AVX2
// copy spill: 2142 of its 8130 ymm instructions loaded or stored the stack (native/NOTES.md #14).
// The 32 x 32 -> 64-bit multiply is written per instruction set, since compilers widen it to a
// 64-bit multiply that AVX2, SSE2 and NEON lack (and emulate with three multiplies).
#pragma once

#include <stdint.h>
#include <string.h>

#include <utility>

#include "gumbel_rao/math.h"

#if defined(__x86_64__) || defined(__i386__)
// GCC 12 warns inside its own AVX-512 header that the operands of _mm512_mul_epu32 "may be used
// uninitialized" (they are always initialised here): a known false positive of that header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#else
#error "the CPU kernels need x86-64 or arm64 (NEON)"
#endif

// Every definition here differs between instruction-set copies (the lane count, the multiply),
// so each copy gets its own namespace, as for rows.h: one name, one definition.
#ifndef GR_ISA_NS
#error "GR_ISA_NS must name the instruction-set namespace of this translation unit"
#endif

namespace gr::cpu::GR_ISA_NS {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX2__)
constexpr int kLanes = 8;
#else  // SSE2 or NEON: 128-bit registers
constexpr int kLanes = 4;
#endif

typedef uint32_t LaneWords __attribute__((vector_size(4 * kLanes)));

typedef float LaneFloats __attribute__((vector_size(4 * kLanes)));

// Output lane i of the transpose stage that exchanges blocks of B lanes between x (indices
// 0 .. kLanes-1) and y (kLanes .. 2 kLanes-1): the low (Hi = false) or high half of each pair of
// blocks, x's block first.
template <int B, bool Hi>
constexpr int butterfly_index(int i) {
  return (i / B % 2 ? kLanes : 0) + i / (2 * B) * 2 * B + (Hi ? B : 0) + i % B;
}
template <int B, bool Hi, int... I>
GR_HD LaneFloats butterfly(LaneFloats x, LaneFloats y, std::integer_sequence<int, I...>) {
  return __builtin_shufflevector(x, y, butterfly_index<B, Hi>(I)...);
}
template <int B>
GR_HD void transpose_stage(LaneFloats* v) {
  for (int i = 0; i < kLanes; ++i) {
    if (i & B) continue;
    const LaneFloats x = v[i], y = v[i + B];
    v[i] = butterfly<B, false>(x, y, std::make_integer_sequence<int, kLanes>{});
    v[i + B] = butterfly<B, true>(x, y, std::make_integer_sequence<int, kLanes>{});
  }
  if constexpr (B > 1) transpose_stage<B / 2>(v);
}

// Transposes kLanes x kLanes floats held as kLanes vectors: afterwards v[i][l] is the old
// v[l][i]. log2(kLanes) butterfly stages of two-input shuffles (exchanging blocks of kLanes / 2,
// ..., 2, 1 lanes), kLanes log2(kLanes) shuffles instead of kLanes^2 scalar loads and stores.
GR_HD void transpose_lanes(LaneFloats* v) { transpose_stage<kLanes / 2>(v); }

// A wrapper, so that argument-dependent lookup finds mulhilo below from math.h's template.
struct Lanes {
  LaneWords v;
};

GR_HD Lanes operator^(Lanes a, Lanes b) { return Lanes{a.v ^ b.v}; }
GR_HD Lanes operator^(Lanes a, uint32_t b) { return Lanes{a.v ^ b}; }

// hi:lo = m * a per lane, as unsigned 32 x 32 -> 64-bit products of lane pairs, the halves
// interleaved back.
GR_HD void mulhilo(uint32_t m, Lanes a, Lanes& hi, Lanes& lo) {
#if defined(__AVX512F__)
  // pmuludq reads the low dword of each qword: the even lanes, then the odd ones shifted down.
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
  __m256i av;
  memcpy(&av, &a.v, sizeof av);
  const __m256i mv = _mm256_set1_epi32((int)m);
  const __m256i even = _mm256_mul_epu32(av, mv);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(av, 32), mv);
  const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  const __m256i l = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  memcpy(&hi.v, &h, sizeof h);
  memcpy(&lo.v, &l, sizeof l);
#elif defined(__ARM_NEON)
  // umull / umull2 multiply the low and the high two lanes into 64-bit products; uzp1 / uzp2
  // gather their low and high words.
  uint32x4_t av;
  memcpy(&av, &a.v, sizeof av);
  const uint64x2_t p01 = vmull_u32(vget_low_u32(av), vdup_n_u32(m));
  const uint64x2_t p23 = vmull_high_u32(av, vdupq_n_u32(m));
  const uint32x4_t h = vuzp2q_u32(vreinterpretq_u32_u64(p01), vreinterpretq_u32_u64(p23));
  const uint32x4_t l = vuzp1q_u32(vreinterpretq_u32_u64(p01), vreinterpretq_u32_u64(p23));
  memcpy(&hi.v, &h, sizeof h);
  memcpy(&lo.v, &l, sizeof l);
#else  // SSE2, the x86-64 baseline: no dword blend, so the halves are recombined by shuffles
  __m128i av;
  memcpy(&av, &a.v, sizeof av);
  const __m128i mv = _mm_set1_epi32((int)m);
  const __m128i even = _mm_mul_epu32(av, mv);                         // lanes 0, 2
  const __m128i odd = _mm_mul_epu32(_mm_srli_epi64(av, 32), mv);      // lanes 1, 3
  // (lo0, hi0, lo2, hi2) and (lo1, hi1, lo3, hi3) -> (lo0, lo1, lo2, lo3), (hi0, ..., hi3)
  const __m128i e = _mm_shuffle_epi32(even, _MM_SHUFFLE(3, 1, 2, 0));   // lo0 lo2 hi0 hi2
  const __m128i o = _mm_shuffle_epi32(odd, _MM_SHUFFLE(3, 1, 2, 0));    // lo1 lo3 hi1 hi3
  const __m128i l = _mm_unpacklo_epi32(e, o);
  const __m128i h = _mm_unpackhi_epi32(e, o);
  memcpy(&hi.v, &h, sizeof h);
  memcpy(&lo.v, &l, sizeof l);
#endif
}

GR_HD Lanes broadcast(uint32_t x) { return Lanes{LaneWords{} + x}; }

template <int... I>
GR_HD Lanes iota_of(uint32_t first, std::integer_sequence<int, I...>) {
  return Lanes{LaneWords{(uint32_t)I...} + first};
}
// {first, first + 1, ..., first + kLanes - 1}
GR_HD Lanes iota(uint32_t first) {
  return iota_of(first, std::make_integer_sequence<int, kLanes>{});
}

}  // namespace gr::cpu::GR_ISA_NS
