package dev.gumbelrao;

import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/** Argument validation shared by every public operation: each failure names the argument. */
final class Checks {
  private Checks() {}

  /** Validates the batch shape; returns rows * arity. */
  static int batch(int rows, int arity) {
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

  /** Validates K and the size of a [K, rows, arity] output; returns K * rows * arity. */
  static int noiseElements(int samples, int elements) {
    samples(samples);
    long n = (long) samples * elements;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("samples * rows * arity = " + n
          + " exceeds 2^31 - 1 elements: draw the noise in several calls");
    }
    return (int) n;
  }

  static void samples(int samples) {
    if (samples < 1) {
      throw new IllegalArgumentException("samples (K) must be >= 1, got " + samples);
    }
  }

  static void tau(float tau) {
    if (!(tau > 0) || Float.isInfinite(tau)) {
      throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
    }
  }

  static void finite(float value, String name) {
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, got " + value);
    }
  }

  static <T> T notNull(T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
  }

  static void length(float[] array, String name, long expected, String what) {
    notNull(array, name);
    if (array.length != expected) {
      throw new IllegalArgumentException(
          name + " has length " + array.length + ", expected " + what + " = " + expected);
    }
  }

  static void length(int[] array, String name, long expected, String what) {
    notNull(array, name);
    if (array.length != expected) {
      throw new IllegalArgumentException(
          name + " has length " + array.length + ", expected " + what + " = " + expected);
    }
  }

  static void length(Buffer buffer, String name, long expected, String what) {
    notNull(buffer, name);
    if (buffer.remaining() != expected) {
      throw new IllegalArgumentException(name + " has " + buffer.remaining()
          + " elements remaining, expected " + what + " = " + expected);
    }
  }

  static void writable(Buffer buffer, String name) {
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException(name + " is a read-only buffer, but it is an output");
    }
  }

  /** Native backends read buffers in place: they must be direct and in native byte order. */
  static void direct(Buffer buffer, String name) {
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
