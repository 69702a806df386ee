package dev.gumbelrao.bench;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.LossTableEstimator;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of one library operation on one backend, for a batch of about 2^20 logits
 * (rows = 2^20 / arity; see {@link Shapes}). JMH's score is calls per second; the secondary
 * result {@code elementSamples} is rows x arity x K per second.
 *
 * <p>Everything the call reads or writes is allocated in {@link #setUp()}; the measured method
 * only picks a precreated noise key (or a sample drawn with one) and calls the library with
 * {@code float[]}/{@code int[]} arrays, which the CPU backend hands to native code without
 * copying. Operations:
 *
 * <ul>
 *   <li>{@code sample}: D and its one-hot (K does not apply: run with k = 1);
 *   <li>{@code conditional}: K conditional Gumbel draws, written out as [K][rows][arity] (rows
 *       reduced so that this is at most 2^26 floats);
 *   <li>{@code gumbel-rao}: the fused Gumbel-Rao backward pass, GR-MCK, of a sample drawn in
 *       the set-up;
 *   <li>{@code st-gs}: the straight-through Gumbel-Softmax backward pass (K does not apply).
 *   <li>the later estimators' backward passes, of samples made in the set-up:
 *       {@code gumbel-rao-total} (GR-MCK with the total derivative, K draws given D),
 *       {@code zgr}, {@code reinmax}, {@code gst-1.0}, {@code gst-p} (given D, k = 1),
 *       {@code rloo} (k = S &gt;= 2 forward draws per row and their losses), and the binary
 *       {@code zgr-binary} and {@code disarm} (arity 1, k = 1; DisARM's losses are a pair per
 *       variable) and {@code arms} (arity 1, k = n &gt;= 2 copula draws and their losses), and
 *       {@code indecater} (k = N &gt;= 1 draws and their loss table, draws x rows x arity).
 * </ul>
 *
 * <p>The {@code operation} parameter lists the paper's four by default (a bare JMH run keeps its
 * cross product); the runner passes the later ones with {@code -p}, as JMH allows any value.
 *
 * <p>CUDA: the host-array calls copy to the device, run and synchronise the stream before they
 * return, so this method times real GPU work including the transfers (hence its name).
 * Device-resident benchmarks, without transfers, arrive with the CUDA backend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OperationBenchmark {
  @Param({"java", "cpu", "cuda"})
  public String backend;

  @Param({"sample", "conditional", "gumbel-rao", "st-gs"})
  public String operation;

  @Param({"1", "10", "100", "1000"})
  public int k;

  @Param({"2", "4", "8", "16", "64", "1024", "32768"})
  public int arity;

  /** Temperature (Gumbel-Rao and ST-GS); see {@link Shapes#TAU} for why 0.5 is special. */
  @Param({"0.5"})
  public float tau;

  /** Noise keys cycled through by the calls: fresh noise per call without allocating keys. */
  private static final int KEY_COUNT = 1 << 10;
  /** Samples cycled through by the backward calls: each has its own key. */
  private static final int SAMPLE_COUNT = 8;

  private Backend library;
  private Operation op;
  private int rows;
  private long elementSamplesPerCall;
  private float[] logits;
  private float[] upstream;
  /** The losses of the score-function estimators, [draw][row]. */
  private float[] losses;
  private int[] choice;
  private float[] output;
  private NoiseKey[] keys;
  private PathwiseEstimator pathwise;
  private ScoreFunctionEstimator scoreFunction;
  private LossTableEstimator lossTable;
  private Sample[] samples;
  private int calls;

  @Setup(Level.Trial)
  public void setUp() {
    op = Operation.of(operation);
    if (!op.usesK && k != 1) {
      throw new IllegalArgumentException("K does not apply to " + operation + ": run it with k=1");
    }
    if (op.drawsN() && k < 1) {
      throw new IllegalArgumentException(operation + "'s k is its N draws per row: run it with "
          + "k >= 1");
    }
    if (op.samplesS() && k < 2) {
      throw new IllegalArgumentException(operation + "'s k is its S draws per row: run it with "
          + "k >= 2");
    }
    if (op.binary && arity != 1) {
      throw new IllegalArgumentException(operation + " is binary (one logit per variable): run "
          + "it with arity=1");
    }
    library = Backend.open(BackendNames.requireAvailable(backend).kind());
    rows = Shapes.rows(op, arity, k);
    elementSamplesPerCall = Shapes.elementSamples(op, arity, k);
    int n = rows * arity;
    SplittableRandom random = new SplittableRandom(Shapes.SEED);
    logits = Shapes.standardNormal(random, n);
    upstream = Shapes.standardNormal(random, n);
    choice = new int[rows];
    // D as the forward pass of a training step would give it; the measured calls use other keys,
    // which is as valid for the conditional draws and costs the same.
    if (!op.binary) {
      library.sample(logits, rows, arity, new NoiseKey(Shapes.SEED, 0), choice, null);
    }
    output = new float[op == Operation.CONDITIONAL ? k * n : n];
    keys = new NoiseKey[KEY_COUNT];
    for (int i = 0; i < KEY_COUNT; i++) keys[i] = new NoiseKey(Shapes.SEED, i + 1);
    if (op.backward()) {
      Estimator estimator = op.estimator(k, tau);
      losses = op.scoreFunction() ? Shapes.standardNormal(random, estimator.draws() * rows)
          : op.lossTable() ? Shapes.standardNormal(random, estimator.draws() * n) : null;
      samples = new Sample[SAMPLE_COUNT];
      for (int i = 0; i < SAMPLE_COUNT; i++) {
        // Given D (Gumbel-Rao and the estimators deterministic given D): D as the forward pass
        // of a training step would give it, each sample with its own key (GR's conditional
        // draws). ST-GS needs its forward noise, RLOO its S draws and the binary estimators
        // their own outcomes: the forward pass of that key.
        boolean given = op.family.conditionable() && !op.samplesS() && !op.drawsN()
            && !op.binary;
        samples[i] = given ? estimator.given(library, logits, rows, arity, keys[i], choice)
            : estimator.forward(library, logits, rows, arity, keys[i], null);
      }
      if (estimator instanceof PathwiseEstimator p) pathwise = p;
      else if (estimator instanceof LossTableEstimator t) lossTable = t;
      else scoreFunction = (ScoreFunctionEstimator) estimator;
    }
    calls = 0;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    library.close();
  }

  @Benchmark
  public void hostArrays(ElementSamples counter) {
    NoiseKey key = keys[calls++ & (KEY_COUNT - 1)];
    if (op == Operation.SAMPLE) {
      library.sample(logits, rows, arity, key, choice, output);
    } else if (op == Operation.CONDITIONAL) {
      library.conditionalGumbel(logits, choice, rows, arity, k, key, output);
    } else if (pathwise != null) {
      pathwise.backward(samples[calls & (SAMPLE_COUNT - 1)], upstream, output);
    } else if (lossTable != null) {
      lossTable.backward(samples[calls & (SAMPLE_COUNT - 1)], losses, output);
    } else {
      scoreFunction.backward(samples[calls & (SAMPLE_COUNT - 1)], losses, output);
    }
    counter.elementSamples += elementSamplesPerCall;
  }
}
