package dev.gumbelrao.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Where the build made the natives (every build but {@code -Dnative.skip}: the pom sets
 * {@code gumbelrao.test.requireNative}), the native library must load: otherwise every native
 * test would skip and the suite would pass having tested the JAVA backend alone.
 */
class NativeLibraryTest {
  @Test
  void theNativeLibraryLoadsWhereTheBuildMadeIt() {
    if (!Boolean.getBoolean("gumbelrao.test.requireNative")) return;
    assertNull(NativeSupport.failure(), "the native library did not load, so the native tests "
        + "would all be skipped: " + NativeSupport.failure());
    assertTrue(NativeSupport.loaded());
  }

  @Test
  void itIsThePlatformsLibraryNamedByItsClassifier() {
    String p = NativeLibrary.platform();
    assertTrue(p.equals("linux-x86_64") || p.equals("linux-arm64") || !p.startsWith("linux"), p);
    assertEquals("libjnigumbelrao.so", NativeLibrary.NAME);
  }
}
