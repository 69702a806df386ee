package dev.gumbelrao.cli;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line interface, through Main.run (the entry point java -jar calls). */
class CliTest {
  private static final class Run {
    final int status;
    final String out, err;

    Run(int status, String out, String err) {
      this.status = status;
      this.out = out;
      this.err = err;
    }
  }

  private static Run run(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  /**
   * grad --estimator indecater: one row's p_j (f_j - sum_k p_k f_k) from the losses of its
   * variable set to each class, in double here; the options it does not take are refused.
   */
  @Test
  void gradOfIndecaterIsTheRowsExactGradient() throws Exception {
    Run r = run("grad", "--estimator", "indecater", "--logits", "0.5,-1,2", "--losses",
        "3,-1,0.25", "--backend", "java");
    assertEquals(0, r.status, r.err);
    String[] parts = r.out.trim().split(",");
    double[] th = {0.5, -1, 2}, f = {3, -1, 0.25}, p = new double[3];
    double z = 0, centre = 0;
    for (double t : th) z += Math.exp(t);
    for (int j = 0; j < 3; j++) {
      p[j] = Math.exp(th[j]) / z;
      centre += p[j] * f[j];
    }
    for (int j = 0; j < 3; j++) {
      assertEquals(p[j] * (f[j] - centre), Float.parseFloat(parts[j]), 1e-6, "class " + j);
    }
    // IndeCateR-2: two draws' losses, draw after draw; the mean of the two draws' gradients
    Run two = run("grad", "--estimator", "IndeCateR-2", "--logits", "0.5,-1,2", "--losses",
        "3,-1,0.25,1,1,-2", "--backend", "java");
    assertEquals(0, two.status, two.err);
    String[] twoParts = two.out.trim().split(",");
    double[] f2 = {1, 1, -2};
    double centre2 = 0;
    for (int j = 0; j < 3; j++) centre2 += p[j] * f2[j];
    for (int j = 0; j < 3; j++) {
      assertEquals((p[j] * (f[j] - centre) + p[j] * (f2[j] - centre2)) / 2,
          Float.parseFloat(twoParts[j]), 1e-6, "IndeCateR-2 class " + j);
    }
    Run bad = run("grad", "--estimator", "indecater", "--logits", "0.5,-1,2", "--losses", "3,1");
    assertEquals(2, bad.status);
    assertTrue(bad.err.contains("--losses has 2 values"), bad.err);
    Run extra = run("grad", "--estimator", "indecater", "--logits", "0.5,-1", "--losses", "3,1",
        "--tau", "0.5");
    assertEquals(2, extra.status);
    assertTrue(extra.err.contains("--tau does not apply to indecater"), extra.err);
  }

  @Test
  void gradPrintsOneLineThatMatchesTheApi() throws Exception {
    Run r = run("grad", "--estimator", "gumbel-rao", "--logits", "0.3,-0.2", "--given", "0",
        "--upstream", "1,-0.5", "--tau", "0.5", "--samples", "1000", "--seed", "1", "--backend",
        "java");
    assertEquals(0, r.status, r.err);
    String[] parts = r.out.trim().split(",");
    assertEquals(2, parts.length);
    float[] grad = new float[2];
    try (Backend gr = Backend.open(BackendKind.JAVA)) {
      PathwiseEstimator est = Estimators.gumbelRao(1000, 0.5f);
      float[] th = {0.3f, -0.2f};
      est.backward(est.given(gr, th, 1, 2, new NoiseKey(1, 0), new int[] {0}),
          new float[] {1f, -0.5f}, grad);
    }
    assertEquals(grad[0], Float.parseFloat(parts[0]));
    assertEquals(grad[1], Float.parseFloat(parts[1]));
    // the gradient of a softmax sums to zero
    assertEquals(0, grad[0] + grad[1], 1e-6);
    for (String est : new String[] {"st", "st-gs", "gs"}) {
      Run s = run("grad", "--estimator", est, "--logits", "0.3,-0.2,1", "--upstream", "1,-0.5,2",
          "--tau", "0.5", "--samples", "100", "--seed", "1");
      assertEquals(0, s.status, s.err);
      assertEquals(3, s.out.trim().split(",").length);
    }
  }

  /**
   * Without --given, D is drawn with the key: the gradient of the sample the API's forward pass
   * draws with that key (GR-MC100 from its name, ZGR, ST-GS averaged over --samples draws).
   */
  @Test
  void gradDrawsDWithTheKeyWhenNotGiven() throws Exception {
    float[] th = {0.3f, -0.2f, 1f}, g = {1f, -0.5f, 2f};
    float[] cli = parse(run("grad", "--estimator", "GR-MC100", "--logits", "0.3,-0.2,1",
        "--upstream", "1,-0.5,2", "--tau", "0.5", "--seed", "4", "--backend", "java"), 3);
    float[] zgr = parse(run("grad", "--estimator", "zgr", "--logits", "0.3,-0.2,1",
        "--upstream", "1,-0.5,2", "--seed", "4", "--backend", "java"), 3);
    try (Backend gr = Backend.open(BackendKind.JAVA)) {
      for (PathwiseEstimator est : new PathwiseEstimator[] {Estimators.gumbelRao(100, 0.5f),
          Estimators.zgr()}) {
        float[] want = new float[3];
        est.backward(est.forward(gr, th, 1, 3, new NoiseKey(4, 0), null), g, want);
        assertArrayEquals(want, est.name().equals("ZGR") ? zgr : cli, est.name());
      }
    }
  }

  private static float[] parse(Run r, int n) {
    assertEquals(0, r.status, r.err);
    assertEquals(1, r.out.lines().count(), r.out);
    String[] parts = r.out.trim().split(",");
    assertEquals(n, parts.length, r.out);
    float[] v = new float[n];
    for (int j = 0; j < n; j++) v[j] = Float.parseFloat(parts[j]);
    return v;
  }

  /**
   * Every estimator deterministic given D prints what the library's API gives for the same
   * row, D and upstream (gumbel-rao-total with the same key for its K draws), and the values
   * are not all zero; the score-function and binary ones too, with their losses and outcomes.
   */
  @Test
  void gradOfEverySuccessorEstimatorMatchesTheApi() throws Exception {
    float[] th = {0.3f, -0.2f, 1f}, g = {1f, -0.5f, 2f};
    String logits = "0.3,-0.2,1", upstream = "1,-0.5,2";
    try (Backend gr = Backend.open(BackendKind.JAVA)) {
      String[] names = {"zgr", "reinmax", "gst-1.0", "gst-p", "gumbel-rao-total"};
      PathwiseEstimator[] api = {Estimators.zgr(), Estimators.reinMax(0.5f),
          Estimators.gappedStraightThrough(0.5f), Estimators.gappedStraightThroughP(0.5f),
          Estimators.gumbelRao(1000, 0.5f, Estimators.Derivative.TOTAL)};
      for (int i = 0; i < names.length; i++) {
        List<String> args = new java.util.ArrayList<>(List.of("grad", "--estimator", names[i],
            "--logits", logits, "--upstream", upstream, "--given", "2", "--backend", "java"));
        if (!names[i].equals("zgr")) args.addAll(List.of("--tau", "0.5"));
        if (names[i].equals("gumbel-rao-total")) {
          args.addAll(List.of("--samples", "1000", "--seed", "3"));
        }
        float[] cli = parse(run(args.toArray(new String[0])), 3);
        float[] want = new float[3];
        api[i].backward(api[i].given(gr, th, 1, 3, new NoiseKey(names[i].equals(
            "gumbel-rao-total") ? 3 : 1, 0), new int[] {2}), g, want);
        assertArrayEquals(want, cli, names[i]);
        assertTrue(Math.abs(want[0]) + Math.abs(want[1]) + Math.abs(want[2]) > 1e-3, names[i]);
        assertEquals(0, cli[0] + cli[1] + cli[2], 1e-6, names[i] + " sums to zero");
      }
      // the total derivative is another estimator: it differs from the detached one
      float[] detached = parse(run("grad", "--estimator", "gumbel-rao", "--logits", logits,
          "--upstream", upstream, "--given", "2", "--tau", "0.5", "--samples", "1000", "--seed",
          "3", "--backend", "java"), 3);
      float[] total = parse(run("grad", "--estimator", "gumbel-rao-total", "--logits", logits,
          "--upstream", upstream, "--given", "2", "--tau", "0.5", "--samples", "1000", "--seed",
          "3", "--backend", "java"), 3);
      assertTrue(Math.abs(detached[2] - total[2]) > 1e-3, detached[2] + " vs " + total[2]);

      // RLOO-3 on D = 0, 2, 2 with losses 1, 2, 0.5: 1/2 sum_s (f_s - 7/6)(e_{D_s} - p)
      float[] rloo = parse(run("grad", "--estimator", "rloo", "--logits", logits, "--given",
          "0,2,2", "--losses", "1,2,0.5", "--backend", "java"), 3);
      float[] want = new float[3];
      ScoreFunctionEstimator r3 = Estimators.rloo(3);
      r3.backward(r3.given(gr, th, 1, 3, new NoiseKey(1, 0), new int[] {0, 2, 2}),
          new float[] {1f, 2f, 0.5f}, want);
      assertArrayEquals(want, rloo);
      assertArrayEquals(new float[] {-1f / 12, 0f, 1f / 12}, rloo, 1e-6f);

      // DisARM at eta = 0.4, (b, b~) = (1, 0), losses 3, 1: 1/2 (3 - 1) sigmoid(0.4)
      float[] disarm = parse(run("grad", "--estimator", "disarm", "--logits", "0.4", "--given",
          "1,0", "--losses", "3,1", "--backend", "java"), 1);
      ScoreFunctionEstimator d = Estimators.disarm();
      float[] one = new float[1];
      d.backward(d.given(gr, new float[] {0.4f}, 1, 1, new NoiseKey(1, 0), new int[] {1, 0}),
          new float[] {3f, 1f}, one);
      assertEquals(one[0], disarm[0]);
      assertEquals(1 / (1 + Math.exp(-0.4)), disarm[0], 1e-6);

      // ARMS at eta = 0.4, draws 1, 0, 1 with losses 3, 1, 2: D / 2 ((3 - 2) + (2 - 2)),
      // D = sigmoid(0.4) / (1 - (2 - 1/r)^2), r = sigmoid(-0.4)^(1/2)
      float[] arms = parse(run("grad", "--estimator", "arms", "--logits", "0.4", "--given",
          "1,0,1", "--losses", "3,1,2", "--backend", "java"), 1);
      double r = Math.sqrt(1 / (1 + Math.exp(0.4)));
      double dArms = 1 / (1 + Math.exp(-0.4)) / (1 - Math.pow(2 - 1 / r, 2));
      assertEquals(dArms / 2, arms[0], 1e-6);
      assertArrayEquals(arms, parse(run("grad", "--estimator", "ARMS-3", "--logits", "0.4",
          "--given", "1,0,1", "--losses", "3,1,2", "--backend", "cpu"), 1), 1e-6f);

      // ZGR-binary at eta = 0.4, b = 1, g = 2: g (1 - q) / 2
      float[] zb = parse(run("grad", "--estimator", "zgr-binary", "--logits", "0.4", "--given",
          "1", "--upstream", "2", "--backend", "java"), 1);
      PathwiseEstimator z = Estimators.zgrBinary();
      z.backward(z.given(gr, new float[] {0.4f}, 1, 1, new NoiseKey(1, 0), new int[] {1}),
          new float[] {2f}, one);
      assertEquals(one[0], zb[0]);
      assertEquals(1 - 1 / (1 + Math.exp(-0.4)), zb[0], 1e-6);
    }
  }

  /** Each bad input of the successor estimators: status 2, one line naming the option. */
  @Test
  void gradErrorsOfTheSuccessorEstimatorsNameTheOption() throws Exception {
    String l3 = "0.3,-0.2,1", u3 = "1,-0.5,2";
    String[][] bad = {
      {"--estimator", "nope", "--logits", l3},
      // an option the estimator does not read
      {"--estimator", "zgr", "--logits", l3, "--upstream", u3, "--given", "0", "--tau", "1"},
      {"--estimator", "zgr", "--logits", l3, "--upstream", u3, "--given", "0", "--samples", "9"},
      {"--estimator", "reinmax", "--logits", l3, "--upstream", u3, "--given", "0", "--tau", "1",
          "--seed", "2"},
      {"--estimator", "gst-1.0", "--logits", l3, "--upstream", u3, "--given", "0", "--tau", "1",
          "--losses", "1"},
      {"--estimator", "rloo", "--logits", l3, "--given", "0,1", "--losses", "1,2", "--upstream",
          u3},
      {"--estimator", "rloo", "--logits", l3, "--given", "0,1", "--losses", "1,2", "--samples",
          "2"},
      {"--estimator", "disarm", "--logits", "0.4", "--given", "1,0", "--losses", "1,2", "--tau",
          "1"},
      {"--estimator", "zgr-binary", "--logits", "0.4", "--given", "1", "--upstream", "1",
          "--seed", "1"},
      {"--estimator", "st", "--logits", l3, "--upstream", u3, "--tau", "1", "--losses", "1"},
      // a D the estimator cannot be given (it draws D from its forward noise)
      {"--estimator", "st-gs", "--logits", l3, "--upstream", u3, "--tau", "1", "--given", "0"},
      // a missing input
      {"--estimator", "rloo", "--logits", l3, "--losses", "1,2"},
      {"--estimator", "zgr", "--logits", l3, "--given", "1"},
      {"--estimator", "reinmax", "--logits", l3, "--upstream", u3, "--given", "1"},
      {"--estimator", "gr-mc100", "--logits", l3, "--upstream", u3, "--given", "1", "--samples",
          "10", "--tau", "1"},
      {"--estimator", "gumbel-rao-total", "--logits", l3, "--upstream", u3, "--given", "0"},
      {"--estimator", "rloo", "--logits", l3, "--given", "0,1"},
      {"--estimator", "rloo", "--given", "0,1", "--losses", "1,2"},
      {"--estimator", "disarm", "--logits", "0.4", "--losses", "1,2"},
      {"--estimator", "zgr-binary", "--logits", "0.4", "--given", "1"},
      // a bad value
      {"--estimator", "zgr", "--logits", l3, "--upstream", "1,2", "--given", "0"},
      {"--estimator", "zgr", "--logits", l3, "--upstream", u3, "--given", "3"},
      {"--estimator", "zgr", "--logits", l3, "--upstream", u3, "--given", "-1"},
      {"--estimator", "zgr", "--logits", l3, "--upstream", u3, "--given", "x"},
      {"--estimator", "zgr", "--logits", l3, "--upstream", u3, "--given", "0,1"},
      {"--estimator", "zgr", "--logits", "0.3,-inf,1", "--upstream", u3, "--given", "1"},
      {"--estimator", "reinmax", "--logits", l3, "--upstream", u3, "--given", "0", "--tau", "0"},
      {"--estimator", "gst-1.0", "--logits", l3, "--upstream", u3, "--given", "0", "--tau",
          "nan"},
      {"--estimator", "gumbel-rao-total", "--logits", l3, "--upstream", u3, "--tau", "1",
          "--given", "0", "--samples", "0"},
      {"--estimator", "rloo", "--logits", l3, "--given", "0", "--losses", "1"},
      {"--estimator", "rloo", "--logits", l3, "--given", "0,1,2", "--losses", "1,2"},
      {"--estimator", "rloo", "--logits", l3, "--given", "0,3", "--losses", "1,2"},
      {"--estimator", "rloo", "--logits", l3, "--given", "0,1", "--losses", "1,nan"},
      {"--estimator", "disarm", "--logits", "0.4,1", "--given", "1,0", "--losses", "1,2"},
      {"--estimator", "disarm", "--logits", "0.4", "--given", "1", "--losses", "1,2"},
      {"--estimator", "disarm", "--logits", "0.4", "--given", "1,2", "--losses", "1,2"},
      {"--estimator", "disarm", "--logits", "0.4", "--given", "1,0", "--losses", "1"},
      {"--estimator", "disarm", "--logits", "inf", "--given", "0,1", "--losses", "1,2"},
      {"--estimator", "zgr-binary", "--logits", "0.4,1", "--given", "1", "--upstream", "1"},
      {"--estimator", "zgr-binary", "--logits", "0.4", "--given", "1,0", "--upstream", "1"},
      {"--estimator", "zgr-binary", "--logits", "0.4", "--given", "1", "--upstream", "1,2"},
      {"--estimator", "zgr-binary", "--logits", "-inf", "--given", "1", "--upstream", "1"},
    };
    String[] named = {"--estimator", "--tau", "--samples", "--seed", "--losses", "--upstream",
        "--samples", "--tau", "--seed", "--losses",
        "--given", "--given", "--upstream", "--tau", "--samples", "--tau", "--losses", "--logits",
        "--given", "--upstream",
        "--upstream", "--given", "--given", "--given", "--given", "--given", "--tau", "--tau",
        "--samples", "--given", "--losses", "--given", "--losses", "--logits", "--given", "--given",
        "--losses", "--given", "--logits", "--given", "--upstream", "--given"};
    assertEquals(bad.length, named.length);
    for (int i = 0; i < bad.length; i++) {
      String[] args = new String[bad[i].length + 3];
      args[0] = "grad";
      System.arraycopy(bad[i], 0, args, 1, bad[i].length);
      args[args.length - 2] = "--backend";
      args[args.length - 1] = "java";
      Run r = run(args);
      String line = String.join(" ", args);
      assertEquals(2, r.status, line);
      assertEquals(1, r.err.lines().count(), line + ": " + r.err);
      assertTrue(r.err.startsWith("gumbel-rao grad: " + named[i]), line + ": " + r.err);
      assertEquals("", r.out, line);
    }
  }

  @Test
  void conditionalPrintsOneSamplePerLineWithArgmaxAtGiven() throws Exception {
    Run r = run("conditional", "--logits", "1,2,3", "--given", "1", "--samples", "1000",
        "--seed", "7");
    assertEquals(0, r.status, r.err);
    List<String> lines = r.out.lines().toList();
    assertEquals(1000, lines.size());
    float[] th = {1, 2, 3};
    for (String line : lines) {
      String[] parts = line.split(",");
      assertEquals(3, parts.length);
      float[] z = new float[3];
      for (int j = 0; j < 3; j++) z[j] = th[j] + Float.parseFloat(parts[j]);
      assertTrue(z[1] > z[0] && z[1] > z[2], line);
    }
  }

  @Test
  void errorsAreOneLineOnStderrWithStatusTwo() throws Exception {
    String[][] bad = {
      {"grad", "--estimator", "nope", "--logits", "1", "--upstream", "1", "--tau", "1"},
      {"grad", "--estimator", "st", "--logits", "1,x", "--upstream", "1,1", "--tau", "1"},
      {"grad", "--estimator", "st", "--logits", "1,2", "--upstream", "1", "--tau", "1"},
      {"grad", "--estimator", "st", "--logits", "1,2", "--upstream", "1,1", "--tau", "0"},
      {"grad", "--estimator", "gumbel-rao", "--logits", "1,2", "--upstream", "1,1", "--given",
          "0"},
      {"conditional", "--logits", "1,nan,3", "--given", "1"},
      {"conditional", "--logits", "1,2,3", "--given", "3"},
      {"conditional", "--logits", "1,2,3", "--given", "1", "--bogus", "1"},
      {"toy", "--grid", "9"},
      {"nonsense"},
      {"info", "--backend", "tpu"},
      // sizes that overflowed an int or the heap (NegativeArraySizeException, OutOfMemoryError)
      {"grad", "--estimator", "st-gs", "--logits", "0.3,-0.2", "--upstream", "1,-0.5", "--tau",
          "0.5", "--samples", "2000000000"},
      {"conditional", "--logits", "1,2,3", "--given", "1", "--samples", "1000000000"},
      {"conditional", "--logits", "1,2,3", "--given", "1", "--samples", "2147483647"},
      {"toy", "--grid", "100000"},
      {"toy", "--draws", "2000000000", "--grid", "4"},
      {"grad", "--estimator", "st", "--logits", "1,2", "--upstream", "1,1", "--tau", "1",
          "--samples", "0"},
      // values the kernels reject (the JAVA backend: the same rules on every backend)
      {"grad", "--estimator", "st", "--logits", "0.3,-0.2", "--upstream", "1,nan", "--tau",
          "0.5", "--backend", "java"},
    };
    for (String[] args : bad) {
      Run r = run(args);
      assertEquals(2, r.status, String.join(" ", args));
      assertEquals(1, r.err.lines().count(), r.err);
      assertTrue(r.err.startsWith("gumbel-rao"), r.err);
      assertEquals("", r.out);
    }
  }

  /** A backend that cannot run, and an --out that is a file: status 2, one line naming it. */
  @Test
  void unavailableBackendsAndUnwritableOutputsAreUsageErrors(@TempDir Path dir)
      throws Exception {
    if (!dev.gumbelrao.Backends.status(BackendKind.CUDA).available()) {
      Run r = run("grad", "--estimator", "st", "--logits", "1,2", "--upstream", "1,1", "--tau",
          "1", "--backend", "cuda");
      assertEquals(2, r.status, r.err);
      assertEquals(1, r.err.lines().count(), r.err);
      assertTrue(r.err.startsWith("gumbel-rao grad: CUDA unavailable: "), r.err);
    }
    Path file = Files.writeString(dir.resolve("taken"), "x");
    Run r = run("toy", "--grid", "4", "--draws", "10", "--quiet", "--out", file.toString());
    assertEquals(2, r.status, r.err);
    assertEquals("gumbel-rao toy: --out: " + file + " exists and is not a directory",
        r.err.strip());
  }

  @Test
  void infoNamesEveryBackend() throws Exception {
    Run r = run("info");
    assertEquals(0, r.status);
    assertTrue(r.out.contains("JAVA available"));
    assertTrue(r.out.contains("CUDA "));
    assertTrue(r.out.contains("AUTO uses "));
  }

  /** Tagged: it draws a PNG with java.desktop, which the GPU bundle's runtime leaves out. */
  @Test
  @Tag("desktop")
  void toyPrintsItsTableAndWritesCsvAndPng(@TempDir Path dir) throws Exception {
    Run r = run("toy", "--grid", "7", "--draws", "300", "--quiet", "--out", dir.toString(),
        "--backend", "java");
    assertEquals(0, r.status, r.err);
    assertTrue(r.out.contains("mean over the simplex of log10 tr Cov"));
    assertTrue(r.out.contains("mean over the simplex of the squared bias"));
    assertTrue(r.out.contains("GR-MC100 vs ST-GS"));
    assertTrue(r.out.contains("GR-MC100-total vs ST-GS"));
    assertTrue(r.out.contains("RLOO-10* vs ST-GS"), r.out);
    assertTrue(r.out.contains("total derivative against detached"));
    assertTrue(r.out.contains("zgr-binary, disarm and arms are binary estimators"), r.out);
    assertTrue(r.out.contains("IndeCateR evaluates f at every class"), r.out);
    for (String[] refused : new String[][] {{"disarm", "is a binary estimator"},
        {"indecater", "evaluates f at every class"}}) {
      Run no = run("toy", "--grid", "4", "--draws", "10", "--estimators", refused[0], "--quiet",
          "--out", dir.resolve("refused").toString());
      assertEquals(2, no.status, no.err);
      assertTrue(no.err.contains("--estimators: " + refused[0] + " " + refused[1]), no.err);
    }
    // ST, ST-GS, GR-MC10, GR-MC10-total, GR-MC100, GR-MC100-total, ZGR, ReinMax, GST-1.0,
    // GST-p, REINFORCE, RLOO-2, RLOO-10
    int estimators = 13, taus = 4, points = 15; // interior points of a 7-grid: C(6, 2)
    List<String> csv = Files.readAllLines(dir.resolve("toy.csv"));
    assertEquals(1 + taus * estimators * points, csv.size());
    assertTrue(csv.get(0).endsWith(",trace_cov,sq_bias"), csv.get(0));
    List<String> summary = Files.readAllLines(dir.resolve("toy-summary.csv"));
    assertEquals(1 + taus * estimators, summary.size());
    assertEquals("tau,estimator,mean_log10_trace_cov,mean_mse,mean_sq_bias,evaluations,relaxed,"
        + "uses_tau", summary.get(0));
    assertTrue(summary.stream().anyMatch(l -> l.startsWith("0.01,RLOO-10,")
        && l.endsWith(",10,false,false")), String.join("\n", summary));
    // 12 rows against ST-GS; the MSE figure adds one row per K run with both derivatives
    java.awt.image.BufferedImage cov = ImageIO.read(dir.resolve("toy.png").toFile());
    java.awt.image.BufferedImage mse = ImageIO.read(dir.resolve("toy-mse.png").toFile());
    assertTrue(cov.getWidth() > 800);
    assertTrue(mse.getHeight() >= cov.getHeight() + 2 * 230,
        mse.getHeight() + " vs " + cov.getHeight());
  }

  /** --estimators picks the rows; without ST-GS there is nothing for the PNGs to compare with. */
  @Test
  @Tag("desktop")
  void toyRunsTheEstimatorsItIsGiven(@TempDir Path dir) throws Exception {
    Run r = run("toy", "--grid", "4", "--draws", "50", "--taus", "0.5", "--quiet", "--out",
        dir.toString(), "--backend", "java", "--estimators", "zgr,st,gs,rloo",
        "--rloo-samples", "3");
    assertEquals(0, r.status, r.err);
    List<String> summary = Files.readAllLines(dir.resolve("toy-summary.csv"));
    assertEquals(List.of("ST", "GS", "ZGR", "RLOO-3"), summary.stream().skip(1)
        .map(l -> l.split(",")[1]).toList());
    assertTrue(r.out.contains("GS*"), r.out);
    assertTrue(r.out.contains("no toy.png"), r.out);
    assertTrue(!Files.exists(dir.resolve("toy.png")) && !Files.exists(dir.resolve("toy-mse.png")));
  }

  /**
   * The key's offset: read by the keyed commands and checked as an option there; every other
   * command refuses it (and any option it does not read) the same way, naming what it takes.
   */
  @Test
  void anOptionACommandDoesNotReadIsRefusedAndTheOffsetIsChecked() throws Exception {
    String[][] bad = {
      {"toy", "--offset", "-1", "--grid", "4", "--draws", "10", "--quiet"},
      {"toy", "--offset", "3", "--grid", "4", "--draws", "10", "--quiet"},
      {"info", "--offset", "0"},
      {"vae", "--offset", "0", "--plan-only"},
      {"conditional", "--logits", "1,2,3", "--given", "1", "--offset", "-1"},
      {"grad", "--estimator", "gumbel-rao", "--logits", "0.3,-0.2", "--upstream", "1,-0.5",
          "--tau", "0.5", "--samples", "10", "--offset", "4294967296"},
      {"grad", "--estimator", "st", "--logits", "0.3,-0.2", "--given", "0", "--upstream",
          "1,-0.5", "--tau", "0.5", "--offset", "1"},
    };
    String[] named = {"gumbel-rao toy: --offset is not an option of toy (it takes --backend V,",
        "gumbel-rao toy: --offset is not an option of toy",
        "gumbel-rao info: --offset is not an option of info",
        "gumbel-rao vae: --offset is not an option of vae",
        "gumbel-rao conditional: --offset must be in [0, 4294967295], got -1",
        "gumbel-rao grad: --offset must be in [0, 4294967295], got 4294967296",
        "gumbel-rao grad: --offset does not apply to st: its gradient is deterministic given D"};
    for (int i = 0; i < bad.length; i++) {
      Run r = run(bad[i]);
      String args = String.join(" ", bad[i]);
      assertEquals(2, r.status, args);
      assertEquals(1, r.err.lines().count(), r.err);
      assertTrue(r.err.startsWith(named[i]), args + ": " + r.err);
      assertEquals("", r.out);
    }
    // where it is read, the offset selects another stream of the same seed
    Run a = run("conditional", "--logits", "1,2,3", "--given", "1", "--samples", "4",
        "--backend", "java");
    Run b = run("conditional", "--logits", "1,2,3", "--given", "1", "--samples", "4",
        "--backend", "java", "--offset", "4294967295");
    assertEquals(0, a.status, a.err);
    assertEquals(0, b.status, b.err);
    assertTrue(!a.out.equals(b.out), "the offset changed nothing");
  }

  @Test
  void toyOptionErrorsNameTheOption() throws Exception {
    String[][] bad = {
      {"toy", "--estimators", "disarm", "--quiet"},
      {"toy", "--estimators", "zgr-binary", "--quiet"},
      {"toy", "--estimators", "st,nope", "--quiet"},
      {"toy", "--estimators", "st,", "--quiet"},
      {"toy", "--estimators", "st,zgr", "--samples", "10", "--quiet"},
      {"toy", "--estimators", "st,zgr", "--mc1000", "--quiet"},
      {"toy", "--estimators", "st,zgr", "--rloo-samples", "4", "--quiet"},
      {"toy", "--samples", "0", "--quiet"},
      {"toy", "--samples", "ten", "--quiet"},
      {"toy", "--rloo-samples", "1", "--quiet"},
      {"toy", "--rloo-samples", "5000", "--draws", "4000", "--quiet"},
    };
    String[] named = {"--estimators: disarm is a binary", "--estimators: zgr-binary is a binary",
        "--estimators: unknown estimator 'nope'", "--estimators: unknown estimator ''",
        "--samples", "--mc1000", "--rloo-samples", "--samples", "--samples", "--rloo-samples",
        "--rloo-samples"};
    for (int i = 0; i < bad.length; i++) {
      Run r = run(bad[i]);
      String args = String.join(" ", bad[i]);
      assertEquals(2, r.status, args);
      assertEquals(1, r.err.lines().count(), r.err);
      assertTrue(r.err.startsWith("gumbel-rao toy: " + named[i]), args + ": " + r.err);
      assertEquals("", r.out);
    }
  }
}
