package dev.gumbelrao;

/** The forward passes of the estimators on device memory; see {@link Passes}. */
final class DevicePasses {
  private DevicePasses() {}

  static DeviceSample hard(Estimator est, GumbelRaoCuda backend, DeviceBuffer logits, int rows,
      int arity, NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    Checks.notNull(backend, "backend");
    Checks.notNull(choice, "choice");
    backend.sample(logits, rows, arity, key, choice, values, stream);
    return new DeviceSample(est, backend, logits, rows, arity, key, choice, stream);
  }

  static DeviceSample relaxed(Estimator est, GumbelRaoCuda backend, DeviceBuffer logits,
      int rows, int arity, float tau, NoiseKey key, DeviceBuffer choice, DeviceBuffer values,
      CudaStream stream) {
    Checks.notNull(backend, "backend");
    if (choice != null) {
      throw new IllegalArgumentException("choice: a " + est.name() + " sample is relaxed and "
          + "has no hard choice; pass null");
    }
    if (values != null) backend.gumbelSoftmaxForward(logits, rows, arity, tau, key, values, stream);
    else backend.checkShape(logits, rows, arity, key, stream);
    return new DeviceSample(est, backend, logits, rows, arity, key, null, stream);
  }

  static DeviceSample binary(Estimator est, GumbelRaoCuda backend, DeviceBuffer logits, int rows,
      NoiseKey key, boolean antithetic, DeviceBuffer choice, DeviceBuffer values,
      CudaStream stream) {
    Checks.notNull(backend, "backend");
    Checks.notNull(choice, "choice");
    backend.binarySample(logits, rows, key, antithetic, choice, values, stream);
    return new DeviceSample(est, backend, logits, rows, 1, key, choice, stream);
  }

  /** RLOO's S draws: draw s is the Gumbel-max sample of key.derive(s), [draw][row]. */
  static DeviceSample multiDraw(Estimator est, GumbelRaoCuda backend, DeviceBuffer logits,
      int rows, int arity, NoiseKey key, DeviceBuffer choice, DeviceBuffer values,
      CudaStream stream) {
    Checks.notNull(backend, "backend");
    Checks.notNull(choice, "choice");
    long n = Checks.batch(rows, arity);
    int draws = est.draws();
    choice.argument("choice", DeviceBuffer.Type.INT32, (long) draws * rows, choice.device());
    if (values != null) {
      values.argument("values", DeviceBuffer.Type.FLOAT32, draws * n, values.device());
    }
    for (int s = 0; s < draws; s++) {
      DeviceBuffer c = choice.view((long) s * rows, rows);
      DeviceBuffer v = values == null ? null : values.view(s * n, n);
      backend.sample(logits, rows, arity, key.derive(s), c, v, stream);
    }
    choice.markWritten();
    return new DeviceSample(est, backend, logits, rows, arity, key, choice, stream);
  }
}
