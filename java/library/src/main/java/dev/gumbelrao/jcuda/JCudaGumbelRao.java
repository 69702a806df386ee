package dev.gumbelrao.jcuda;

import dev.gumbelrao.DeviceStatus;
import dev.gumbelrao.GumbelRaoCuda;
import dev.gumbelrao.NoiseKey;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * {@link GumbelRaoCuda}'s device-resident operations for callers that hold JCuda objects: device
 * memory as {@code jcuda.Pointer} / {@code jcuda.driver.CUdeviceptr} (from cudaMalloc or
 * cuMemAlloc) and streams as {@code jcuda.driver.CUstream} or {@code jcuda.runtime.cudaStream_t}
 * (null: the legacy default stream). Work runs on the caller's stream and context, without
 * synchronisation; semantics, validation and status reporting are GumbelRaoCuda's.
 *
 * <p>JCuda is an optional dependency: only this package needs its jars.
 */
public final class JCudaGumbelRao {
  private final GumbelRaoCuda cuda;

  public JCudaGumbelRao(GumbelRaoCuda cuda) {
    if (cuda == null) throw new IllegalArgumentException("cuda must not be null");
    this.cuda = cuda;
  }

  public GumbelRaoCuda cuda() {
    return cuda;
  }

  private static long a(Pointer p) {
    return JCudaAddresses.address(p);
  }

  private static long s(NativePointerObject stream) {
    return JCudaAddresses.stream(stream);
  }

  public void sample(Pointer logits, int rows, int arity, NoiseKey key, Pointer choice,
      Pointer oneHot, NativePointerObject stream, DeviceStatus status) {
    cuda.sample(a(logits), rows, arity, key, a(choice), a(oneHot), s(stream), status);
  }

  public void conditionalGumbel(Pointer logits, Pointer choice, int rows, int arity, int samples,
      NoiseKey key, Pointer noise, NativePointerObject stream, DeviceStatus status) {
    cuda.conditionalGumbel(a(logits), a(choice), rows, arity, samples, key, a(noise), s(stream),
        status);
  }

  public void gumbelRaoBackward(Pointer logits, Pointer choice, Pointer upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Pointer grad, NativePointerObject stream,
      DeviceStatus status) {
    cuda.gumbelRaoBackward(a(logits), a(choice), a(upstream), rows, arity, samples, tau, key,
        a(grad), s(stream), status);
  }

  public void gumbelSoftmaxForward(Pointer logits, int rows, int arity, float tau, NoiseKey key,
      Pointer soft, NativePointerObject stream, DeviceStatus status) {
    cuda.gumbelSoftmaxForward(a(logits), rows, arity, tau, key, a(soft), s(stream), status);
  }

  public void gumbelSoftmaxBackward(Pointer logits, Pointer upstream, int rows, int arity,
      float tau, NoiseKey key, Pointer grad, NativePointerObject stream, DeviceStatus status) {
    cuda.gumbelSoftmaxBackward(a(logits), a(upstream), rows, arity, tau, key, a(grad),
        s(stream), status);
  }

  public void straightThroughBackward(Pointer logits, Pointer upstream, int rows, int arity,
      float tau, Pointer grad, NativePointerObject stream, DeviceStatus status) {
    cuda.straightThroughBackward(a(logits), a(upstream), rows, arity, tau, a(grad), s(stream),
        status);
  }

  public void reinforceBackward(Pointer logits, Pointer choice, Pointer losses, float baseline,
      int rows, int arity, Pointer grad, NativePointerObject stream, DeviceStatus status) {
    cuda.reinforceBackward(a(logits), a(choice), a(losses), baseline, rows, arity, a(grad),
        s(stream), status);
  }
}
