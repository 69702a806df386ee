package dev.gumbelrao;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out {@link NoiseKey}s with one seed and consecutive offsets, so that each training step
 * gets fresh noise and a run is reproducible from its seed. Thread-safe.
 *
 * <pre>{@code
 * NoiseStream noise = new NoiseStream(42);
 * NoiseKey step = noise.next();          // (42, 0), then (42, 1), ...
 * Sample d = estimator.forward(backend, logits, rows, arity, step, oneHot);
 * estimator.backward(d, upstream, grad); // the step's noise, regenerated from its key
 * }</pre>
 */
public final class NoiseStream {
  private final long seed;
  private final AtomicLong next;

  /** A stream starting at offset 0. */
  public NoiseStream(long seed) {
    this(seed, 0);
  }

  /** A stream starting at {@code offset} (for example to resume a run). */
  public NoiseStream(long seed, long offset) {
    new NoiseKey(seed, offset); // validates the offset
    this.seed = seed;
    this.next = new AtomicLong(offset);
  }

  public long seed() {
    return seed;
  }

  /** The offset the next call to {@link #next()} will use. */
  public long position() {
    return next.get();
  }

  /**
   * The next key; advances the offset by one.
   *
   * @throws IllegalStateException once all 2^32 offsets of this seed are used
   */
  public NoiseKey next() {
    long offset = next.getAndIncrement();
    if (offset > NoiseKey.MAX_OFFSET) {
      next.set(NoiseKey.MAX_OFFSET + 1);
      throw new IllegalStateException(
          "all 2^32 offsets of seed " + seed + " are used: start a stream with a new seed");
    }
    return new NoiseKey(seed, offset);
  }
}
