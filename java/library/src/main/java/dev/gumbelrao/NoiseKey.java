package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;

/**
 * Selects the noise of one forward pass and its backward pass: the Philox4x32-10 key
 * ({@code seed}) and the stream {@code offset}, the fourth word of every counter (the counter
 * layout is documented once, in {@code native/include/gumbel_rao/math.h}).
 *
 * <p><b>What one key covers.</b> A key names the noise of every (row, column, slot) of one batch:
 * slot 0 is the forward noise G (sampling D; ST-GS and GS regenerate it in the backward pass),
 * slots 1..K the conditional draws of Gumbel-Rao. So two things that draw noise in the same
 * step must not share a key: a second latent layer, a second chunk of the same batch (its rows
 * would reuse rows 0, 1, ... and so the same noise), or a second draw of the same variables.
 * Give each its own key with {@link #derive(long)}, and each step its own parent key
 * ({@link NoiseStream#next()}):
 *
 * <pre>{@code
 * NoiseKey step = noise.next();              // one per training step
 * NoiseKey layer1 = step.derive(1);          // one per variable group (or chunk) in the step
 * NoiseKey layer2 = step.derive(2);
 * }</pre>
 *
 * <p>The same key gives the same noise on every backend and thread count.
 *
 * @param seed any 64-bit value
 * @param offset in [0, 2^32): one seed serves 2^32 independent keys
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

  /**
   * The sub-key number {@code index} of this key, for one of several variable groups, chunks or
   * draws that share a step. The rule (math.h, "Derived keys"): the Philox4x32-10 block of this
   * key at counter (index &amp; 0xffffffff, index &gt;&gt;&gt; 32, 0xffffffff, offset) gives four
   * words w0..w3; the sub-key is seed = w1 &lt;&lt; 32 | w0, offset = w2. Slot 0xffffffff is
   * never a noise slot, so a sub-key's words are not any noise word of its parent, and distinct
   * indices (or parents) give keys that are, as far as any test can tell, independent. Sub-keys
   * derive sub-keys in turn.
   */
  public NoiseKey derive(long index) {
    int[] w = new int[4];
    Formulas.philox(seed, (int) index, (int) (index >>> 32), Formulas.DERIVE_SLOT, (int) offset,
        w);
    return new NoiseKey((w[1] & 0xFFFFFFFFL) << 32 | (w[0] & 0xFFFFFFFFL), w[2] & 0xFFFFFFFFL);
  }

  /** The offset as the native layer's unsigned 32-bit word. */
  public int offsetWord() {
    return (int) offset;
  }
}
