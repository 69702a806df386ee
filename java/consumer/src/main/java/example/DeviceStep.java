package example;

import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.cuda.CudaDevice;
import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;

/**
 * The README's device-memory example: an estimator on CUDA device buffers, queued on one stream.
 * Here the "network" is a copy of a host upstream gradient onto the device.
 */
public final class DeviceStep {
  private DeviceStep() {}

  // snippet: device-step
  /** dL/dlogits computed on CUDA device 0, copied back to the host. */
  public static float[] gradient(PathwiseEstimator est, float[] hostLogits, int rows, int arity,
      NoiseKey key, float[] hostUpstream) {
    float[] hostGrad = new float[rows * arity];
    try (CudaDevice cuda = CudaDevice.open(0);
        DeviceBuffer logits = cuda.allocateFloats(rows * arity).copyFrom(hostLogits);
        DeviceBuffer choice = cuda.allocateInts(rows);
        DeviceBuffer oneHot = cuda.allocateFloats(rows * arity);
        DeviceBuffer upstream = cuda.allocateFloats(rows * arity);
        DeviceBuffer grad = cuda.allocateFloats(rows * arity);
        CudaStream stream = cuda.createStream()) {
      Sample d = est.forward(cuda, logits, rows, arity, key, choice, oneHot, stream);
      upstream.copyFrom(hostUpstream);   // your network writes upstream (on the same stream)
      est.backward(d, upstream, grad);
      stream.synchronize();              // throws the IllegalArgumentException of any bad row
      grad.copyTo(hostGrad);
    }
    return hostGrad;
  }
  // end snippet
}
