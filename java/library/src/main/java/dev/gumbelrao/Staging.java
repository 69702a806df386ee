package dev.gumbelrao;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Array arguments copied into direct memory for a native call that must not hold a JNI critical
 * region: a long CPU call (a critical region blocks every allocation in the JVM once a garbage
 * collection is due, for as long as the call runs) and every CUDA host-memory call (which would
 * hold it across the whole GPU round trip). Inputs are copied in when staged, outputs back by
 * {@link #commit()}. The memory is a per-thread arena reused from call to call (up to
 * {@link #MAX_CACHED} bytes; larger calls get memory of their own).
 */
final class Staging {
  /** The largest arena kept per thread between calls. */
  static final int MAX_CACHED = 256 << 20;

  private static final ThreadLocal<ByteBuffer> ARENA = new ThreadLocal<>();

  private final long size;
  private ByteBuffer memory;
  private int used;
  private final java.util.List<Runnable> commits = new java.util.ArrayList<>(2);

  /**
   * Staging for at most {@code bytes} bytes of arguments (each rounded up by {@link #bytes});
   * memory is taken only when an array is staged (buffer arguments pass through).
   */
  Staging(long bytes) {
    this.size = bytes;
  }

  private ByteBuffer memory() {
    if (memory != null) return memory;
    if (size > Integer.MAX_VALUE - 4096) {
      throw new IllegalArgumentException("a call's array arguments of " + size + " bytes exceed "
          + "what one direct buffer holds (2^31 bytes): split the call");
    }
    ByteBuffer cached = ARENA.get();
    if (cached != null && cached.capacity() >= size) {
      memory = cached;
    } else {
      memory = ByteBuffer.allocateDirect((int) Math.max(size, 4096))
          .order(ByteOrder.nativeOrder());
      if (memory.capacity() <= MAX_CACHED) ARENA.set(memory);
    }
    return memory;
  }

  /** Bytes one argument of n 4-byte elements takes in the arena. */
  static long bytes(long n) {
    return (4 * n + 63) & ~63L;
  }

  private ByteBuffer take(int n) {
    ByteBuffer b = memory().duplicate().order(ByteOrder.nativeOrder());
    b.position(used).limit(used + 4 * n);
    used += (int) bytes(n);
    return b.slice().order(ByteOrder.nativeOrder());
  }

  /** An input: the array's contents in direct memory (a buffer argument is returned as it is). */
  Floats in(Floats f) {
    if (f == null || f.array == null) return f;
    java.nio.FloatBuffer b = take(f.array.length).asFloatBuffer();
    b.put(0, f.array);
    return Floats.of(b, f.name);
  }

  Ints in(Ints f) {
    if (f == null || f.array == null) return f;
    java.nio.IntBuffer b = take(f.array.length).asIntBuffer();
    b.put(0, f.array);
    return Ints.of(b, f.name);
  }

  /** An output: direct memory copied back into the array by {@link #commit()}. */
  Floats out(Floats f) {
    if (f == null || f.array == null) return f;
    float[] target = f.array;
    java.nio.FloatBuffer b = take(target.length).asFloatBuffer();
    commits.add(() -> b.get(0, target));
    return Floats.of(b, f.name);
  }

  Ints out(Ints f) {
    if (f == null || f.array == null) return f;
    int[] target = f.array;
    java.nio.IntBuffer b = take(target.length).asIntBuffer();
    commits.add(() -> b.get(0, target));
    return Ints.of(b, f.name);
  }

  /** Copies the outputs back into their arrays (call when the native call succeeded). */
  void commit() {
    for (Runnable c : commits) c.run();
  }
}
