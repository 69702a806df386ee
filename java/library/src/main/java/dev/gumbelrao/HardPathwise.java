package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * The pathwise estimators whose forward pass is the hard Gumbel-max sample D of the key: their
 * forward passes and the plumbing of their backward passes, once. Each implements the backward
 * pass itself, on the backend of the sample ({@link #backward(Sample, Floats, Floats)}) and on a
 * device ({@link #backward(DeviceSample, DeviceBuffer, DeviceBuffer)}).
 */
sealed interface HardPathwise extends PathwiseEstimator permits StraightThrough,
    StraightThroughGumbelSoftmax, GumbelRaoMonteCarlo, Zgr, ReinMax, GappedStraightThrough {
  @Override
  default Sample forward(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.hard(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  default Sample forward(GumbelRao backend, FloatBuffer logits, int rows, int arity,
      NoiseKey key, FloatBuffer values) {
    return Passes.hard(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  default DeviceSample forward(GumbelRaoCuda backend, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    return DevicePasses.hard(this, backend, logits, rows, arity, key, choice, values, stream);
  }

  @Override
  default Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    return Passes.given(this, backend, logits, rows, arity, key, choice);
  }

  @Override
  default void backward(Sample sample, float[] upstream, float[] grad) {
    backward(Passes.own(this, sample, upstream, "upstream"), Floats.of(upstream, "upstream"),
        Floats.of(grad, "grad"));
  }

  @Override
  default void backward(Sample sample, FloatBuffer upstream, FloatBuffer grad) {
    backward(Passes.own(this, sample, upstream, "upstream"), Floats.of(upstream, "upstream"),
        Floats.of(grad, "grad"));
  }

  /** The backward pass of a sample already checked to be this estimator's. */
  void backward(Sample s, Floats upstream, Floats grad);
}
