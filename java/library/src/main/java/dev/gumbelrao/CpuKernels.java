package dev.gumbelrao;

import static dev.gumbelrao.DirectBuffers.address;
import static dev.gumbelrao.DirectBuffers.require;


/**
 * The native CPU backend: each operation is one JNI call into the C++ kernels. Arrays are handed
 * over as critical regions (no copies); direct buffers by address, after every buffer argument
 * has been checked to be direct and in native byte order.
 */
final class CpuKernels implements Kernels {
  CpuKernels() {
    NativeSupport.require();
  }

  @Override
  public Backend backend() {
    return Backend.CPU;
  }

  @Override
  public String description() {
    return "CPU (" + NativeSupport.cpuIsa() + ", " + NativeKernels.cpuThreads() + " threads)";
  }

  @Override
  public void close() {}

  @Override
  public long sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice,
      Floats oneHot) {
    if (logits.array != null) {
      return NativeKernels.sample(logits.array, rows, arity, key.seed(), key.offsetWord(),
          choice.array, oneHot == null ? null : oneHot.array);
    }
    require(logits, choice, oneHot);
    return NativeKernels.sample(address(logits), rows, arity, key.seed(), key.offsetWord(),
        address(choice), address(oneHot));
  }

  @Override
  public long conditionalGumbel(Floats logits, Ints choice, int rows, int arity, int samples,
      NoiseKey key, Floats noise) {
    if (logits.array != null) {
      return NativeKernels.conditionalGumbel(logits.array, choice.array, rows, arity, samples,
          key.seed(), key.offsetWord(), noise.array);
    }
    require(logits, choice, noise);
    return NativeKernels.conditionalGumbel(address(logits), address(choice), rows, arity,
        samples, key.seed(), key.offsetWord(), address(noise));
  }

  @Override
  public long gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.gumbelRaoBackward(logits.array, choice.array, upstream.array, rows,
          arity, samples, tau, key.seed(), key.offsetWord(), grad.array);
    }
    require(logits, choice, upstream, grad);
    return NativeKernels.gumbelRaoBackward(address(logits), address(choice), address(upstream),
        rows, arity, samples, tau, key.seed(), key.offsetWord(), address(grad));
  }

  @Override
  public long gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft) {
    if (logits.array != null) {
      return NativeKernels.gumbelSoftmaxForward(logits.array, rows, arity, tau, key.seed(),
          key.offsetWord(), soft.array);
    }
    require(logits, soft);
    return NativeKernels.gumbelSoftmaxForward(address(logits), rows, arity, tau, key.seed(),
        key.offsetWord(), address(soft));
  }

  @Override
  public long gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, NoiseKey key, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.gumbelSoftmaxBackward(logits.array, upstream.array, rows, arity, tau,
          key.seed(), key.offsetWord(), grad.array);
    }
    require(logits, upstream, grad);
    return NativeKernels.gumbelSoftmaxBackward(address(logits), address(upstream), rows, arity,
        tau, key.seed(), key.offsetWord(), address(grad));
  }

  @Override
  public long straightThroughBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.straightThroughBackward(logits.array, upstream.array, rows, arity,
          tau, grad.array);
    }
    require(logits, upstream, grad);
    return NativeKernels.straightThroughBackward(address(logits), address(upstream), rows,
        arity, tau, address(grad));
  }

  @Override
  public long reinforceBackward(Floats logits, Ints choice, Floats losses, float baseline,
      int rows, int arity, Floats grad) {
    if (logits.array != null) {
      return NativeKernels.reinforceBackward(logits.array, choice.array, losses.array, baseline,
          rows, arity, grad.array);
    }
    require(logits, choice, losses, grad);
    return NativeKernels.reinforceBackward(address(logits), address(choice), address(losses),
        baseline, rows, arity, address(grad));
  }
}
