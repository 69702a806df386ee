package dev.gumbelrao.backends;

import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.cuda.DeviceBuffer;
import java.util.List;

/**
 * The checks of a call's arguments, the same for every operation because they are read from its
 * description ({@link Operation#arrays()}, {@link Call#length(int)}, {@link Call#checkScalars()}),
 * in the order of its parameters: the shape, the inputs, the scalars, the key, the outputs. Host
 * arrays and buffers must hold exactly the elements the call needs; device buffers at least that
 * many, of the right element type and on the call's device. An output may not overlap an input or
 * an earlier output. Every failure is an IllegalArgumentException naming the argument.
 */
public final class Arguments {
  private Arguments() {}

  /** Checks a call on host memory (arrays and NIO buffers). */
  public static void checkHost(Call c) {
    check(c, -1);
  }

  /** Checks a call on device memory of CUDA device {@code device}. */
  public static void checkDevice(Call c, int device) {
    check(c, device);
  }

  /** The buffers of a native call must be direct and in native byte order (arrays are staged). */
  static void requireDirect(Memory[] arrays) {
    for (Memory m : arrays) {
      if (m != null && m.kind() == Memory.Kind.BUFFER) Checks.direct(m.buffer(), m.name());
    }
  }

  private static void check(Call c, int device) {
    Operation op = c.operation();
    Checks.batch(c.rows(), c.arity());
    Memory[] a = c.arrays();
    List<ArrayParameter> params = op.arrays();
    int i = 0;
    for (; i < params.size() && !params.get(i).output(); i++) {
      array(c, i, params.get(i), a[i], device);
    }
    c.checkScalars();
    if (op.keyed()) {
      Checks.notNull(c.key(), "key");
      if (c.key().firstRow() + c.rows() > NoiseKey.ROW_LIMIT) {
        throw new IllegalArgumentException("key.firstRow() + rows = " + c.key().firstRow()
            + " + " + c.rows() + " exceeds 2^32: the noise numbers the rows of a batch up to"
            + " 2^32 - 1");
      }
    }
    for (; i < params.size(); i++) {
      ArrayParameter p = params.get(i);
      if (a[i] == null && p.role() == ArrayParameter.Role.OPTIONAL_OUTPUT) continue;
      array(c, i, p, a[i], device);
      if (a[i].kind() == Memory.Kind.BUFFER) Checks.writable(a[i].buffer(), a[i].name());
      for (int j = 0; j < i; j++) disjoint(c, a[i], i, a[j], j);
    }
  }

  private static void array(Call c, int index, ArrayParameter p, Memory m, int device) {
    Checks.notNull(m, p.name());
    long needed = c.length(index);
    if (device < 0) {
      if (!m.host()) {
        throw new IllegalArgumentException(m.name() + " is device memory; this call runs on "
            + "host memory (use the CudaDevice overloads)");
      }
      if (needed > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(m.name() + ": " + p.lengthText() + " = " + needed
            + " exceeds 2^31 - 1 elements: split the call");
      }
      if (m.length() != needed) {
        throw new IllegalArgumentException(m.name() + (m.kind() == Memory.Kind.ARRAY
            ? " has length " + m.length() : " has " + m.length() + " elements remaining")
            + ", expected " + p.lengthText() + " = " + needed);
      }
      return;
    }
    DeviceBuffer b = m.device();
    if (b == null) {
      throw new IllegalArgumentException(m.name() + " must be a DeviceBuffer: this call runs on "
          + "device memory");
    }
    if (m.type() != p.type()) {
      throw new IllegalArgumentException(m.name() + " must be a " + p.type() + " buffer, got "
          + m.type());
    }
    if (b.length() < needed) {
      throw new IllegalArgumentException(m.name() + " holds " + b.length() + " elements, the "
          + "call needs " + needed);
    }
    if (b.device() != device) {
      throw new IllegalArgumentException(m.name() + " lives on device " + b.device()
          + ", the call runs on device " + device);
    }
  }

  private static void disjoint(Call c, Memory out, int outIndex, Memory in, int inIndex) {
    if (in == null) return;
    boolean same;
    if (out.host()) {
      Extent o = out.extent(), e = in.extent();
      if (o == null || !o.overlaps(e)) return;
      same = o.equals(e);
    } else {
      long a = out.address(), b = in.address();
      if (!(a < b + 4 * c.length(inIndex) && b < a + 4 * c.length(outIndex))) return;
      same = a == b;
    }
    throw overlap(out, in, same);
  }

  /**
   * Refuses host memory {@code out} that overlaps host memory {@code in}, as every call's check
   * does: for passes that write through copies (several draws into one array).
   */
  public static void disjointHost(Memory out, Memory in) {
    if (out == null || in == null || !out.host() || !in.host()) return;
    Extent o = out.extent(), e = in.extent();
    if (o == null || !o.overlaps(e)) return;
    throw overlap(out, in, o.equals(e));
  }

  private static IllegalArgumentException overlap(Memory out, Memory in, boolean same) {
    return new IllegalArgumentException(out.name() + " overlaps the memory of " + in.name()
        + (same ? out.host() ? " (the same array or buffer)" : " (the same buffer)"
            : " (views that share elements)") + ": outputs must not overlap inputs");
  }
}
