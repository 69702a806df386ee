package dev.gumbelrao;

import static dev.gumbelrao.DirectBuffers.address;
import static dev.gumbelrao.DirectBuffers.require;


/**
 * The CUDA backend for host memory: each operation is one JNI call that stages the arrays (or
 * direct buffers) through the calling thread's page-locked and device memory, runs the kernel on
 * the thread's own stream of this instance's device, copies the outputs back and synchronises
 * (gumbel_rao_cuda_host.h). Threads never share a stream or buffer, so concurrent calls from
 * many threads run concurrently on the GPU.
 */
final class CudaKernels implements Kernels {
  private final int device;
  private final String name;

  CudaKernels(int device) {
    BackendStatus cuda = Backends.status(Backend.CUDA);
    if (!cuda.available()) throw new BackendUnavailableException(cuda);
    int count = Backends.cudaDeviceCount();
    if (device < 0 || device >= count) {
      throw new IllegalArgumentException("device must be in [0, " + count + "), got " + device);
    }
    this.device = device;
    this.name = Backends.cudaDeviceName(device);
  }

  @Override
  public Backend backend() {
    return Backend.CUDA;
  }

  @Override
  public String description() {
    return "CUDA (device " + device + ": " + name + ")";
  }

  @Override
  public void close() {
    NativeKernels.cudaHostReleaseThread();
  }

  @Override
  public long sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice,
      Floats oneHot) {
    if (logits.array != null) {
      return NativeKernels.cudaHostSample(device, logits.array, rows, arity, key.seed(),
          key.offsetWord(), choice.array, oneHot == null ? null : oneHot.array);
    }
    require(logits, choice, oneHot);
    return NativeKernels.cudaHostSample(device, address(logits), rows, arity, key.seed(),
        key.offsetWord(), address(choice), address(oneHot));
  }

  @Override
  public long conditionalGumbel(Floats logits, Ints choice, int rows, int arity, int samples,
      NoiseKey key, Floats noise) {
    if (logits.array != null) {
      return NativeKernels.cudaHostConditionalGumbel(device, logits.array, choice.array, rows,
          arity, samples, key.seed(), key.offsetWord(), noise.array);
    }
    require(logits, choice, noise);
    return NativeKernels.cudaHostConditionalGumbel(device, address(logits), address(choice),
        rows, arity, samples, key.seed(), key.offsetWord(), address(noise));
  }

  @Override
  public long gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.cudaHostGumbelRaoBackward(device, logits.array, choice.array,
          upstream.array, rows, arity, samples, tau, key.seed(), key.offsetWord(), grad.array);
    }
    require(logits, choice, upstream, grad);
    return NativeKernels.cudaHostGumbelRaoBackward(device, address(logits), address(choice),
        address(upstream), rows, arity, samples, tau, key.seed(), key.offsetWord(),
        address(grad));
  }

  @Override
  public long gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft) {
    if (logits.array != null) {
      return NativeKernels.cudaHostGumbelSoftmaxForward(device, logits.array, rows, arity, tau,
          key.seed(), key.offsetWord(), soft.array);
    }
    require(logits, soft);
    return NativeKernels.cudaHostGumbelSoftmaxForward(device, address(logits), rows, arity, tau,
        key.seed(), key.offsetWord(), address(soft));
  }

  @Override
  public long gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, NoiseKey key, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.cudaHostGumbelSoftmaxBackward(device, logits.array, upstream.array,
          rows, arity, tau, key.seed(), key.offsetWord(), grad.array);
    }
    require(logits, upstream, grad);
    return NativeKernels.cudaHostGumbelSoftmaxBackward(device, address(logits),
        address(upstream), rows, arity, tau, key.seed(), key.offsetWord(), address(grad));
  }

  @Override
  public long straightThroughBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.cudaHostStraightThroughBackward(device, logits.array, upstream.array,
          rows, arity, tau, grad.array);
    }
    require(logits, upstream, grad);
    return NativeKernels.cudaHostStraightThroughBackward(device, address(logits),
        address(upstream), rows, arity, tau, address(grad));
  }

  @Override
  public long reinforceBackward(Floats logits, Ints choice, Floats losses, float baseline,
      int rows, int arity, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.cudaHostReinforceBackward(device, logits.array, choice.array,
          losses.array, baseline, rows, arity, grad.array);
    }
    require(logits, choice, losses, grad);
    return NativeKernels.cudaHostReinforceBackward(device, address(logits), address(choice),
        address(losses), baseline, rows, arity, address(grad));
  }
}
