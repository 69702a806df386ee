package dev.gumbelrao.vae;

/** One split of the binarized data: {@code count} images of {@code pixels} bits (0 or 1 bytes). */
public final class Split {
  private final String name;
  private final byte[] bits;
  private final int count, pixels;

  Split(String name, byte[] bits, int count, int pixels) {
    if ((long) count * pixels != bits.length) {
      throw new IllegalArgumentException(name + ": " + bits.length + " bits for " + count
          + " images of " + pixels + " pixels");
    }
    this.name = name;
    this.bits = bits;
    this.count = count;
    this.pixels = pixels;
  }

  public String name() {
    return name;
  }

  public int count() {
    return count;
  }

  public int pixels() {
    return pixels;
  }

  /** Pixel j of image i, 0 or 1. */
  public int bit(int i, int j) {
    return bits[i * pixels + j];
  }

  /** The images {@code index[from], ..., index[from + n - 1]} as floats into {@code out}. */
  void gather(int[] index, int from, int n, float[] out) {
    for (int k = 0; k < n; k++) {
      int src = index[from + k] * pixels, dst = k * pixels;
      for (int j = 0; j < pixels; j++) out[dst + j] = bits[src + j];
    }
  }

  /** The images {@code first, ..., first + n - 1} as floats into {@code out}. */
  void range(int first, int n, float[] out) {
    for (int k = 0; k < n * pixels; k++) out[k] = bits[first * pixels + k];
  }

  /** The mean of each pixel over the split (the decoder's initial output bias is its log-odds). */
  double[] pixelMeans() {
    double[] m = new double[pixels];
    for (int i = 0; i < count; i++) {
      for (int j = 0; j < pixels; j++) m[j] += bits[i * pixels + j];
    }
    for (int j = 0; j < pixels; j++) m[j] /= Math.max(1, count);
    return m;
  }

  /** SHA-256 of the bits, for the record of which data a run saw. */
  String sha256() {
    return Mnist.sha256(bits);
  }
}
