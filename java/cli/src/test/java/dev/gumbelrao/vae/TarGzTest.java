package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzTest {
  /** A ustar header block for a regular file (type '0') or a PAX header ('x'). */
  private static byte[] header(String name, long size, char type) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
    octal(h, 100, 8, 0644);
    octal(h, 124, 12, size);
    h[156] = (byte) type;
    System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
    h[263] = '0';
    h[264] = '0';
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) sum += b & 0xff;
    octal(h, 148, 7, sum);
    return h;
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = String.format("%0" + (len - 1) + "o", v);
    System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
  }

  private static void entry(ByteArrayOutputStream out, String name, byte[] data, char type)
      throws IOException {
    out.write(header(name, data.length, type));
    out.write(data);
    out.write(new byte[(512 - data.length % 512) % 512]);
  }

  @Test
  void readsWantedFilesIncludingPaxLongNames(@TempDir Path dir) throws Exception {
    byte[] a = new byte[1300];
    for (int i = 0; i < a.length; i++) a[i] = (byte) i;
    byte[] b = "hello".getBytes(StandardCharsets.US_ASCII);
    String longName = "package/" + "d".repeat(120) + "/file";
    String rec = "path=" + longName + "\n";
    int len = rec.length() + 4;  // "NNN " prefix, 3 digits
    byte[] pax = (len + " " + rec).getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    entry(tar, "package/package.json", "{}".getBytes(StandardCharsets.US_ASCII), '0');
    entry(tar, "package/data/a", a, '0');
    entry(tar, "PaxHeader", pax, 'x');
    entry(tar, "ignored-short-name", b, '0');
    tar.write(new byte[1024]);
    Path tgz = dir.resolve("p.tgz");
    Files.write(tgz, IdxFiles.gzip(tar.toByteArray()));
    Map<String, byte[]> got = TarGz.read(tgz, Set.of("package/data/a", longName, "missing"));
    assertEquals(2, got.size());
    assertArrayEquals(a, got.get("package/data/a"));
    assertArrayEquals(b, got.get(longName));
    assertFalse(got.containsKey("missing"));
  }

  @Test
  void aTruncatedArchiveIsAnError(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    entry(tar, "package/data/a", new byte[2000], '0');
    byte[] cut = Arrays.copyOf(tar.toByteArray(), 1200);
    Path tgz = dir.resolve("cut.tgz");
    Files.write(tgz, IdxFiles.gzip(cut));
    assertThrows(IOException.class, () -> TarGz.read(tgz, Set.of("package/data/a")));
  }
}
