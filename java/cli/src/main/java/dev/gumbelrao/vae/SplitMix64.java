package dev.gumbelrao.vae;

import dev.gumbelrao.NoiseKey;

/**
 * SplitMix64 (Steele, Lea, Flood, OOPSLA 2014), written out so that the binarization, the data
 * order and the initial weights are the same bits on every JVM: java.util.SplittableRandom uses
 * this algorithm today, but its output is not part of its contract. The training noise does not
 * come from here: it is the library's Philox stream ({@code NoiseKey}).
 */
final class SplitMix64 {
  private static final long GOLDEN = 0x9e3779b97f4a7c15L;
  private long state;

  SplitMix64(long seed) {
    state = seed;
  }

  /** A generator for one purpose of one seed: (seed, a, b) -> a stream of its own. */
  static SplitMix64 of(long seed, long a, long b) {
    return new SplitMix64(mix(mix(seed ^ mix(a * GOLDEN + 1)) + b * GOLDEN));
  }

  /** The SplitMix64 finalizer: a bijection of 64-bit words with full avalanche. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += GOLDEN;
    return mix(state);
  }

  /** Uniform on [0, 1), 53 bits. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform on {0, ..., n - 1}, exactly (rejection of the top partial block). */
  int nextInt(int n) {
    if (n <= 0) throw new IllegalArgumentException("n must be > 0, got " + n);
    long limit = Long.MAX_VALUE - Long.MAX_VALUE % n;
    long r;
    do {
      r = nextLong() >>> 1;
    } while (r >= limit);
    return (int) (r % n);
  }
}
