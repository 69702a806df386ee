package dev.gumbelrao.backends;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@code gr_place} of gumbel_rao.h in native memory: where a native call runs. The CPU needs
 * none (address 0); a CUDA device for host memory and a CUDA stream each hold one for as long as
 * they live.
 */
public final class Place {
  /** gr_place_kind */
  public static final int ON_CPU = 0, ON_CUDA_STAGED = 1, ON_CUDA = 2;

  private final ByteBuffer memory;
  private final long address;

  private Place(ByteBuffer memory) {
    this.memory = memory;
    this.address = NativeRuntime.address(memory.asIntBuffer());
  }

  /**
   * typedef struct { int32_t kind; int32_t device; void* stream; uint64_t* status; } gr_place
   * (64-bit platforms: 24 bytes).
   */
  public static Place of(int kind, int device, long stream, long status) {
    ByteBuffer b = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder());
    b.putInt(0, kind).putInt(4, device).putLong(8, stream).putLong(16, status);
    return new Place(b);
  }

  /** The struct's address, for a native call (the place must stay reachable until it returns). */
  public long address() {
    return address;
  }

  /** Keeps the struct's memory alive across a native call that reads it by address. */
  public void keepAlive() {
    java.lang.ref.Reference.reachabilityFence(memory);
  }
}
