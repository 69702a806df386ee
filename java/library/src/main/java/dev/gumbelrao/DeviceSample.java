package dev.gumbelrao;

/**
 * What one forward pass on device memory queued: the estimator, the device, the logits buffer,
 * the shape, the key, the stream and the buffer that receives D. The backward pass runs on the
 * same stream, with the same key and the same D. The choice buffer belongs to this sample until
 * then: a later forward pass (or copy) into it makes this sample's backward pass throw, instead of
 * silently using another sample's D. The logits must not change until the backward pass.
 */
public final class DeviceSample {
  private final Estimator estimator;
  private final GumbelRaoCuda backend;
  private final DeviceBuffer logits;
  private final int rows, arity;
  private final NoiseKey key;
  private final DeviceBuffer choice;
  private final long choiceWrites;
  private final CudaStream stream;

  DeviceSample(Estimator estimator, GumbelRaoCuda backend, DeviceBuffer logits, int rows,
      int arity, NoiseKey key, DeviceBuffer choice, CudaStream stream) {
    this.estimator = estimator;
    this.backend = backend;
    this.logits = logits;
    this.rows = rows;
    this.arity = arity;
    this.key = key;
    this.choice = choice;
    this.choiceWrites = choice == null ? 0 : choice.writes();
    this.stream = stream;
  }

  public Estimator estimator() {
    return estimator;
  }

  public int rows() {
    return rows;
  }

  public int arity() {
    return arity;
  }

  public NoiseKey key() {
    return key;
  }

  /** The stream the forward pass was queued on; the backward pass runs there too. */
  public CudaStream stream() {
    return stream;
  }

  /** The buffer holding D ([draw][row]), or null for a relaxed (Gumbel-Softmax) sample. */
  public DeviceBuffer choices() {
    return choice;
  }

  GumbelRaoCuda backend() {
    return backend;
  }

  DeviceBuffer logits() {
    return logits;
  }

  DeviceBuffer choice() {
    return choice;
  }

  void checkChoicesUnchanged() {
    if (choice != null && choice.writes() != choiceWrites) {
      throw new IllegalArgumentException("sample: its choice buffer was written again after "
          + "this sample was drawn (another forward pass or a copy into it): its D is gone");
    }
  }

  @Override
  public String toString() {
    return estimator + " device sample, " + rows + " x " + arity + ", key " + key;
  }
}
