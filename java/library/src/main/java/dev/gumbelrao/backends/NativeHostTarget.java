package dev.gumbelrao.backends;

import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.BackendUnavailableException;
import dev.gumbelrao.Backends;
import java.lang.ref.Reference;

/**
 * The native backends for host memory: the CPU kernels, and a CUDA device with the arrays staged
 * through the calling thread's page-locked and device memory (gumbel_rao_cuda.h). Every operation
 * is one JNI call of its generated entry point, made here once for all of them:
 *
 * <ul>
 *   <li>short CPU calls on arrays hand them over as a critical region (no copies);
 *   <li>otherwise Java arrays are copied into direct memory ({@link Staging}): a critical region
 *       blocks every allocation in the JVM once a garbage collection is due, for as long as the
 *       call runs, which a long CPU call or a GPU round trip must not do;
 *   <li>every buffer is checked to be direct and in native byte order before any address is
 *       taken; the call reads and writes them by address, so they (and the memory a direct
 *       buffer's cleaner would free) are kept reachable until it returns;
 *   <li>a CPU call ends early with {@link Status#CANCELLED} when its thread is interrupted
 *       ({@link CancelWatch});
 *   <li>staged outputs are copied back only when the call succeeded.
 * </ul>
 *
 * Concurrent calls from many threads are independent (CUDA: each thread has its own stream and
 * staging memory).
 */
public final class NativeHostTarget implements Target {
  /**
   * The most element-draws a CPU call on arrays may hold a critical region for: about 10-20 ms of
   * work on 2 cores, so an allocating thread waits at most that long.
   */
  public static final long CRITICAL_WORK = 1L << 24;

  private final boolean cpu;
  private final int device;
  private final Place place;
  private final String description;

  private NativeHostTarget(boolean cpu, int device, Place place, String description) {
    this.cpu = cpu;
    this.device = device;
    this.place = place;
    this.description = description;
  }

  static NativeHostTarget cpu() {
    NativeSupport.require();
    return new NativeHostTarget(true, -1, null, null);
  }

  static NativeHostTarget cudaStaged(int device) {
    BackendStatus cuda = Backends.status(BackendKind.CUDA);
    if (!cuda.available()) throw new BackendUnavailableException(cuda);
    int count = Backends.cudaDeviceCount();
    if (device < 0 || device >= count) {
      throw new IllegalArgumentException("device must be in [0, " + count + "), got " + device);
    }
    return new NativeHostTarget(false, device, Place.of(Place.ON_CUDA_STAGED, device, 0, 0),
        "CUDA (device " + device + ": " + Backends.cudaDeviceName(device) + ")");
  }

  @Override
  public BackendKind kind() {
    return cpu ? BackendKind.CPU : BackendKind.CUDA;
  }

  @Override
  public String description() {
    return cpu ? "CPU (" + NativeSupport.cpuIsa() + ", " + NativeRuntime.cpuThreads()
        + " threads)" : description;
  }

  @Override
  public void execute(Call c) {
    Arguments.checkHost(c);
    Status.check(run(c), c);
  }

  private long run(Call c) {
    Memory[] arrays = c.arrays();
    if (cpu && c.work() <= CRITICAL_WORK && allArrays(arrays)) {
      return NativeOperations.critical(0, c);
    }
    Staging staging = Staging.of(c, arrays);
    Memory[] staged = staging.stage(arrays, c.operation().arrays());
    Arguments.requireDirect(staged);
    long[] addresses = new long[staged.length];
    for (int i = 0; i < staged.length; i++) {
      addresses[i] = staged[i] == null ? 0 : staged[i].address();
    }
    long status;
    try (CancelWatch watch = cpu ? CancelWatch.begin() : null) {
      status = NativeOperations.addressed(cpu ? 0 : place.address(), c, addresses);
    } finally {
      Reference.reachabilityFence(staged);
      if (place != null) place.keepAlive();
    }
    if (status == Status.OK) staging.commit();
    return status;
  }

  private static boolean allArrays(Memory[] arrays) {
    for (Memory m : arrays) {
      if (m != null && m.kind() != Memory.Kind.ARRAY) return false;
    }
    return true;
  }

  @Override
  public void close() {
    if (cpu) return;
    // every thread's staging memory, not only the closing thread's: the threads that made
    // calls may be pooled and idle (a running call on another thread finishes first)
    int error = NativeRuntime.cudaHostReleaseAll();
    if (error != 0) {
      System.getLogger("dev.gumbelrao").log(System.Logger.Level.WARNING,
          "releasing the CUDA backend's staging memory failed: cudaError_t " + error);
    }
  }
}
