package dev.gumbelrao;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * The JNI binding of the native library's C interface ({@code native/include/gumbel_rao/gumbel_rao.h}),
 * generated and compiled by JavaCPP at build time. Not an API: {@code dev.gumbelrao.GumbelRao}
 * validates every argument before calling here.
 *
 * <p>Each operation has two entry points. The {@code float[]}/{@code int[]} one is a
 * {@link CriticalRegion}: the JVM hands over the arrays themselves (no copy in or out) and holds
 * off garbage collection for the duration of the call. The {@code long} one takes raw addresses
 * (direct NIO buffers, see {@link #address(FloatBuffer)}). Every function returns a status:
 * 0, or {@code code << 40 | row} as defined in gumbel_rao.h.
 *
 * <p>CUDA entry points come in two kinds: {@code cudaHost*} take host memory (direct buffers:
 * arrays are staged in Java, see {@link Staging}) and stage it through the calling thread's
 * page-locked and device memory (gumbel_rao_cuda_host.h), returning a status like the CPU
 * functions; {@code cuda*} take device addresses and a stream handle and return the
 * cudaError_t of queuing the work (gumbel_rao_cuda.h). A build without CUDA links stubs that
 * answer cudaErrorNoDevice.
 *
 * <p>The library is linked through {@code libgumbelrao.so}, an ld script that CMake writes with
 * what this build needs (our static archive, and the static CUDA runtime when CUDA was found),
 * and loaded by {@link NativeLibrary}.
 */
@Properties(value = @Platform(
    include = {"gumbel_rao/gumbel_rao.h", "gumbel_rao/gumbel_rao_cuda.h",
        "gumbel_rao/gumbel_rao_cuda_host.h"},
    link = "gumbelrao"))
final class NativeKernels {
  // Not JavaCPP's Loader.load(): its cache holds one copy per jar file name; NativeLibrary keeps
  // one per version (see there).
  static {
    NativeLibrary.load();
  }

  private NativeKernels() {}

  /** Forces the class (and so the library) to load; throws UnsatisfiedLinkError if it cannot. */
  static void load() {}

  // ------------------------------------------------------------------------------- sample
  @CriticalRegion
  @Name("gr_cpu_sample")
  static native long sample(@Const float[] logits, long rows, int arity,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("int32_t*") int[] choice,
      float[] oneHot);

  @Name("gr_cpu_sample")
  static native long sample(@Cast("const float*") long logits, long rows, int arity,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("int32_t*") long choice,
      @Cast("float*") long oneHot);

  // ----------------------------------------------------------- conditional Gumbel noise
  @CriticalRegion
  @Name("gr_cpu_conditional_gumbel")
  static native long conditionalGumbel(@Const float[] logits,
      @Cast("const int32_t*") int[] choice, long rows, int arity, int samples,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, float[] noise);

  @Name("gr_cpu_conditional_gumbel")
  static native long conditionalGumbel(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, long rows, int arity, int samples,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("float*") long noise);

  // --------------------------------------------------------------------- Gumbel-Rao
  @CriticalRegion
  @Name("gr_cpu_gumbel_rao_backward")
  static native long gumbelRaoBackward(@Const float[] logits,
      @Cast("const int32_t*") int[] choice, @Const float[] upstream, long rows, int arity,
      int samples, float tau, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset,
      float[] grad);

  @Name("gr_cpu_gumbel_rao_backward")
  static native long gumbelRaoBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, int samples, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, @Cast("float*") long grad);

  // ----------------------------------------------------------------- Gumbel-Softmax
  @CriticalRegion
  @Name("gr_cpu_gumbel_softmax_forward")
  static native long gumbelSoftmaxForward(@Const float[] logits, long rows, int arity,
      float tau, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, float[] soft);

  @Name("gr_cpu_gumbel_softmax_forward")
  static native long gumbelSoftmaxForward(@Cast("const float*") long logits, long rows,
      int arity, float tau, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset,
      @Cast("float*") long soft);

  @CriticalRegion
  @Name("gr_cpu_gumbel_softmax_backward")
  static native long gumbelSoftmaxBackward(@Const float[] logits,
      @Const float[] upstream, long rows, int arity, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, float[] grad);

  @Name("gr_cpu_gumbel_softmax_backward")
  static native long gumbelSoftmaxBackward(@Cast("const float*") long logits,
      @Cast("const float*") long upstream, long rows, int arity, float tau,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("float*") long grad);

  // --------------------------------------------------------------- straight-through
  @CriticalRegion
  @Name("gr_cpu_straight_through_backward")
  static native long straightThroughBackward(@Const float[] logits,
      @Const float[] upstream, long rows, int arity, float tau, float[] grad);

  @Name("gr_cpu_straight_through_backward")
  static native long straightThroughBackward(@Cast("const float*") long logits,
      @Cast("const float*") long upstream, long rows, int arity, float tau,
      @Cast("float*") long grad);

  // ---------------------------------------------------------------------- REINFORCE
  @CriticalRegion
  @Name("gr_cpu_reinforce_backward")
  static native long reinforceBackward(@Const float[] logits,
      @Cast("const int32_t*") int[] choice, @Const float[] losses, float baseline, long rows,
      int arity, float[] grad);

  @Name("gr_cpu_reinforce_backward")
  static native long reinforceBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, float baseline,
      long rows, int arity, @Cast("float*") long grad);

  // ------------------------------------------------- estimators beyond the paper
  @CriticalRegion
  @Name("gr_cpu_binary_sample")
  static native long binarySample(@Const float[] logits, long rows, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, int antithetic, @Cast("int32_t*") int[] choice,
      float[] values);

  @Name("gr_cpu_binary_sample")
  static native long binarySample(@Cast("const float*") long logits, long rows,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, int antithetic,
      @Cast("int32_t*") long choice, @Cast("float*") long values);

  @CriticalRegion
  @Name("gr_cpu_gumbel_rao_total_backward")
  static native long gumbelRaoTotalBackward(@Const float[] logits,
      @Cast("const int32_t*") int[] choice, @Const float[] upstream, long rows, int arity,
      int samples, float tau, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset,
      float[] grad);

  @Name("gr_cpu_gumbel_rao_total_backward")
  static native long gumbelRaoTotalBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, int samples, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, @Cast("float*") long grad);

  @CriticalRegion
  @Name("gr_cpu_zgr_backward")
  static native long zgrBackward(@Const float[] logits, @Cast("const int32_t*") int[] choice,
      @Const float[] upstream, long rows, int arity, float[] grad);

  @Name("gr_cpu_zgr_backward")
  static native long zgrBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, @Cast("float*") long grad);

  @CriticalRegion
  @Name("gr_cpu_zgr_binary_backward")
  static native long zgrBinaryBackward(@Const float[] logits,
      @Cast("const int32_t*") int[] choice, @Const float[] upstream, long rows, float[] grad);

  @Name("gr_cpu_zgr_binary_backward")
  static native long zgrBinaryBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      @Cast("float*") long grad);

  @CriticalRegion
  @Name("gr_cpu_reinmax_backward")
  static native long reinMaxBackward(@Const float[] logits, @Cast("const int32_t*") int[] choice,
      @Const float[] upstream, long rows, int arity, float tau, float[] grad);

  @Name("gr_cpu_reinmax_backward")
  static native long reinMaxBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, float tau, @Cast("float*") long grad);

  @CriticalRegion
  @Name("gr_cpu_gst_backward")
  static native long gstBackward(@Const float[] logits, @Cast("const int32_t*") int[] choice,
      @Const float[] upstream, long rows, int arity, float tau, float gap, float[] grad);

  @Name("gr_cpu_gst_backward")
  static native long gstBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, float tau, float gap, @Cast("float*") long grad);

  @CriticalRegion
  @Name("gr_cpu_rloo_backward")
  static native long rlooBackward(@Const float[] logits, @Cast("const int32_t*") int[] choice,
      @Const float[] losses, long rows, int arity, int samples, float[] grad);

  @Name("gr_cpu_rloo_backward")
  static native long rlooBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, long rows,
      int arity, int samples, @Cast("float*") long grad);

  @CriticalRegion
  @Name("gr_cpu_disarm_backward")
  static native long disarmBackward(@Const float[] logits, @Cast("const int32_t*") int[] choice,
      @Const float[] losses, long rows, float[] grad);

  @Name("gr_cpu_disarm_backward")
  static native long disarmBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, long rows,
      @Cast("float*") long grad);

  // ------------------------------------------------------------------- CPU backend
  @Name("gr_cpu_isa")
  static native @Cast("const char*") String cpuIsa();

  @Name("gr_cpu_set_isa")
  static native int setCpuIsa(String isa);

  @Name("gr_cpu_threads")
  static native int cpuThreads();

  @Name("gr_cpu_set_threads")
  static native void setCpuThreads(int threads);

  /** The calling thread's cancel word (see {@link CancelWatch}); 0 makes its calls uncancellable. */
  @Name("gr_cpu_set_cancel_flag")
  static native void setCancelFlag(@Cast("const int32_t*") long flag);

  /** The address of a direct buffer's current position. */
  @Name("gr_address")
  static native @Cast("intptr_t") long address(FloatBuffer buffer);

  /** The address of a direct buffer's current position. */
  @Name("gr_address")
  static native @Cast("intptr_t") long address(IntBuffer buffer);

  // --------------------------------------------------------------------- self-checks
  @Name("gr_cpu_uniform_map_violations")
  static native long uniformMapViolations();

  @CriticalRegion
  @Name("gr_cpu_eval_math")
  static native void evalMath(int function, @Const float[] x, float[] y, long n);

  @CriticalRegion
  @Name("gr_cpu_uniforms")
  static native void uniforms(@Cast("uint64_t") long seed, @Cast("uint32_t") int offset, long row,
      @Cast("uint32_t") int slot, int arity, float[] u);

  @CriticalRegion
  @Name("gr_cpu_philox")
  static native void philox(@Cast("uint64_t") long seed, @Cast("uint32_t") int quad,
      @Cast("uint32_t") int row, @Cast("uint32_t") int slot, @Cast("uint32_t") int offset,
      @Cast("int32_t*") int[] words);

  // ------------------------------------------------------------------------- CUDA probe
  @Name("gr_cuda_compiled")
  static native int cudaCompiled();

  @CriticalRegion
  @Name("gr_cuda_device_count")
  static native int cudaDeviceCount(@Cast("int32_t*") int[] count);

  @Name("gr_cuda_error_string")
  static native @Cast("const char*") String cudaErrorString(int error);

  @Name("gr_cuda_device_name")
  static native int cudaDeviceName(int ordinal, @Cast("char*") byte[] name, int capacity);

  @Name("gr_cuda_driver_probe")
  static native int cudaDriverProbe(@Cast("int32_t*") int[] version);

  @Name("gr_cuda_runtime_version")
  static native int cudaRuntimeVersion();

  @CriticalRegion
  @Name("gr_cuda_driver_version")
  static native int cudaDriverVersion(@Cast("int32_t*") int[] version);

  // ====================================================== CUDA: host memory (staged per thread)
  @Name("gr_cuda_host_sample")
  static native long cudaHostSample(int device, @Cast("const float*") long logits,
      long rows, int arity, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset,
      @Cast("int32_t*") long choice, @Cast("float*") long oneHot);

  @Name("gr_cuda_host_conditional_gumbel")
  static native long cudaHostConditionalGumbel(int device,
      @Cast("const float*") long logits, @Cast("const int32_t*") long choice, long rows,
      int arity, int samples, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset,
      @Cast("float*") long noise);

  @Name("gr_cuda_host_gumbel_rao_backward")
  static native long cudaHostGumbelRaoBackward(int device,
      @Cast("const float*") long logits, @Cast("const int32_t*") long choice,
      @Cast("const float*") long upstream, long rows, int arity, int samples, float tau,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("float*") long grad);

  @Name("gr_cuda_host_gumbel_softmax_forward")
  static native long cudaHostGumbelSoftmaxForward(int device,
      @Cast("const float*") long logits, long rows, int arity, float tau,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("float*") long soft);

  @Name("gr_cuda_host_gumbel_softmax_backward")
  static native long cudaHostGumbelSoftmaxBackward(int device,
      @Cast("const float*") long logits, @Cast("const float*") long upstream, long rows,
      int arity, float tau, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset,
      @Cast("float*") long grad);

  @Name("gr_cuda_host_straight_through_backward")
  static native long cudaHostStraightThroughBackward(int device,
      @Cast("const float*") long logits, @Cast("const float*") long upstream, long rows,
      int arity, float tau, @Cast("float*") long grad);

  @Name("gr_cuda_host_reinforce_backward")
  static native long cudaHostReinforceBackward(int device,
      @Cast("const float*") long logits, @Cast("const int32_t*") long choice,
      @Cast("const float*") long losses, float baseline, long rows, int arity,
      @Cast("float*") long grad);

  @Name("gr_cuda_host_binary_sample")
  static native long cudaHostBinarySample(int device, @Cast("const float*") long logits,
      long rows, @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, int antithetic,
      @Cast("int32_t*") long choice, @Cast("float*") long values);

  @Name("gr_cuda_host_gumbel_rao_total_backward")
  static native long cudaHostGumbelRaoTotalBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, int samples, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, @Cast("float*") long grad);

  @Name("gr_cuda_host_zgr_backward")
  static native long cudaHostZgrBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, @Cast("float*") long grad);

  @Name("gr_cuda_host_zgr_binary_backward")
  static native long cudaHostZgrBinaryBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      @Cast("float*") long grad);

  @Name("gr_cuda_host_reinmax_backward")
  static native long cudaHostReinMaxBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, float tau, @Cast("float*") long grad);

  @Name("gr_cuda_host_gst_backward")
  static native long cudaHostGstBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, float tau, float gap, @Cast("float*") long grad);

  @Name("gr_cuda_host_rloo_backward")
  static native long cudaHostRlooBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, long rows,
      int arity, int samples, @Cast("float*") long grad);

  @Name("gr_cuda_host_disarm_backward")
  static native long cudaHostDisarmBackward(int device, @Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, long rows,
      @Cast("float*") long grad);

  @Name("gr_cuda_host_release_thread")
  static native void cudaHostReleaseThread();

  /** Frees every thread's staging memory; returns the first cudaError_t met (0: none). */
  @Name("gr_cuda_host_release_all")
  static native int cudaHostReleaseAll();

  @Name("gr_cuda_host_workspace_bytes")
  static native long cudaHostWorkspaceBytes();

  // ============================================ CUDA: device addresses on a stream (asynchronous)
  @Name("gr_cuda_sample")
  static native int cudaSample(@Cast("const float*") long logits, long rows, int arity,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("int32_t*") long choice,
      @Cast("float*") long oneHot, @Cast("uint64_t*") long status, @Cast("void*") long stream);

  @Name("gr_cuda_conditional_gumbel")
  static native int cudaConditionalGumbel(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, long rows, int arity, int samples,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("float*") long noise,
      @Cast("uint64_t*") long status, @Cast("void*") long stream);

  @Name("gr_cuda_gumbel_rao_backward")
  static native int cudaGumbelRaoBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, int samples, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_gumbel_softmax_forward")
  static native int cudaGumbelSoftmaxForward(@Cast("const float*") long logits,
      long rows, int arity, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, @Cast("float*") long soft, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_gumbel_softmax_backward")
  static native int cudaGumbelSoftmaxBackward(@Cast("const float*") long logits,
      @Cast("const float*") long upstream, long rows, int arity, float tau,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, @Cast("float*") long grad,
      @Cast("uint64_t*") long status, @Cast("void*") long stream);

  @Name("gr_cuda_straight_through_backward")
  static native int cudaStraightThroughBackward(@Cast("const float*") long logits,
      @Cast("const float*") long upstream, long rows, int arity, float tau,
      @Cast("float*") long grad, @Cast("uint64_t*") long status, @Cast("void*") long stream);

  @Name("gr_cuda_reinforce_backward")
  static native int cudaReinforceBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, float baseline,
      long rows, int arity, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_binary_sample")
  static native int cudaBinarySample(@Cast("const float*") long logits, long rows,
      @Cast("uint64_t") long seed, @Cast("uint32_t") int offset, int antithetic,
      @Cast("int32_t*") long choice, @Cast("float*") long values, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_gumbel_rao_total_backward")
  static native int cudaGumbelRaoTotalBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, int samples, float tau, @Cast("uint64_t") long seed,
      @Cast("uint32_t") int offset, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_zgr_backward")
  static native int cudaZgrBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_zgr_binary_backward")
  static native int cudaZgrBinaryBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      @Cast("float*") long grad, @Cast("uint64_t*") long status, @Cast("void*") long stream);

  @Name("gr_cuda_reinmax_backward")
  static native int cudaReinMaxBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, float tau, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_gst_backward")
  static native int cudaGstBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long upstream, long rows,
      int arity, float tau, float gap, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_rloo_backward")
  static native int cudaRlooBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, long rows,
      int arity, int samples, @Cast("float*") long grad, @Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @Name("gr_cuda_disarm_backward")
  static native int cudaDisarmBackward(@Cast("const float*") long logits,
      @Cast("const int32_t*") long choice, @Cast("const float*") long losses, long rows,
      @Cast("float*") long grad, @Cast("uint64_t*") long status, @Cast("void*") long stream);

  // ============================================================= CUDA: status words and runtime
  @Name("gr_cuda_status_reset")
  static native int cudaStatusReset(@Cast("uint64_t*") long status,
      @Cast("void*") long stream);

  @CriticalRegion
  @Name("gr_cuda_status_take")
  static native int cudaStatusTake(@Cast("uint64_t*") long status,
      @Cast("void*") long stream, @Cast("int64_t*") long[] decoded);

  @Name("gr_cuda_precise_math")
  static native int cudaPreciseMath();

  @Name("gr_cuda_set_device")
  static native int cudaSetDevice(int device);

  @Name("gr_cuda_get_device")
  static native int cudaGetDevice(@Cast("int32_t*") int[] device);

  @CriticalRegion
  @Name("gr_cuda_malloc")
  static native int cudaMalloc(@Cast("uint64_t") long bytes,
      @Cast("uint64_t*") long[] address);

  @Name("gr_cuda_free")
  static native int cudaFree(@Cast("uint64_t") long address);

  @Name("gr_cuda_memset_async")
  static native int cudaMemsetAsync(@Cast("uint64_t") long address, int value,
      @Cast("uint64_t") long bytes, @Cast("void*") long stream);

  @CriticalRegion
  @Name("gr_cuda_stream_create")
  static native int cudaStreamCreate(@Cast("uint64_t*") long[] stream);

  @Name("gr_cuda_stream_destroy")
  static native int cudaStreamDestroy(@Cast("void*") long stream);

  @Name("gr_cuda_stream_synchronize")
  static native int cudaStreamSynchronize(@Cast("void*") long stream);

  @CriticalRegion
  @Name("gr_cuda_pointer_info")
  static native int cudaPointerInfo(@Cast("uint64_t") long address,
      @Cast("int32_t*") int[] memoryType, @Cast("int32_t*") int[] device);

  @Name("gr_cuda_device_synchronize")
  static native int cudaDeviceSynchronize();

  @CriticalRegion
  @Name("gr_cuda_copy_to_device")
  static native int cudaCopyToDevice(@Cast("uint64_t") long dst, @Const float[] src,
      @Cast("uint64_t") long bytes);

  @CriticalRegion
  @Name("gr_cuda_copy_to_device")
  static native int cudaCopyToDevice(@Cast("uint64_t") long dst, @Const int[] src,
      @Cast("uint64_t") long bytes);

  @Name("gr_cuda_copy_to_device")
  static native int cudaCopyToDevice(@Cast("uint64_t") long dst,
      @Cast("const void*") long src, @Cast("uint64_t") long bytes);

  @CriticalRegion
  @Name("gr_cuda_copy_to_host")
  static native int cudaCopyToHost(float[] dst, @Cast("uint64_t") long src,
      @Cast("uint64_t") long bytes);

  @CriticalRegion
  @Name("gr_cuda_copy_to_host")
  static native int cudaCopyToHost(int[] dst, @Cast("uint64_t") long src,
      @Cast("uint64_t") long bytes);

  @Name("gr_cuda_copy_to_host")
  static native int cudaCopyToHost(@Cast("void*") long dst, @Cast("uint64_t") long src,
      @Cast("uint64_t") long bytes);
}
