package dev.gumbelrao.vae;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request to stop training at the next step boundary and checkpoint there (what Ctrl-C or
 * SIGTERM asks for, through a shutdown hook). A step is never cut in half, so the checkpoint is
 * a state an uninterrupted run passes through and resuming it gives the same bits.
 */
public final class StopSignal {
  private volatile boolean requested;
  private final CountDownLatch stopped = new CountDownLatch(1);

  public void request() {
    requested = true;
  }

  public boolean requested() {
    return requested;
  }

  /** Called by the training loop once it has checkpointed and will do nothing more. */
  void acknowledge() {
    stopped.countDown();
  }

  /** Waits for the loop to checkpoint; false when it did not within the time. */
  public boolean awaitStopped(long seconds) throws InterruptedException {
    return stopped.await(seconds, TimeUnit.SECONDS);
  }

  /** Signals that nothing will stop: the run finished or failed (a waiting hook returns). */
  public void release() {
    stopped.countDown();
  }
}
