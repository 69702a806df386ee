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
}
