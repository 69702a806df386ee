package example;

import java.util.SplittableRandom;

/**
 * Synthetic binary data with a discrete latent structure: each example is one of a few
 * prototypes of {@code pixels} bits, with each bit flipped with probability {@code flip}.
 */
public final class Patterns {
  private final float[][] prototypes;
  private final double flip;
  private final SplittableRandom rnd;

  public Patterns(int count, int pixels, double flip, long seed) {
    rnd = new SplittableRandom(seed);
    prototypes = new float[count][pixels];
    for (float[] p : prototypes) {
      for (int i = 0; i < pixels; i++) p[i] = rnd.nextBoolean() ? 1f : 0f;
    }
    this.flip = flip;
  }

  public int pixels() {
    return prototypes[0].length;
  }

  /** A batch, row-major: batch x pixels. */
  public float[] batch(int batch) {
    int pixels = pixels();
    float[] x = new float[batch * pixels];
    for (int b = 0; b < batch; b++) {
      float[] p = prototypes[rnd.nextInt(prototypes.length)];
      for (int i = 0; i < pixels; i++) {
        x[b * pixels + i] = rnd.nextDouble() < flip ? 1f - p[i] : p[i];
      }
    }
    return x;
  }
}
