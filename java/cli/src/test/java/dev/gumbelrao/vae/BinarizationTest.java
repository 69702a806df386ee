package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BinarizationTest {
  @Test
  void theSameSeedGivesTheSameBitsAndAnotherSeedOthers() {
    byte[] grey = IdxFiles.grey(300, 784);
    byte[] a = Binarization.binarize(grey, 0, 300, 784, 7, 0);
    assertArrayEquals(a, Binarization.binarize(grey, 0, 300, 784, 7, 0));
    assertFalse(Arrays.equals(a, Binarization.binarize(grey, 0, 300, 784, 8, 0)));
    assertFalse(Arrays.equals(a, Binarization.binarize(grey, 0, 300, 784, 7, 1)));
    for (byte b : a) assertTrue(b == 0 || b == 1);
  }

  /** Image i keeps its draw whatever slice of the file is binarized (the validation split). */
  @Test
  void aSliceIsTheSliceOfTheWhole() {
    byte[] grey = IdxFiles.grey(50, 16);
    byte[] all = Binarization.binarize(grey, 0, 50, 16, 3, 0);
    byte[] tail = Binarization.binarize(grey, 30, 20, 16, 3, 0);
    assertArrayEquals(Arrays.copyOfRange(all, 30 * 16, 50 * 16), tail);
    assertThrows(IllegalArgumentException.class,
        () -> Binarization.binarize(grey, 40, 20, 16, 3, 0));
  }

  /** P(1) = v / 255: exactly 0 and 1 at the ends, within 4.5 standard errors in between. */
  @Test
  void eachPixelIsOneWithProbabilityGreyOver255() {
    int n = 200_000;
    for (int v : new int[] {0, 1, 64, 128, 200, 254, 255}) {
      byte[] grey = new byte[n];
      Arrays.fill(grey, (byte) v);
      byte[] bits = Binarization.binarize(grey, 0, n, 1, Binarization.SEED, 0);
      int ones = 0;
      for (byte b : bits) ones += b;
      double p = v / 255.0;
      if (v == 0 || v == 255) {
        assertEquals(v == 0 ? 0 : n, ones, "v = " + v);
      } else {
        double se = Math.sqrt(n * p * (1 - p));
        assertEquals(n * p, ones, 4.5 * se, "v = " + v);
      }
    }
  }
}
