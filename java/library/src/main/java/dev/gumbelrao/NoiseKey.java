package dev.gumbelrao;

/**
 * Selects the noise of one call: the Philox4x32-10 key ({@code seed}) and the stream
 * {@code offset}, the fourth word of every counter (see {@link Formulas} for the layout). The
 * same key gives the same noise on every backend and thread count; a backward pass given the
 * forward pass's key regenerates the forward's noise (ST-GS, GS) or draws its conditional samples
 * from it (Gumbel-Rao) without any state kept in between.
 *
 * @param seed any 64-bit value
 * @param offset in [0, 2^32): one seed serves 2^32 independent calls
 */
public record NoiseKey(long seed, long offset) {
  /** The largest offset, 2^32 - 1. */
  public static final long MAX_OFFSET = 0xFFFFFFFFL;

  public NoiseKey {
    if (offset < 0 || offset > MAX_OFFSET) {
      throw new IllegalArgumentException(
          "offset must be in [0, 2^32 - 1], got " + offset);
    }
  }

  /** The key (seed, 0). */
  public static NoiseKey of(long seed) {
    return new NoiseKey(seed, 0);
  }

  /** The offset as the native layer's unsigned 32-bit word. */
  int offsetWord() {
    return (int) offset;
  }
}
