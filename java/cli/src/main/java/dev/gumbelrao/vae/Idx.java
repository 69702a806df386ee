package dev.gumbelrao.vae;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An IDX file, the format of LeCun's MNIST distribution: the magic word 0x0000TTDD (TT the data
 * type, 0x08 for unsigned bytes; DD the number of dimensions), DD big-endian int32 sizes, then
 * the data, row-major. Only unsigned-byte files are read (all four MNIST files are). A gzip
 * stream (the .gz files of the original distribution) is recognised by its magic bytes.
 *
 * @param dims the sizes, outermost first: (60000, 28, 28) for the training images
 * @param data the values, {@code product(dims)} bytes (unsigned)
 */
record Idx(int[] dims, byte[] data) {
  static final int UNSIGNED_BYTE = 0x08;

  /** Thrown for a file that is not a well-formed unsigned-byte IDX file; names the file. */
  static final class FormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    FormatException(String message) {
      super(message);
    }
  }

  /** The number of items: the outermost size. */
  int count() {
    return dims[0];
  }

  /** Values per item: the product of the inner sizes (784 for 28 x 28 images, 1 for labels). */
  int itemSize() {
    int n = 1;
    for (int i = 1; i < dims.length; i++) n *= dims[i];
    return n;
  }

  /** The bytes of a file as stored, gunzipped when they are a gzip stream. */
  static byte[] contents(byte[] stored, String name) {
    if (stored.length < 2 || (stored[0] & 0xff) != 0x1f || (stored[1] & 0xff) != 0x8b) {
      return stored;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(stored), 1 << 16)) {
      return in.readAllBytes();
    } catch (ZipException | java.io.EOFException e) {
      throw new FormatException(name + ": a corrupt gzip stream (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new FormatException(name + ": cannot gunzip (" + e + ")");
    }
  }

  /** Parses the (gunzipped) bytes of an IDX file named {@code name} in messages. */
  static Idx parse(byte[] b, String name) {
    if (b.length < 4) {
      throw new FormatException(name + ": " + b.length + " bytes, too short for an IDX header");
    }
    if (b[0] != 0 || b[1] != 0) {
      throw new FormatException(String.format("%s: not an IDX file (it starts with 0x%02x%02x, "
          + "an IDX file with 0x0000)", name, b[0] & 0xff, b[1] & 0xff));
    }
    int type = b[2] & 0xff, rank = b[3] & 0xff;
    if (type != UNSIGNED_BYTE) {
      throw new FormatException(String.format("%s: IDX data type 0x%02x; only unsigned bytes "
          + "(0x08) are read, as in MNIST", name, type));
    }
    if (rank < 1 || rank > 4) {
      throw new FormatException(name + ": " + rank + " dimensions; expected 1 to 4");
    }
    int header = 4 + 4 * rank;
    if (b.length < header) {
      throw new FormatException(name + ": " + b.length + " bytes, too short for the header of "
          + rank + " dimensions (" + header + " bytes)");
    }
    int[] dims = new int[rank];
    long size = 1;
    for (int i = 0; i < rank; i++) {
      int o = 4 + 4 * i;
      dims[i] = (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8
          | (b[o + 3] & 0xff);
      if (dims[i] < 0) throw new FormatException(name + ": dimension " + i + " is negative");
      size *= dims[i];
    }
    long have = b.length - header;
    if (have != size) {
      throw new FormatException(name + ": the header says " + Arrays.toString(dims) + " = "
          + size + " values, the file holds " + have + (have < size ? " (truncated)"
          : " (trailing bytes)"));
    }
    return new Idx(dims, Arrays.copyOfRange(b, header, b.length));
  }
}
