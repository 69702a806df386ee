package dev.gumbelrao.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts element-samples (rows x arity x K) so that JMH reports them per second next to its
 * primary score, as the secondary result {@code elementSamples} (unit ops/s = element-samples/s).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ElementSamples {
  /** Element-samples done in the current iteration. */
  public long elementSamples;

  /** JMH divides the count by the iteration's time, so each iteration starts from zero. */
  @Setup(Level.Iteration)
  public void reset() {
    elementSamples = 0;
  }
}
