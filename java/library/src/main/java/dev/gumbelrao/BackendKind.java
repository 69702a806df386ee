package dev.gumbelrao;

/**
 * Which backend runs the kernels: what {@link Backend#open(BackendKind)} asks for.
 *
 * <ul>
 *   <li>{@link #CPU}: the native C++ kernels (JNI through JavaCPP), vectorised for the CPU's
 *       instruction set (AVX-512, AVX2 or baseline x86-64, chosen at run time) and spread over a
 *       pool of native threads. Linux x86-64.
 *   <li>{@link #JAVA}: pure Java in double precision, the same Philox streams and formulas
 *       (one Java mirror of the native math header); runs anywhere, and is the oracle the native backends are tested
 *       against.
 *   <li>{@link #CUDA}: NVIDIA GPUs, through the same native library (built with nvcc; the CUDA
 *       runtime is linked statically and loads the driver when first used). Host arrays are
 *       staged through pinned memory; {@link dev.gumbelrao.cuda.CudaDevice} works on device memory
 *       directly.
 *   <li>{@link #AUTO}: CUDA when a device is present and the CUDA kernels are built, else CPU
 *       when the native library loads, else JAVA. The choice and its reason are logged.
 * </ul>
 *
 * <p>For a given seed every backend draws the same noise, so D is the same (except for rows
 * whose two best perturbed logits tie to float rounding) and gradients agree to float rounding.
 */
public enum BackendKind {
  AUTO,
  CPU,
  JAVA,
  CUDA
}
