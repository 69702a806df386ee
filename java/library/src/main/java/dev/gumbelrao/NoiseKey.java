package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;
import java.io.Serializable;

/**
 * Selects the noise of one forward pass and its backward pass: the Philox4x32-10 key
 * ({@code seed}), the stream {@code offset} (the fourth word of every counter) and the row base
 * {@code firstRow} (added to every row index; the counter layout is documented once, in
 * {@code native/include/gumbel_rao/math.h}).
 *
 * <p><b>What one key covers.</b> A key names the noise of every (row, column, slot) of one batch:
 * slot 0 is the forward noise G (sampling D; ST-GS and GS regenerate it in the backward pass),
 * slots 1..K the conditional draws of Gumbel-Rao. So two things that draw noise in the same
 * step must not share a key: a second latent layer, or a second draw of the same variables. Give
 * each its own key with {@link #derive(long)}, and each step its own parent key
 * ({@link NoiseStream#next()}):
 *
 * <pre>{@code
 * NoiseKey step = noise.next();              // one per training step
 * NoiseKey layer1 = step.derive(1);          // one per variable group in the step
 * NoiseKey layer2 = step.derive(2);
 * }</pre>
 *
 * <p><b>A batch split over calls or workers.</b> Row r of a call draws the noise of row
 * {@code firstRow + r} of the batch. A chunk holding rows r0 .. r0 + n - 1 of a batch is called
 * with {@code step.atRow(r0)}: its samples, forward values and per-row gradients are then those
 * rows of the unsplit call's, bit for bit, for every estimator and backend (the multi-draw
 * estimators' sub-keys keep the row base, see {@link #derive(long)}). What a data-parallel
 * worker needs is the step's key and its chunk's first row; README, "Data-parallel training".
 *
 * <p>The same key gives the same noise on every backend and thread count. Keys are
 * {@link Serializable} (a record: deserialising runs the constructor's checks), so a job can ship
 * the step's key to its workers.
 *
 * @param seed any 64-bit value
 * @param offset in [0, 2^32): one seed serves 2^32 independent keys
 * @param firstRow in [0, 2^32): the index, in the whole batch, of the call's row 0; a call's
 *     {@code firstRow + rows} may not exceed 2^32 (checked by every operation)
 */
public record NoiseKey(long seed, long offset, long firstRow) implements Serializable {
  /** The largest offset, 2^32 - 1. */
  public static final long MAX_OFFSET = 0xFFFFFFFFL;
  /** The number of rows the noise numbers: a call's firstRow + rows is at most 2^32. */
  public static final long ROW_LIMIT = 1L << 32;

  public NoiseKey {
    if (offset < 0 || offset > MAX_OFFSET) {
      throw new IllegalArgumentException(
          "offset must be in [0, 2^32 - 1], got " + offset);
    }
    if (firstRow < 0 || firstRow >= ROW_LIMIT) {
      throw new IllegalArgumentException(
          "firstRow must be in [0, 2^32 - 1], got " + firstRow);
    }
  }

  /** The key (seed, offset) of a whole batch: row base 0. */
  public NoiseKey(long seed, long offset) {
    this(seed, offset, 0);
  }

  /** The key (seed, 0). */
  public static NoiseKey of(long seed) {
    return new NoiseKey(seed, 0);
  }

  /**
   * This key for the chunk of the batch that starts at row {@code firstRow} of the batch: the
   * same seed and offset, the row base replaced (not added to: {@code key.atRow(r0)} names the
   * same rows whatever {@code key}'s own base).
   *
   * @throws IllegalArgumentException if firstRow is outside [0, 2^32 - 1]
   */
  public NoiseKey atRow(long firstRow) {
    return new NoiseKey(seed, offset, firstRow);
  }

  /**
   * The sub-key number {@code index} of this key, for one of several variable groups or draws
   * that share a step. The rule (math.h, "Derived keys"): the Philox4x32-10 block of this key at
   * counter (index &amp; 0xffffffff, index &gt;&gt;&gt; 32, 0xffffffff, offset) gives four words
   * w0..w3; the sub-key is seed = w1 &lt;&lt; 32 | w0, offset = w2, and this key's row base.
   * Slot 0xffffffff is never a noise slot, so a sub-key's words are not any noise word of its
   * parent, and distinct indices (or parents) give keys that are, as far as any test can tell,
   * independent. The row base takes no part in the derivation, so
   * {@code key.atRow(r0).derive(i)} equals {@code key.derive(i).atRow(r0)}: a chunk's draws
   * are the unsplit batch's draws of its rows. Sub-keys derive sub-keys in turn.
   */
  public NoiseKey derive(long index) {
    int[] w = new int[4];
    Formulas.philox(seed, (int) index, (int) (index >>> 32), Formulas.DERIVE_SLOT, (int) offset,
        w);
    return new NoiseKey((w[1] & 0xFFFFFFFFL) << 32 | (w[0] & 0xFFFFFFFFL), w[2] & 0xFFFFFFFFL,
        firstRow);
  }

  /** The offset as the native layer's unsigned 32-bit word. */
  public int offsetWord() {
    return (int) offset;
  }

  /** The row base as the native layer's unsigned 32-bit word. */
  public int firstRowWord() {
    return (int) firstRow;
  }

  /** The key, and its row base only when it has one. */
  @Override
  public String toString() {
    return "NoiseKey[seed=" + seed + ", offset=" + offset
        + (firstRow == 0 ? "" : ", firstRow=" + firstRow) + "]";
  }
}
