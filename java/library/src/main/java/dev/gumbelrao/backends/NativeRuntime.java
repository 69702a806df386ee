package dev.gumbelrao.backends;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * The JNI binding of the native library's runtime functions (gumbel_rao.h and gumbel_rao_cuda.h:
 * the CPU backend's configuration, self-checks, the CUDA probe and runtime helpers), generated and
 * compiled by JavaCPP at build time together with {@link NativeOperations}, the operations'
 * binding. Not an API.
 *
 * <p>The library is linked through {@code libgumbelrao.so}, an ld script that CMake writes with
 * what this build needs (our static archive, and the static CUDA runtime when CUDA was found),
 * and loaded by {@link NativeLibrary}.
 */
@Properties(value = @Platform(
    include = {"gumbel_rao/gumbel_rao.h", "gumbel_rao/gumbel_rao_cuda.h",
        "gumbel_rao/operations.h"},
    link = "gumbelrao"))
public final class NativeRuntime {
  // Not JavaCPP's Loader.load(): its cache holds one copy per jar file name; NativeLibrary keeps
  // one per version (see there).
  static {
    NativeLibrary.load();
  }

  private NativeRuntime() {}

  /** Forces the class (and so the library) to load; throws UnsatisfiedLinkError if it cannot. */
  public static void load() {}

  // ------------------------------------------------------------------- CPU backend
  @Name("gr_cpu_isa")
  public static native @Cast("const char*") String cpuIsa();

  @Name("gr_cpu_set_isa")
  public static native int setCpuIsa(String isa);

  @Name("gr_cpu_threads")
  public static native int cpuThreads();

  @Name("gr_cpu_set_threads")
  public static native void setCpuThreads(int threads);

  /** The calling thread's cancel word (see {@link CancelWatch}); 0 makes its calls uncancellable. */
  @Name("gr_cpu_set_cancel_flag")
  public static native void setCancelFlag(@Cast("const int32_t*") long flag);

  /** The address of a direct buffer's current position. */
  @Name("gr_address")
  public static native @Cast("intptr_t") long address(FloatBuffer buffer);

  /** The address of a direct buffer's current position. */
  @Name("gr_address")
  public static native @Cast("intptr_t") long address(IntBuffer buffer);

  // --------------------------------------------------------------------- self-checks
  @Name("gr_cpu_uniform_map_violations")
  public static native long uniformMapViolations();

  @CriticalRegion
  @Name("gr_cpu_eval_math")
  public static native void evalMath(int function, @Const float[] x, float[] y, long n);

  @CriticalRegion
  @Name("gr_cpu_uniforms")
  public static native void uniforms(@Cast("uint64_t") long seed, @Cast("uint32_t") int offset, long row,
      @Cast("uint32_t") int slot, int arity, float[] u);

  @CriticalRegion
  @Name("gr_cpu_philox")
  public static native void philox(@Cast("uint64_t") long seed, @Cast("uint32_t") int quad,
      @Cast("uint32_t") int row, @Cast("uint32_t") int slot, @Cast("uint32_t") int offset,
      @Cast("int32_t*") int[] words);

  // ------------------------------------------------------------------------- CUDA probe
  @Name("gr_cuda_compiled")
  public static native int cudaCompiled();

  @CriticalRegion
  @Name("gr_cuda_device_count")
  public static native int cudaDeviceCount(@Cast("int32_t*") int[] count);

  @Name("gr_cuda_error_string")
  public static native @Cast("const char*") String cudaErrorString(int error);

  @Name("gr_cuda_device_name")
  public static native int cudaDeviceName(int ordinal, @Cast("char*") byte[] name, int capacity);

  @Name("gr_cuda_driver_probe")
  public static native int cudaDriverProbe(@Cast("int32_t*") int[] version);

  @Name("gr_cuda_runtime_version")
  public static native int cudaRuntimeVersion();

  @CriticalRegion
  @Name("gr_cuda_driver_version")
  public static native int cudaDriverVersion(@Cast("int32_t*") int[] version);

  // ====================================================== CUDA: host memory (staged per thread)
  @Name("gr_cuda_host_release_thread")
  public static native void cudaHostReleaseThread();

  /** Frees every thread's staging memory; returns the first cudaError_t met (0: none). */
  @Name("gr_cuda_host_release_all")
  public static native int cudaHostReleaseAll();

  @Name("gr_cuda_host_workspace_bytes")
  public static native long cudaHostWorkspaceBytes();

  // ============================================================= CUDA: status words and runtime
  @Name("gr_cuda_status_reset")
  public static native int cudaStatusReset(@Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @CriticalRegion
  @Name("gr_cuda_status_take")
  public static native int cudaStatusTake(@Cast("uint64_t*") long status,
      @Cast("void*") long stream, @Cast("int64_t*") long[] decoded);

  @Name("gr_cuda_precise_math")
  public static native int cudaPreciseMath();

  @Name("gr_cuda_set_device")
  public static native int cudaSetDevice(int device);

  @Name("gr_cuda_get_device")
  public static native int cudaGetDevice(@Cast("int32_t*") int[] device);

  @CriticalRegion
  @Name("gr_cuda_malloc")
  public static native int cudaMalloc(@Cast("uint64_t") long bytes,
      @Cast("uint64_t*") long[] address);

  @Name("gr_cuda_free")
  public static native int cudaFree(@Cast("uint64_t") long address);

  @Name("gr_cuda_memset_async")
  public static native int cudaMemsetAsync(@Cast("uint64_t") long address, int value,
      @Cast("uint64_t") long bytes, @Cast("void*") long stream);

  @CriticalRegion
  @Name("gr_cuda_stream_create")
  public static native int cudaStreamCreate(@Cast("uint64_t*") long[] stream);

  @Name("gr_cuda_stream_destroy")
  public static native int cudaStreamDestroy(@Cast("void*") long stream);

  @Name("gr_cuda_stream_synchronize")
  public static native int cudaStreamSynchronize(@Cast("void*") long stream);

  @CriticalRegion
  @Name("gr_cuda_pointer_info")
  public static native int cudaPointerInfo(@Cast("uint64_t") long address,
      @Cast("int32_t*") int[] memoryType, @Cast("int32_t*") int[] device);

  @Name("gr_cuda_device_synchronize")
  public static native int cudaDeviceSynchronize();

  @CriticalRegion
  @Name("gr_cuda_copy_to_device")
  public static native int cudaCopyToDevice(@Cast("uint64_t") long dst, @Const float[] src,
      @Cast("uint64_t") long bytes);

  @CriticalRegion
  @Name("gr_cuda_copy_to_device")
  public static native int cudaCopyToDevice(@Cast("uint64_t") long dst, @Const int[] src,
      @Cast("uint64_t") long bytes);

  @Name("gr_cuda_copy_to_device")
  public static native int cudaCopyToDevice(@Cast("uint64_t") long dst,
      @Cast("const void*") long src, @Cast("uint64_t") long bytes);

  @CriticalRegion
  @Name("gr_cuda_copy_to_host")
  public static native int cudaCopyToHost(float[] dst, @Cast("uint64_t") long src,
      @Cast("uint64_t") long bytes);

  @CriticalRegion
  @Name("gr_cuda_copy_to_host")
  public static native int cudaCopyToHost(int[] dst, @Cast("uint64_t") long src,
      @Cast("uint64_t") long bytes);

  @Name("gr_cuda_copy_to_host")
  public static native int cudaCopyToHost(@Cast("void*") long dst, @Cast("uint64_t") long src,
      @Cast("uint64_t") long bytes);
}
