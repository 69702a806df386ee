package dev.gumbelrao.cuda;

import dev.gumbelrao.backends.NativeRuntime;


/**
 * A CUDA runtime error, raised by the CUDA backend with the operation that met it and the
 * runtime's description ({@code cudaGetErrorString}). Errors such as an illegal address leave the
 * device's context unusable, as in any CUDA program; the message says which error it was.
 */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int error;

  public CudaException(String operation, int error) {
    super(operation + ": CUDA error " + error + " ("
        + NativeRuntime.cudaErrorString(error) + ")");
    this.error = error;
  }

  /** The cudaError_t value. */
  public int error() {
    return error;
  }

  /** Throws for a non-zero cudaError_t. */
  public static void check(int error, String operation) {
    if (error != 0) throw new CudaException(operation, error);
  }
}
