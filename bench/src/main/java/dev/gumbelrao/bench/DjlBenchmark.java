package dev.gumbelrao.bench;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.gumbelrao.djl.DjlEstimators;
import dev.gumbelrao.djl.DjlSample;
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
 * The cost of the DJL round trip: one estimator step (forward and backward) on DJL NDArrays
 * (DJL's PyTorch engine, CPU) against the same step on float arrays, at the paper's VAE shape
 * with batch 200: 200 x 15 variables of arity 16. The difference of the two is what the interop
 * costs per call (views of the tensors, the arrays it creates, and for the DJL path the
 * surrogate sum(logits * G) that carries G back into autograd). Run with bench/djl.sh (DJL's
 * jars are not in benchmarks.jar).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DjlBenchmark {
  static final int BATCH = 200, VARIABLES = 15, ARITY = 16, ROWS = BATCH * VARIABLES;

  @Param({"cpu"})
  public String backend;

  @Param({"st-gs", "gumbel-rao-100"})
  public String estimator;

  private Backend library;
  private PathwiseEstimator est;
  private NDManager manager;
  private NDArray logits, upstream;
  private float[] th, g, values, grad;
  private final NoiseKey[] keys = new NoiseKey[1024];
  private int calls;

  @Setup(Level.Trial)
  public void setUp() {
    library = Backend.open(BackendNames.requireAvailable(backend).kind());
    est = estimator.equals("st-gs") ? Estimators.straightThroughGumbelSoftmax(0.5f)
        : Estimators.gumbelRao(100, 0.5f);
    SplittableRandom random = new SplittableRandom(Shapes.SEED);
    th = Shapes.standardNormal(random, ROWS * ARITY);
    g = Shapes.standardNormal(random, ROWS * ARITY);
    values = new float[ROWS * ARITY];
    grad = new float[ROWS * ARITY];
    manager = NDManager.newBaseManager();
    logits = manager.create(th, new Shape(BATCH, VARIABLES, ARITY));
    upstream = manager.create(g, new Shape(BATCH, VARIABLES, ARITY));
    for (int i = 0; i < keys.length; i++) keys[i] = new NoiseKey(Shapes.SEED, i + 1);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
    library.close();
  }

  /** Forward and backward on float arrays. */
  @Benchmark
  public float[] arrays() {
    Sample s = est.forward(library, th, ROWS, ARITY, keys[calls++ & 1023], values);
    est.backward(s, g, grad);
    return grad;
  }

  /** Forward and backward on NDArrays, the gradient as DJL's surrogate; arrays freed per call. */
  @Benchmark
  public float djl() {
    try (NDManager step = manager.newSubManager()) {
      DjlSample z = DjlEstimators.forward(library, est, logits, keys[calls++ & 1023], step);
      NDArray surrogate = z.surrogate(upstream);
      return surrogate.getFloat();
    }
  }

}
