package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IdxTest {
  private static final byte[] DATA = {1, 2, 3, 4, 5, 6, (byte) 200, 8, 9, 10, 11, 12};

  @Test
  void readsDimsAndDataRawAndGzipped() throws Exception {
    byte[] raw = IdxFiles.idx(new int[] {2, 3, 2}, DATA);
    for (byte[] stored : new byte[][] {raw, IdxFiles.gzip(raw)}) {
      Idx idx = Idx.parse(Idx.contents(stored, "f"), "f");
      assertArrayEquals(new int[] {2, 3, 2}, idx.dims());
      assertArrayEquals(DATA, idx.data());
      assertEquals(2, idx.count());
      assertEquals(6, idx.itemSize());
      assertEquals(200, idx.data()[6] & 0xff);
    }
  }

  @Test
  void labelsHaveOneDimension() {
    Idx idx = Idx.parse(IdxFiles.idx(new int[] {12}, DATA), "labels");
    assertEquals(12, idx.count());
    assertEquals(1, idx.itemSize());
  }

  @Test
  void badFilesAreRefusedWithTheFileNameAndTheReason() throws Exception {
    byte[] good = IdxFiles.idx(new int[] {2, 3, 2}, DATA);
    byte[] badMagic = good.clone();
    badMagic[0] = 0x50;
    byte[] badType = good.clone();
    badType[2] = 0x0D;  // float
    byte[] truncated = Arrays.copyOf(good, good.length - 1);
    byte[] trailing = Arrays.copyOf(good, good.length + 3);
    byte[] noDims = {0, 0, 8, 0};
    byte[] shortHeader = Arrays.copyOf(good, 9);
    String[][] cases = {
      {"not an IDX file"}, {"data type 0x0d"}, {"(truncated)"}, {"(trailing bytes)"},
      {"0 dimensions"}, {"too short for the header"}};
    byte[][] files = {badMagic, badType, truncated, trailing, noDims, shortHeader};
    for (int i = 0; i < files.length; i++) {
      byte[] f = files[i];
      Idx.FormatException e = assertThrows(Idx.FormatException.class,
          () -> Idx.parse(f, "some/file"));
      assertTrue(e.getMessage().startsWith("some/file: "), e.getMessage());
      assertTrue(e.getMessage().contains(cases[i][0]), e.getMessage());
    }
    byte[] gz = IdxFiles.gzip(good);
    byte[] brokenGz = Arrays.copyOf(gz, gz.length / 2);
    Idx.FormatException e = assertThrows(Idx.FormatException.class,
        () -> Idx.contents(brokenGz, "x.gz"));
    assertTrue(e.getMessage().contains("corrupt gzip"), e.getMessage());
    assertThrows(Idx.FormatException.class, () -> Idx.parse(new byte[] {0, 0}, "tiny"));
  }
}
