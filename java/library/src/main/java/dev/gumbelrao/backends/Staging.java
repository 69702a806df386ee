package dev.gumbelrao.backends;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

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

  /** Staging for the arrays of a call: {@link #bytes} of each array argument's length. */
  static Staging of(Call c, Memory[] arrays) {
    long total = 0;
    for (int i = 0; i < arrays.length; i++) {
      if (arrays[i] != null && arrays[i].kind() == Memory.Kind.ARRAY) total += bytes(c.length(i));
    }
    return new Staging(total);
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

  /**
   * A call's arrays with every Java array replaced by direct memory: an input's contents copied
   * in, an output's copied back by {@link #commit()}. Buffers and absent arguments pass through.
   */
  Memory[] stage(Memory[] arrays, List<ArrayParameter> params) {
    Memory[] staged = new Memory[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      Memory m = arrays[i];
      staged[i] = m == null || m.kind() != Memory.Kind.ARRAY ? m
          : params.get(i).output() ? out(m) : in(m);
    }
    return staged;
  }

  private Memory in(Memory m) {
    float[] f = m.floatArray();
    if (f != null) {
      java.nio.FloatBuffer b = take(f.length).asFloatBuffer();
      b.put(0, f);
      return Memory.of(b, m.name());
    }
    int[] v = m.intArray();
    java.nio.IntBuffer b = take(v.length).asIntBuffer();
    b.put(0, v);
    return Memory.of(b, m.name());
  }

  private Memory out(Memory m) {
    float[] f = m.floatArray();
    if (f != null) {
      java.nio.FloatBuffer b = take(f.length).asFloatBuffer();
      commits.add(() -> b.get(0, f));
      return Memory.of(b, m.name());
    }
    int[] v = m.intArray();
    java.nio.IntBuffer b = take(v.length).asIntBuffer();
    commits.add(() -> b.get(0, v));
    return Memory.of(b, m.name());
  }

  /** Copies the outputs back into their arrays (call when the native call succeeded). */
  void commit() {
    for (Runnable c : commits) c.run();
  }
}
