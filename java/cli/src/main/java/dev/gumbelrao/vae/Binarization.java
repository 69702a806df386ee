package dev.gumbelrao.vae;

/**
 * The fixed binarization: pixel j of image i is 1 with probability v / 255 (v its grey level),
 * drawn once from a counter-based hash of (seed, image, pixel), so the same data set is seen by
 * every run and every machine. It stands in for the fixed binarization of Salakhutdinov &amp;
 * Murray (2008) that the paper used, which is not obtainable here: a draw of the same kind, not
 * the same draw (so bounds differ from the paper's by the binarization too).
 */
public final class Binarization {
  /** The seed of the binarization of every published run. */
  public static final long SEED = 20080707L;

  private Binarization() {}

  /**
   * Binarizes {@code count} images of {@code pixels} grey levels each.
   *
   * @param first the index of the first image in its file (images keep their draw whatever slice
   *     is binarized)
   * @param stream separates the files: 0 for the training file, 1 for the test file
   * @return one byte per pixel, 0 or 1
   */
  public static byte[] binarize(byte[] grey, int first, int count, int pixels, long seed,
      int stream) {
    if (first < 0 || count < 0 || (long) (first + count) * pixels > grey.length) {
      throw new IllegalArgumentException("images " + first + " to " + (first + count - 1)
          + " of " + pixels + " pixels need " + (long) (first + count) * pixels
          + " bytes, the data holds " + grey.length);
    }
    byte[] out = new byte[count * pixels];
    long base = SplitMix64.mix(seed ^ SplitMix64.mix(stream + 1L));
    for (int i = 0; i < count; i++) {
      long image = SplitMix64.mix(base + (first + i) * 0x9e3779b97f4a7c15L);
      for (int j = 0; j < pixels; j++) {
        int v = grey[(first + i) * pixels + j] & 0xff;
        // r uniform on {0, ..., 254} from the top 32 bits (bias below 255 / 2^32), so P(1) = v / 255
        long r = ((SplitMix64.mix(image + j) >>> 32) * 255) >>> 32;
        out[i * pixels + j] = (byte) (r < v ? 1 : 0);
      }
    }
    return out;
  }
}
