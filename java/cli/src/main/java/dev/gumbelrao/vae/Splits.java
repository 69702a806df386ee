package dev.gumbelrao.vae;

/**
 * The binarized train / validation / test splits: the first (n - 10,000) training images for
 * training (50,000 for MNIST), the last 10,000 training images for validation, the 10,000 test
 * images for the test bound, as in the paper (and Salakhutdinov &amp; Murray's split).
 */
public record Splits(Split train, Split valid, Split test, boolean verified) {
  public static final int VALIDATION = 10_000;

  /**
   * The splits of {@code images}, binarized once with {@link Binarization#SEED}.
   *
   * @throws IllegalArgumentException when the training file has no more than 10,000 images
   */
  public static Splits of(Mnist.Images images) {
    int n = images.trainCount(), px = images.pixels();
    if (n <= VALIDATION) {
      throw new IllegalArgumentException("the training file holds " + n + " images; the last "
          + VALIDATION + " are the validation split, so it needs more");
    }
    long seed = Binarization.SEED;
    int train = n - VALIDATION;
    return new Splits(
        new Split("train", Binarization.binarize(images.train(), 0, train, px, seed, 0), train,
            px),
        new Split("valid", Binarization.binarize(images.train(), train, VALIDATION, px, seed, 0),
            VALIDATION, px),
        new Split("test", Binarization.binarize(images.test(), 0, images.testCount(), px, seed,
            1), images.testCount(), px),
        images.verified());
  }

  public int pixels() {
    return train.pixels();
  }
}
