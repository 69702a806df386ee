package dev.gumbelrao.backends;

import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * The checks of shapes and scalars every operation shares (the rules of native/operations.txt):
 * each failure is an IllegalArgumentException naming the argument.
 */
public final class Checks {
  private Checks() {}

  /** Validates the batch shape; returns rows * arity. */
  public static int batch(int rows, int arity) {
    if (rows < 0) {
      throw new IllegalArgumentException("rows must be >= 0, got " + rows);
    }
    if (arity < 1) {
      throw new IllegalArgumentException("arity must be >= 1, got " + arity);
    }
    long n = (long) rows * arity;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("rows * arity = " + rows + " * " + arity + " = " + n
          + " exceeds 2^31 - 1 elements");
    }
    return (int) n;
  }

  /** The rule count&gt;=N of the description: {@code what} names it, e.g. "samples (K)". */
  public static void count(int value, int least, String what) {
    if (value < least) {
      throw new IllegalArgumentException(what + " must be >= " + least + ", got " + value);
    }
  }

  /** K, the conditional draws of Gumbel-Rao: at least 1. */
  public static void samples(int samples) {
    count(samples, 1, "samples (K)");
  }

  public static void tau(float tau) {
    if (!(tau > 0) || Float.isInfinite(tau)) {
      throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
    }
  }

  public static void finite(float value, String name) {
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, got " + value);
    }
  }

  public static void finiteNonNegative(float value, String name) {
    if (!(value >= 0) || Float.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }

  public static <T> T notNull(T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
  }

  /** An int[] argument of {@code expected} elements (a given D). */
  public static void length(int[] array, String name, long expected, String what) {
    notNull(array, name);
    if (array.length != expected) {
      throw new IllegalArgumentException(
          name + " has length " + array.length + ", expected " + what + " = " + expected);
    }
  }

  public static void writable(Buffer buffer, String name) {
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException(name + " is a read-only buffer, but it is an output");
    }
  }

  /** Native backends read buffers in place: they must be direct and in native byte order. */
  public static void direct(Buffer buffer, String name) {
    if (buffer == null) return;
    if (!buffer.isDirect()) {
      throw new IllegalArgumentException(name + " must be a direct buffer for a native backend "
          + "(ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()).asFloatBuffer()), "
          + "or pass a float[] / int[]");
    }
    ByteOrder order = buffer instanceof FloatBuffer ? ((FloatBuffer) buffer).order()
        : ((IntBuffer) buffer).order();
    if (order != ByteOrder.nativeOrder()) {
      throw new IllegalArgumentException(name + " is in " + order + " byte order; native "
          + "backends need ByteOrder.nativeOrder() (" + ByteOrder.nativeOrder() + ")");
    }
  }
}
