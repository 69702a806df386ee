package dev.gumbelrao.vae;

/**
 * The order in which training images are seen: epoch after epoch, each a permutation of the
 * training split drawn from (seed, epoch) alone. Step s takes the positions s B, ..., s B + B - 1
 * of that endless sequence, so the batch of any step is a function of (seed, s): a resumed run
 * sees the same batches as an uninterrupted one without storing any generator state.
 */
final class DataOrder {
  private final int n;
  private final long seed;
  private long cachedEpoch = -1;
  private int[] permutation;

  DataOrder(int n, long seed) {
    if (n < 1) throw new IllegalArgumentException("the training split is empty");
    this.n = n;
    this.seed = seed;
  }

  /** The image indices of step {@code step} with batch size {@code batch}, into {@code out}. */
  void batch(long step, int batch, int[] out) {
    long position = step * batch;
    for (int k = 0; k < batch; k++, position++) {
      long epoch = position / n;
      if (epoch != cachedEpoch) {
        permutation = permutation(epoch);
        cachedEpoch = epoch;
      }
      out[k] = permutation[(int) (position % n)];
    }
  }

  /** Fisher-Yates with a generator of (seed, epoch). */
  int[] permutation(long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    SplitMix64 r = SplitMix64.of(seed, 0x6f72646572L, epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
