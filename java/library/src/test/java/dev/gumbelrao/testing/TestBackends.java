package dev.gumbelrao.testing;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.stream.Stream;

/**
 * The backends every property test runs on. A backend that cannot run here (CUDA without a
 * device or kernels; CPU without the native library) is reported as a skipped test with its
 * reason, never silently dropped.
 */
public final class TestBackends {
  private TestBackends() {}

  /** CPU, JAVA and CUDA: the runs of an {@link EveryBackend} test, or a {@code @MethodSource}. */
  public static Stream<BackendKind> all() {
    return Stream.of(BackendKind.CPU, BackendKind.JAVA, BackendKind.CUDA);
  }

  /** The native backends checked against the JAVA oracle. */
  public static Stream<BackendKind> nativeBackends() {
    return Stream.of(BackendKind.CPU, BackendKind.CUDA);
  }

  /** Opens the backend, or skips the calling test with the reason it is unavailable. */
  public static Backend open(BackendKind backend) {
    BackendStatus status = Backends.status(backend);
    assumeTrue(status.available(), status::toString);
    return Backend.open(backend);
  }
}
