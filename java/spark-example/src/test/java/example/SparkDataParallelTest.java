package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One training step of a linear encoder (logits = x W, W features x arity) followed by a
 * Gumbel-Rao sample, with the loss L = sum_rows |onehot(D) - y|^2 / 2, computed data-parallel by
 * Spark in local mode: each partition is a chunk of the batch, draws its rows' noise with the
 * step's key at its first row, and returns its part of dL/dW; {@code treeAggregate} sums the
 * parts, as Spark MLlib sums its workers' gradients. The result equals the unsplit computation
 * (to the rounding of the sum's order), and every row's dL/dlogits equals the unsplit call's
 * bit for bit, however many partitions.
 */
class SparkDataParallelTest {
  static final int ROWS = 240, FEATURES = 6, ARITY = 5;
  static JavaSparkContext spark;

  @BeforeAll
  static void start() {
    spark = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("gumbel-rao")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
  }

  /** One row of the batch: its index in the batch, its features x and its target y. */
  record Row(int index, float[] x, float[] y) implements Serializable {}

  /** A chunk's result: its first row, its rows' dL/dlogits, its part of dL/dW. */
  record Part(int firstRow, float[] gradLogits, double[] gradW) implements Serializable {}

  // snippet: spark-step
  /** One worker's chunk of the step: its rows' dL/dlogits and its part of dL/dW. */
  static Part chunk(List<Row> rows, float[] w, NoiseKey step) {
    int n = rows.size(), firstRow = rows.get(0).index();
    float[] logits = new float[n * ARITY], oneHot = new float[n * ARITY];
    float[] upstream = new float[n * ARITY], grad = new float[n * ARITY];
    for (int r = 0; r < n; r++) {                 // logits = x W
      for (int j = 0; j < ARITY; j++) {
        for (int f = 0; f < FEATURES; f++) {
          logits[r * ARITY + j] += rows.get(r).x()[f] * w[f * ARITY + j];
        }
      }
    }
    PathwiseEstimator gr = Estimators.gumbelRao(100, 0.5f);
    try (Backend backend = Backend.open(BackendKind.AUTO)) {
      // the step's key at the chunk's first row: these rows draw the unsplit batch's noise
      Sample d = gr.forward(backend, logits, n, ARITY, step.atRow(firstRow), oneHot);
      for (int i = 0; i < n * ARITY; i++) {        // L = |onehot(D) - y|^2 / 2
        upstream[i] = oneHot[i] - rows.get(i / ARITY).y()[i % ARITY];
      }
      gr.backward(d, upstream, grad);
    }
    double[] gradW = new double[FEATURES * ARITY];  // dL/dW = sum_rows x^T dL/dlogits
    for (int r = 0; r < n; r++) {
      for (int f = 0; f < FEATURES; f++) {
        for (int j = 0; j < ARITY; j++) {
          gradW[f * ARITY + j] += (double) rows.get(r).x()[f] * grad[r * ARITY + j];
        }
      }
    }
    return new Part(firstRow, grad, gradW);
  }

  /** dL/dW of the step: each partition a chunk, the parts summed with treeAggregate. */
  static double[] gradient(JavaRDD<Row> batch, float[] w, NoiseKey step) {
    JavaRDD<Part> parts = batch.mapPartitions(
        (Iterator<Row> it) -> {
          List<Row> rows = new ArrayList<>();
          it.forEachRemaining(rows::add);
          return rows.isEmpty() ? List.<Part>of().iterator()
              : List.of(chunk(rows, w, step)).iterator();
        });
    return parts.treeAggregate(new double[FEATURES * ARITY],
        (sum, part) -> add(sum, part.gradW()), SparkDataParallelTest::add);
  }
  // end snippet

  static double[] add(double[] a, double[] b) {
    double[] s = a.clone();
    for (int i = 0; i < s.length; i++) s[i] += b[i];
    return s;
  }

  static List<Row> batch(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < ROWS; r++) {
      float[] x = new float[FEATURES], y = new float[ARITY];
      for (int f = 0; f < FEATURES; f++) x[f] = (float) rnd.nextGaussian();
      y[rnd.nextInt(ARITY)] = 1;
      rows.add(new Row(r, x, y));
    }
    return rows;
  }

  static float[] weights(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] w = new float[FEATURES * ARITY];
    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
    return w;
  }

  @Test
  void sparksSumOverPartitionsIsTheUnsplitStepsGradient() {
    List<Row> rows = batch(1);
    float[] w = weights(2);
    NoiseKey step = new NoiseKey(42, 7);
    Part unsplit = chunk(rows, w, step);           // the whole batch in one call
    for (int partitions : new int[] {1, 2, 3, 7}) {
      JavaRDD<Row> batch = spark.parallelize(rows, partitions);
      double[] summed = gradient(batch, w, step);
      for (int i = 0; i < summed.length; i++) {
        assertEquals(unsplit.gradW()[i], summed[i], 1e-9 * (1 + Math.abs(unsplit.gradW()[i])),
            "dL/dW[" + i + "] with " + partitions + " partitions");
      }
      // every row's dL/dlogits is the unsplit call's, bit for bit
      List<Part> parts = batch.mapPartitions((Iterator<Row> it) -> {
        List<Row> chunkRows = new ArrayList<>();
        it.forEachRemaining(chunkRows::add);
        return chunkRows.isEmpty() ? List.<Part>of().iterator()
            : List.of(chunk(chunkRows, w, step)).iterator();
      }).collect();
      assertEquals(partitions, parts.size());
      int covered = 0;
      for (Part p : parts) {
        int n = p.gradLogits().length / ARITY;
        float[] expected = new float[n * ARITY];
        System.arraycopy(unsplit.gradLogits(), p.firstRow() * ARITY, expected, 0, n * ARITY);
        assertArrayEquals(expected, p.gradLogits(), "rows " + p.firstRow() + ".. of "
            + partitions + " partitions");
        covered += n;
      }
      assertEquals(ROWS, covered);
    }
  }

  /** Without the first row, a chunk draws the first rows' noise: the test would catch it. */
  @Test
  void aChunkWithoutItsFirstRowDiffers() {
    List<Row> rows = batch(3);
    float[] w = weights(4);
    NoiseKey step = new NoiseKey(42, 8);
    Part unsplit = chunk(rows, w, step);
    List<Row> second = rows.subList(120, ROWS);
    List<Row> renumbered = new ArrayList<>();
    for (int i = 0; i < second.size(); i++) {
      renumbered.add(new Row(i, second.get(i).x(), second.get(i).y()));
    }
    float[] expected = new float[120 * ARITY];
    System.arraycopy(unsplit.gradLogits(), 120 * ARITY, expected, 0, expected.length);
    assertArrayEquals(expected, chunk(second, w, step).gradLogits());
    assertTrue(!java.util.Arrays.equals(expected, chunk(renumbered, w, step).gradLogits()));
  }
}
