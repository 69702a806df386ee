package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {
  /**
   * 60,000 + 10,000 images whose 16 pixels spell their index in black (0) and white (255), which
   * the binarization keeps exactly: the splits' sizes and which images each holds.
   */
  @Test
  void fiftyTenTenWithTheLastTrainingImagesAsValidation() {
    int train = 60_000, test = 10_000, px = 16;
    Mnist.Images im = new Mnist.Images(indexImages(train, px), train, indexImages(test, px), test,
        4, 4, Path.of("."), true);
    Splits s = Splits.of(im);
    assertEquals(50_000, s.train().count());
    assertEquals(10_000, s.valid().count());
    assertEquals(10_000, s.test().count());
    assertEquals(0, index(s.train(), 0));
    assertEquals(49_999, index(s.train(), 49_999));
    assertEquals(50_000, index(s.valid(), 0));
    assertEquals(59_999, index(s.valid(), 9_999));
    assertEquals(1234, index(s.test(), 1234));
    assertEquals(px, s.pixels());
  }

  @Test
  void tooFewTrainingImagesAreRefused() {
    Mnist.Images im = new Mnist.Images(new byte[10_000], 10_000, new byte[10], 10, 1, 1,
        Path.of("."), false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Splits.of(im));
    assertTrue(e.getMessage().contains("10000 images"), e.getMessage());
  }

  /** Every epoch is a permutation of the training split; the order is a function of the seed. */
  @Test
  void theDataOrderVisitsEveryImageOncePerEpoch() {
    int n = 1000, batch = 30;
    DataOrder a = new DataOrder(n, 5), b = new DataOrder(n, 5), c = new DataOrder(n, 6);
    int[] idx = new int[batch], other = new int[batch];
    Set<Integer> firstEpoch = new HashSet<>();
    boolean differs = false;
    for (int step = 0; step * batch < 2 * n; step++) {
      a.batch(step, batch, idx);
      // a fresh order asked for the same step (as after a resume) gives the same batch
      new DataOrder(n, 5).batch(step, batch, other);
      assertEquals(java.util.Arrays.toString(idx), java.util.Arrays.toString(other));
      b.batch(step, batch, other);
      c.batch(step, batch, other);
      differs |= !java.util.Arrays.equals(idx, other);
      for (int k = 0; k < batch; k++) {
        if ((long) step * batch + k < n) assertTrue(firstEpoch.add(idx[k]), "repeated in epoch");
      }
    }
    assertEquals(n, firstEpoch.size());
    assertTrue(differs, "another seed gives another order");
  }

  private static byte[] indexImages(int n, int px) {
    byte[] g = new byte[n * px];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < px; j++) g[i * px + j] = (byte) (((i >> j) & 1) == 1 ? 255 : 0);
    }
    return g;
  }

  private static int index(Split s, int i) {
    int v = 0;
    for (int j = 0; j < s.pixels(); j++) v |= s.bit(i, j) << j;
    return v;
  }
}
