package dev.gumbelrao.backends;

import dev.gumbelrao.Backend;
import dev.gumbelrao.cuda.CudaDevice;
import dev.gumbelrao.cuda.CudaStream;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The targets behind the public handles, for the estimators: {@link Backend} and {@link CudaDevice}
 * keep their target private and register here how to read it when their class initialises (the
 * JDK's SharedSecrets pattern), so that it is not part of their API. This package is not exported
 * by the module.
 */
public final class Targets {
  private Targets() {}

  private static volatile Function<Backend, Target> ofBackend;
  private static volatile BiFunction<CudaDevice, CudaStream, Target> ofStream;

  /** Called once by {@link Backend}'s static initialiser. */
  public static void registerBackend(Function<Backend, Target> f) {
    ofBackend = f;
  }

  /** Called once by {@link CudaDevice}'s static initialiser. */
  public static void registerStream(BiFunction<CudaDevice, CudaStream, Target> f) {
    ofStream = f;
  }

  /** The target of an open backend (throws IllegalStateException when it is closed). */
  public static Target of(Backend backend) {
    Checks.notNull(backend, "backend");
    return ofBackend.apply(backend);
  }

  /** The target of a stream of an open device. */
  public static Target of(CudaDevice device, CudaStream stream) {
    Checks.notNull(device, "device");
    Checks.notNull(stream, "stream");
    return ofStream.apply(device, stream);
  }

  /** The JAVA backend. */
  public static Target java() {
    return new JavaKernels();
  }

  /** The native CPU backend (throws BackendUnavailableException when it cannot load). */
  public static Target cpu() {
    return NativeHostTarget.cpu();
  }

  /** CUDA device {@code device} for host memory: arrays and buffers staged per thread. */
  public static Target cudaStaged(int device) {
    return NativeHostTarget.cudaStaged(device);
  }
}
