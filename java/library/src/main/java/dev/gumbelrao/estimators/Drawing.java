package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.Targets;
import dev.gumbelrao.cuda.CudaDevice;
import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * What every estimator is made of besides its backward call: how it draws its sample (one of the
 * {@link Kind}s, with its parameters). The forward passes on arrays, buffers and device memory
 * are written once here, for every estimator ({@link Passes#forward}).
 */
non-sealed interface Drawing extends Estimator {
  /** The forward passes. */
  enum Kind {
    /** D = argmax(theta + G), the key's Gumbel-max sample; values onehot(D) */
    HARD,
    /** {@link Estimator#draws()} Gumbel-max samples, draw s on the sub-key key.derive(s) */
    MULTI_DRAW,
    /** b = [eta + L > 0] per one-logit row (arity 1); values b */
    BINARY,
    /**
     * {@link Estimator#draws()} n &gt;= 2 draws b_1..b_n per one-logit row joined by ARMS's
     * Dirichlet copula; at n = 2 DisARM's antithetic pair b and b~ = [eta - L &gt; 0]
     */
    COPULA,
    /** no choice: values y = softmax((theta + G) / tau), tau = {@link #relaxedTau()} */
    RELAXED;

    /** Whether its variables are binary: one logit per row (arity 1). */
    boolean binary() {
      return this == BINARY || this == COPULA;
    }
  }

  Kind kind();

  /** The temperature of a {@link Kind#RELAXED} forward pass. */
  default float relaxedTau() {
    throw new IllegalStateException(name() + " is not relaxed");
  }

  /**
   * Whether the backward pass is defined by D alone (so {@link #given} applies), rather than by
   * the forward noise itself (ST-GS, GS).
   */
  default boolean givenApplies() {
    return true;
  }

  /** Whether a given D is checked against the logits at once (ST, whose backward never reads D). */
  default boolean givenCheckedNow() {
    return false;
  }

  @Override
  default Sample forward(Backend backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.forward(this, Targets.of(backend), Memory.of(logits, "logits"), rows, arity,
        key, null, Memory.of(values, "values"), null);
  }

  @Override
  default Sample forward(Backend backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values) {
    return Passes.forward(this, Targets.of(backend), Memory.of(logits, "logits"), rows, arity,
        key, null, Memory.of(values, "values"), null);
  }

  @Override
  default Sample forward(CudaDevice device, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    return Passes.forward(this, Targets.of(device, stream), Memory.of(logits, "logits"), rows,
        arity, key, Memory.of(choice, "choice"), Memory.of(values, "values"), stream);
  }

  @Override
  default Sample given(Backend backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    return Passes.given(this, Targets.of(backend), logits, rows, arity, key, choice);
  }
}
