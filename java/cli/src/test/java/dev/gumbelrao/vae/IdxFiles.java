package dev.gumbelrao.vae;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes IDX files and small MNIST-shaped data sets for the tests. */
public final class IdxFiles {
  private IdxFiles() {}

  public static byte[] idx(int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
    for (int d : dims) b.putInt(d);
    b.put(data);
    return b.array();
  }

  public static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  /**
   * A data set in MNIST's layout in {@code dir}: {@code train} and {@code test} images of
   * rows x cols, grey level of pixel j of image i = (i * 31 + j * 17) mod 256, labels i mod 10.
   */
  public static void dataset(Path dir, int train, int test, int rows, int cols, boolean gz)
      throws IOException {
    Files.createDirectories(dir);
    write(dir, "train-images-idx3-ubyte", idx(new int[] {train, rows, cols},
        grey(train, rows * cols)), gz);
    write(dir, "train-labels-idx1-ubyte", idx(new int[] {train}, labels(train)), gz);
    write(dir, "t10k-images-idx3-ubyte", idx(new int[] {test, rows, cols},
        grey(test, rows * cols)), gz);
    write(dir, "t10k-labels-idx1-ubyte", idx(new int[] {test}, labels(test)), gz);
  }

  public static byte[] grey(int n, int pixels) {
    byte[] g = new byte[n * pixels];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < pixels; j++) g[i * pixels + j] = (byte) ((i * 31 + j * 17) & 0xff);
    }
    return g;
  }

  private static byte[] labels(int n) {
    byte[] l = new byte[n];
    for (int i = 0; i < n; i++) l[i] = (byte) (i % 10);
    return l;
  }

  private static void write(Path dir, String name, byte[] bytes, boolean gz) throws IOException {
    if (gz) Files.write(dir.resolve(name + ".gz"), gzip(bytes));
    else Files.write(dir.resolve(name), bytes);
  }
}
