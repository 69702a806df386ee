package dev.gumbelrao;

/**
 * Whether a backend can run here, and why (or why not): for example
 * {@code CPU available: native library loaded, avx512, 2 threads} or
 * {@code CUDA unavailable: no CUDA device (cudaGetDeviceCount: CUDA driver version is insufficient for CUDA runtime version)}.
 *
 * @param kind the backend described
 * @param available whether {@link Backend#open(BackendKind)} succeeds for it
 * @param detail the reason, in one line
 */
public record BackendStatus(BackendKind kind, boolean available, String detail) {
  @Override
  public String toString() {
    return kind + (available ? " available: " : " unavailable: ") + detail;
  }
}
