package dev.gumbelrao.bench;

import java.util.Arrays;
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

/**
 * The plain-Java anchor: the Gumbel-Rao backward pass as a Java user would write it without this
 * library (scalar loops, one thread, {@link SplittableRandom}, {@link Math#log}/{@link Math#exp}
 * in double), at the same shapes as {@link OperationBenchmark} (rows = 2^20 / arity, D given,
 * tau = 0.5), so the report can divide each backend's throughput by it. Same units: calls per
 * second, and {@code elementSamples} = rows x arity x K per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NaiveJavaBenchmark {
  @Param({"1", "10", "100", "1000"})
  public int k;

  @Param({"2", "4", "8", "16", "64", "1024", "32768"})
  public int arity;

  private int rows;
  private long elementSamplesPerCall;
  private float[] logits;
  private float[] upstream;
  private int[] choice;
  private float[] grad;
  private SplittableRandom random;
  private double[] exponentials;
  private double[] soft;
  private double[] rowGradient;

  @Setup(Level.Trial)
  public void setUp() {
    rows = Shapes.rows(arity);
    elementSamplesPerCall = (long) rows * arity * k;
    random = new SplittableRandom(Shapes.SEED);
    logits = Shapes.standardNormal(random, rows * arity);
    upstream = Shapes.standardNormal(random, rows * arity);
    choice = new int[rows];
    for (int r = 0; r < rows; r++) choice[r] = sampleRow(logits, r * arity, arity, random);
    grad = new float[rows * arity];
    exponentials = new double[arity];
    soft = new double[arity];
    rowGradient = new double[arity];
  }

  @Benchmark
  public float[] gumbelRaoPlainJavaLoops(ElementSamples counter) {
    gumbelRaoBackward(logits, choice, upstream, rows, arity, k, Shapes.TAU, random, exponentials,
        soft, rowGradient, grad);
    counter.elementSamples += elementSamplesPerCall;
    return grad;
  }

  /** D = argmax_j(theta_j + G_j) by the Gumbel-max trick: the forward pass. */
  static int sampleRow(float[] logits, int offset, int arity, SplittableRandom random) {
    int best = 0;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < arity; j++) {
      double value = logits[offset + j] - Math.log(-Math.log(random.nextDouble()));
      if (value > bestValue) {
        bestValue = value;
        best = j;
      }
    }
    return best;
  }

  /**
   * grad = (1 / (K tau)) sum_k J(s^k)^T g with s^k = softmax((theta + G^k) / tau) and G^k drawn
   * given D: with E_j ~ Exp(1), theta_D + G_D = lse - log E_D and
   * theta_j + G_j = -log(E_j e^-theta_j + E_D e^-lse) for j != D (lse = log sum_j e^theta_j).
   * The scratch arrays hold one row; the gradient of a row is summed in double.
   */
  static void gumbelRaoBackward(float[] logits, int[] choice, float[] upstream, int rows,
      int arity, int k, float tau, SplittableRandom random, double[] exponentials, double[] soft,
      double[] rowGradient, float[] grad) {
    for (int r = 0; r < rows; r++) {
      int offset = r * arity;
      int d = choice[r];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < arity; j++) max = Math.max(max, logits[offset + j]);
      double sum = 0;
      for (int j = 0; j < arity; j++) sum += Math.exp(logits[offset + j] - max);
      double lse = max + Math.log(sum);
      double expMinusLse = Math.exp(-lse);
      Arrays.fill(rowGradient, 0);
      for (int s = 0; s < k; s++) {
        for (int j = 0; j < arity; j++) exponentials[j] = -Math.log(random.nextDouble());
        double chosen = exponentials[d];
        double maxScaled = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < arity; j++) {
          double perturbed = j == d
              ? lse - Math.log(chosen)
              : -Math.log(exponentials[j] * Math.exp(-logits[offset + j]) + chosen * expMinusLse);
          soft[j] = perturbed / tau;
          maxScaled = Math.max(maxScaled, soft[j]);
        }
        double total = 0;
        for (int j = 0; j < arity; j++) {
          soft[j] = Math.exp(soft[j] - maxScaled);
          total += soft[j];
        }
        double dot = 0;
        for (int j = 0; j < arity; j++) {
          soft[j] /= total;
          dot += soft[j] * upstream[offset + j];
        }
        for (int j = 0; j < arity; j++) rowGradient[j] += soft[j] * (upstream[offset + j] - dot);
      }
      for (int j = 0; j < arity; j++) grad[offset + j] = (float) (rowGradient[j] / (k * tau));
    }
  }
}
