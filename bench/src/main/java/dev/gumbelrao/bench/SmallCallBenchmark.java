package dev.gumbelrao.bench;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;

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
 * Per-call latency of small problems, R x N x K = 10^4 element-samples, in microseconds per
 * call: where call overhead (argument checks, the JNI transition, waking the native threads, a
 * kernel launch) shows. The target is 15 us or less per call from Java on AVX2 (issue 10). Arrays allocated in
 * {@link #setUp()}, as in {@link OperationBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SmallCallBenchmark {
  @Param({"java", "cpu", "cuda"})
  public String backend;

  static final int ARITY = 8;
  static final int GUMBEL_RAO_ROWS = 125;
  static final int GUMBEL_RAO_K = 10;
  static final int SAMPLE_ROWS = 1250;

  private static final int KEY_COUNT = 1 << 10;

  private Backend library;
  private float[] gumbelRaoLogits;
  private float[] gumbelRaoUpstream;
  private int[] gumbelRaoChoice;
  private float[] gumbelRaoGrad;
  private float[] sampleLogits;
  private int[] sampleChoice;
  private float[] sampleOneHot;
  private NoiseKey[] keys;
  private final PathwiseEstimator gumbelRao = Estimators.gumbelRao(GUMBEL_RAO_K, Shapes.TAU);
  private Sample[] gumbelRaoSamples;
  private int calls;

  @Setup(Level.Trial)
  public void setUp() {
    library = Backend.open(BackendNames.requireAvailable(backend).kind());
    SplittableRandom random = new SplittableRandom(Shapes.SEED);
    gumbelRaoLogits = Shapes.standardNormal(random, GUMBEL_RAO_ROWS * ARITY);
    gumbelRaoUpstream = Shapes.standardNormal(random, GUMBEL_RAO_ROWS * ARITY);
    gumbelRaoChoice = new int[GUMBEL_RAO_ROWS];
    library.sample(gumbelRaoLogits, GUMBEL_RAO_ROWS, ARITY, new NoiseKey(Shapes.SEED, 0),
        gumbelRaoChoice, null);
    gumbelRaoGrad = new float[GUMBEL_RAO_ROWS * ARITY];
    sampleLogits = Shapes.standardNormal(random, SAMPLE_ROWS * ARITY);
    sampleChoice = new int[SAMPLE_ROWS];
    sampleOneHot = new float[SAMPLE_ROWS * ARITY];
    keys = new NoiseKey[KEY_COUNT];
    for (int i = 0; i < KEY_COUNT; i++) keys[i] = new NoiseKey(Shapes.SEED, i + 1);
    gumbelRaoSamples = new Sample[KEY_COUNT];
    for (int i = 0; i < KEY_COUNT; i++) {
      gumbelRaoSamples[i] = gumbelRao.given(library, gumbelRaoLogits, GUMBEL_RAO_ROWS, ARITY,
          keys[i], gumbelRaoChoice);
    }
    calls = 0;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    library.close();
  }

  /** Gumbel-Rao backward, rows 125, arity 8, K 10: 10^4 element-samples. */
  @Benchmark
  public void gumbelRaoRows125Arity8K10() {
    gumbelRao.backward(gumbelRaoSamples[calls++ & (KEY_COUNT - 1)], gumbelRaoUpstream,
        gumbelRaoGrad);
  }

  /** Sample with one-hot, rows 1250, arity 8: 10^4 element-samples. */
  @Benchmark
  public void sampleRows1250Arity8() {
    library.sample(sampleLogits, SAMPLE_ROWS, ARITY, keys[calls++ & (KEY_COUNT - 1)],
        sampleChoice, sampleOneHot);
  }
}
