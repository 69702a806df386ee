package dev.gumbelrao.vae;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads chosen regular files out of a gzipped tar archive (an npm package tarball): POSIX ustar
 * headers (name with its prefix field), PAX extended headers ("path" and "size" records, which
 * node-tar writes for long names and large files), and GNU long names. Enough for npm tarballs,
 * no more; the JDK has no tar reader.
 */
final class TarGz {
  private static final int BLOCK = 512;

  private TarGz() {}

  /** The contents of the entries whose path is in {@code wanted}; absent ones are not in the map. */
  static Map<String, byte[]> read(Path archive, Set<String> wanted) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(
        Files.newInputStream(archive), 1 << 16), 1 << 16)) {
      byte[] header = new byte[BLOCK];
      String longName = null;
      long paxSize = -1;
      while (true) {
        if (!readBlock(in, header)) throw new IOException(archive + ": truncated tar archive");
        if (isZero(header)) break;
        String name = cString(header, 0, 100);
        if ("ustar".equals(cString(header, 257, 6).trim())) {
          String prefix = cString(header, 345, 155);
          if (!prefix.isEmpty()) name = prefix + "/" + name;
        }
        long size = paxSize >= 0 ? paxSize : number(header, 124, 12, archive);
        char type = (char) header[156];
        if (longName != null) name = longName;
        longName = null;
        paxSize = -1;
        byte[] data = null;
        boolean keep = (type == '0' || type == '\0') && wanted.contains(name);
        if (keep || type == 'x' || type == 'L') {
          if (size > Integer.MAX_VALUE - 16) throw new IOException(archive + ": entry too large");
          data = in.readNBytes((int) size);
          if (data.length != size) throw new IOException(archive + ": truncated entry " + name);
          skip(in, pad(size) - size, archive);
        } else {
          skip(in, pad(size), archive);
        }
        if (keep) {
          out.put(name, data);
        } else if (type == 'L') {
          longName = cString(data, 0, data.length);
        } else if (type == 'x') {
          for (Map.Entry<String, String> r : pax(data).entrySet()) {
            if (r.getKey().equals("path")) longName = r.getValue();
            if (r.getKey().equals("size")) paxSize = Long.parseLong(r.getValue().trim());
          }
        }
      }
    }
    return out;
  }

  /** PAX records: "LEN key=value\n", LEN counting the whole record in bytes. */
  private static Map<String, String> pax(byte[] data) {
    Map<String, String> r = new HashMap<>();
    int i = 0;
    while (i < data.length) {
      int space = i;
      while (space < data.length && data[space] != ' ') space++;
      if (space == data.length) break;
      int len = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
      if (len <= 0 || i + len > data.length) break;
      String rec = new String(data, space + 1, i + len - space - 2, StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      if (eq > 0) r.put(rec.substring(0, eq), rec.substring(eq + 1));
      i += len;
    }
    return r;
  }

  private static long pad(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  private static boolean readBlock(InputStream in, byte[] b) throws IOException {
    return in.readNBytes(b, 0, BLOCK) == BLOCK;
  }

  private static void skip(InputStream in, long n, Path archive) throws IOException {
    long left = n;
    while (left > 0) {
      long s = in.skip(left);
      if (s <= 0) {
        if (in.read() < 0) throw new IOException(archive + ": truncated tar archive");
        s = 1;
      }
      left -= s;
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) return false;
    }
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) end++;
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  /** An octal field, or GNU base-256 when its top bit is set. */
  private static long number(byte[] b, int off, int len, Path archive) throws IOException {
    if ((b[off] & 0x80) != 0) {
      long v = b[off] & 0x7f;
      for (int i = off + 1; i < off + len; i++) v = v << 8 | (b[i] & 0xff);
      return v;
    }
    String s = cString(b, off, len).trim();
    try {
      return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IOException(archive + ": bad tar size field '" + s + "'");
    }
  }
}
