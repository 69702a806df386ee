package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {
  @Test
  void aMissingDirectorySaysHowToGetTheData(@TempDir Path tmp) {
    Path dir = tmp.resolve("nowhere");
    Mnist.DataException e = assertThrows(Mnist.DataException.class, () -> Mnist.load(dir, true));
    assertTrue(e.getMessage().contains("no directory " + dir), e.getMessage());
    assertTrue(e.getMessage().contains("--data DIR"), e.getMessage());
    assertTrue(e.getMessage().contains(Mnist.FETCH_COMMAND), e.getMessage());
  }

  @Test
  void missingFilesAreNamed(@TempDir Path dir) throws Exception {
    IdxFiles.dataset(dir, 11, 3, 2, 2, false);
    Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
    Files.delete(dir.resolve("train-images-idx3-ubyte"));
    Mnist.DataException e = assertThrows(Mnist.DataException.class, () -> Mnist.load(dir, true));
    assertTrue(e.getMessage().contains("lacks train-images-idx3-ubyte, t10k-labels-idx1-ubyte"),
        e.getMessage());
  }

  @Test
  void aFileWithTheWrongChecksumIsRefusedUnlessUnverified(@TempDir Path dir) throws Exception {
    IdxFiles.dataset(dir, 11, 3, 2, 2, true);
    Mnist.DataException e = assertThrows(Mnist.DataException.class, () -> Mnist.load(dir, true));
    assertTrue(e.getMessage().contains("has SHA-256"), e.getMessage());
    assertTrue(e.getMessage().contains(Mnist.File.TRAIN_IMAGES.sha256), e.getMessage());
    assertTrue(e.getMessage().contains("corrupt or not MNIST"), e.getMessage());
    assertTrue(e.getMessage().contains("--unverified"), e.getMessage());
    Mnist.Images im = Mnist.load(dir, false);  // gzipped, found under the .gz names
    assertFalse(im.verified());
    assertEquals(11, im.trainCount());
    assertEquals(3, im.testCount());
    assertEquals(4, im.pixels());
    assertEquals((byte) 17, im.train()[1]);
  }

  @Test
  void aCorruptFileIsRefusedEvenUnverified(@TempDir Path dir) throws Exception {
    IdxFiles.dataset(dir, 11, 3, 2, 2, false);
    Path f = dir.resolve("train-images-idx3-ubyte");
    byte[] b = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(b, b.length - 5));
    Mnist.DataException e = assertThrows(Mnist.DataException.class, () -> Mnist.load(dir, false));
    assertTrue(e.getMessage().contains("(truncated)"), e.getMessage());
    IdxFiles.dataset(dir, 11, 3, 2, 2, false);
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxFiles.idx(new int[] {4}, new byte[4]));
    e = assertThrows(Mnist.DataException.class, () -> Mnist.load(dir, false));
    assertTrue(e.getMessage().contains("4 labels for 3 images"), e.getMessage());
  }

  @Test
  void dottedNamesAreFound(@TempDir Path dir) throws Exception {
    IdxFiles.dataset(dir, 11, 3, 2, 2, false);
    for (Mnist.File f : Mnist.File.values()) {
      Files.move(dir.resolve(f.fileName), dir.resolve(f.fileName.replace("-idx", ".idx")));
    }
    assertEquals(11, Mnist.load(dir, false).trainCount());
  }

  /** The real files, when a previous --fetch-data left them in the cache (CI fetches first). */
  @Test
  void theCachedRealFilesPassTheirChecksums() throws Exception {
    Path dir = Mnist.defaultDir();
    Assumptions.assumeTrue(MnistFetch.complete(dir), "no MNIST in " + dir);
    Mnist.Images im = Mnist.load(dir, true);
    assertEquals(60000, im.trainCount());
    assertEquals(10000, im.testCount());
    assertEquals(784, im.pixels());
  }
}
