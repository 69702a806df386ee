package dev.gumbelrao;

/**
 * Whether a backend can run here, and why (or why not): for example
 * {@code CPU available: native library loaded, avx512, 2 threads} or
 * {@code CUDA unavailable: no CUDA device (cudaGetDeviceCount: CUDA driver version is insufficient for CUDA runtime version)}.
 *
 * @param backend the backend described
 * @param available whether {@link GumbelRao#create(Backend)} succeeds for it
 * @param detail the reason, in one line
 */
public record BackendStatus(Backend backend, boolean available, String detail) {
  @Override
  public String toString() {
    return backend + (available ? " available: " : " unavailable: ") + detail;
  }
}
