package dev.gumbelrao.backends;

import dev.gumbelrao.BackendKind;

/**
 * Where calls run: the JAVA backend, the native CPU backend, a CUDA device for host memory, or a
 * CUDA stream for device memory. Every operation goes through {@link #execute(Call)}, so the
 * checks, the staging and the status handling are written once, whatever the operation.
 */
public interface Target {
  /** The backend this target belongs to. */
  BackendKind kind();

  /** One line: the backend and its configuration (instruction set, threads, device). */
  String description();

  /**
   * Checks the call's arguments for this target, runs it, and throws what its status stands for:
   * IllegalArgumentException naming the argument or row, CudaException, OutOfMemoryError, or
   * CancellationException when the calling thread was interrupted.
   */
  void execute(Call c);

  /** Whether this target takes device memory (a CUDA stream) rather than host memory. */
  default boolean device() {
    return false;
  }

  /** Frees what the target holds (the CUDA backend's staging memory); calls after it fail. */
  default void close() {}
}
