package dev.gumbelrao.backends;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes a long native CPU call end when its calling thread is interrupted. A thread inside a JNI
 * call never sees {@link Thread#interrupt()}, so each thread owns a native cancel word
 * (registered once with {@code gr_cpu_set_cancel_flag}, which the kernels poll per row, tile or
 * chunk of 1024 draws) and a watcher thread writes it when a watched call's thread is
 * interrupted. The call then returns {@link Status#CANCELLED}, which {@link Status} turns into a
 * {@link java.util.concurrent.CancellationException}; the thread's interrupt status is left set.
 *
 * <p>The watcher polls every {@link #POLL_MILLIS} ms while calls are watched and parks when none
 * has been for a second, so short calls in a loop cost two map operations each and no wake-up.
 */
final class CancelWatch implements AutoCloseable {
  static final long POLL_MILLIS = 10;
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final VarHandle WORD =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  /** Each thread's cancel word, registered with the native library on the thread's first use. */
  private static final ThreadLocal<ByteBuffer> FLAG = ThreadLocal.withInitial(() -> {
    ByteBuffer word = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
    NativeRuntime.setCancelFlag(NativeRuntime.address(word.asIntBuffer()));
    return word;
  });

  private static final Map<Thread, ByteBuffer> WATCHED = new ConcurrentHashMap<>();
  private static volatile Thread watcher;
  private static volatile long lastActive;
  /** Set while the watcher parks with nothing to watch: only then does a new call wake it. */
  private static volatile boolean idle;

  private final Thread thread;

  private CancelWatch(Thread thread) {
    this.thread = thread;
  }

  /** Watches the calling thread's next native call until {@link #close()}. */
  static CancelWatch begin() {
    Thread self = Thread.currentThread();
    ByteBuffer word = FLAG.get();
    WORD.setVolatile(word, 0, self.isInterrupted() ? 1 : 0);
    WATCHED.put(self, word);
    lastActive = System.nanoTime();
    Thread w = watcher;
    if (w == null) {
      startWatcher();
    } else if (idle) {
      LockSupport.unpark(w);
    }
    return new CancelWatch(self);
  }

  @Override
  public void close() {
    WATCHED.remove(thread);
    lastActive = System.nanoTime();
  }

  private static synchronized void startWatcher() {
    if (watcher != null) return;
    Thread t = new Thread(CancelWatch::watch, "gumbel-rao-cancel-watch");
    t.setDaemon(true);
    watcher = t;
    t.start();
  }

  private static void watch() {
    while (true) {
      if (WATCHED.isEmpty() && System.nanoTime() - lastActive > IDLE_NANOS) {
        idle = true;
        // A call registered before it saw idle set is in the map now: look again before parking.
        if (WATCHED.isEmpty()) LockSupport.park(CancelWatch.class);
        idle = false;
        continue;
      }
      for (Map.Entry<Thread, ByteBuffer> e : WATCHED.entrySet()) {
        if (e.getKey().isInterrupted()) WORD.setVolatile(e.getValue(), 0, 1);
      }
      LockSupport.parkNanos(CancelWatch.class, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
    }
  }
}
