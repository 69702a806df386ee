package dev.gumbelrao;

import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.EstimatorFamily.Parameter;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.LossTableEstimator;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random inputs on every operation, every estimator family of the registry (through
 * {@link EstimatorCases}) and every backend: shapes (arity 1 to 5000, rows 0 to a few hundred),
 * logit scales from 1e-3 to 1e30 with common offsets up to 1e6, masked classes,
 * taus from 1e-3 to 1e3, K, upstream values and losses up to 1e38, arrays and views at random
 * offsets of one direct buffer; and in about a third of the cases one deliberate fault (a bad
 * tau, K, shape, length, null, overlap, NaN or +Infinity logit, fully masked row, NaN upstream or
 * loss, out-of-range or masked choice). Every case must end, on every backend, in one of:
 * <ul>
 *   <li>an IllegalArgumentException whose message starts with the name of the faulty argument
 *       (a K or S below its least: the registry's message, naming the family), the same message
 *       on every backend (a fault found inside the data names the same row);
 *   <li>finite outputs that agree with the JAVA oracle element by element, D identical, masked
 *       classes exactly +0 in every gradient and one-hot, nothing written outside the outputs.
 * </ul>
 * A faultless case may only be rejected for the float range (a gradient beyond 3.4e38, a
 * conditional noise of a class 3.4e38 below the row's log-sum-exp), identically on every backend.
 * Reproduce one case with {@code -Dgumbelrao.fuzz.seed=S -Dgumbelrao.fuzz.only=I}; more cases with
 * {@code -Dgumbelrao.fuzz.cases=N}.
 */
class FuzzTest {
  private static final long SEED = Long.getLong("gumbelrao.fuzz.seed", 0x5EED_2026_1201L);
  private static final int CASES = Integer.getInteger("gumbelrao.fuzz.cases", 2000);
  private static final int ONLY = Integer.getInteger("gumbelrao.fuzz.only", -1);
  /** Draws x rows x arity x K above which a case is shrunk: the JAVA oracle's time per case. */
  private static final long WORK = 1L << 20;

  /**
   * What a case runs: sampling, the conditional noise, or an estimator of a registry family (one
   * per family of {@link Estimators#families()}, read from {@link EstimatorCases}: a new family
   * is fuzzed with no edit here). Its properties are the family's.
   */
  static final class Op {
    static final Op SAMPLE = new Op("SAMPLE", null);
    static final Op CONDITIONAL = new Op("CONDITIONAL", null);
    /** SAMPLE, CONDITIONAL and every family of the case list, in the registry's order. */
    static final List<Op> ALL = all();

    final String name;
    final EstimatorFamily family;
    private final int draws;

    private Op(String name, EstimatorFamily family) {
      this.name = name;
      this.family = family;
      this.draws = family == null ? 1
          : family.make(Math.max(1, family.parameter().least), 1f).draws();
    }

    private static List<Op> all() {
      List<Op> out = new ArrayList<>(List.of(SAMPLE, CONDITIONAL));
      Set<EstimatorFamily> seen = new LinkedHashSet<>();
      for (EstimatorCases.Case c : EstimatorCases.all()) seen.add(c.family());
      for (EstimatorFamily f : seen) out.add(new Op(f.pattern(), f));
      return List.copyOf(out);
    }

    boolean binary() {
      return family != null && family.binary();
    }

    boolean hasTau() {
      return family != null && family.tempered();
    }

    boolean hasSamples() {
      return this == CONDITIONAL || family != null && family.parameter() != Parameter.NONE;
    }

    /** K conditional draws per row and class (Gumbel-Rao, the conditional noise). */
    boolean drawsK() {
      return this == CONDITIONAL || family != null && family.parameter() == Parameter.DRAWS_K;
    }

    /** S samples per row (RLOO): at least 2. */
    boolean samplesS() {
      return family != null && family.parameter() == Parameter.SAMPLES_S;
    }

    boolean scoreFunction() {
      return family != null && family.scoreFunction();
    }

    /** Its backward pass takes a table of losses, [draw][row][class] (IndeCateR). */
    boolean lossTable() {
      return family != null && family.lossTable();
    }

    /** N forward draws per row of a loss-table estimator: at least 1. */
    boolean drawsN() {
      return family != null && family.parameter() == Parameter.DRAWS_N;
    }

    boolean estimator() {
      return family != null;
    }

    /**
     * Whether its backward pass reads noise (and so the conditioning of z / tau matters): the
     * forward noise itself (no sample at a given D: ST-GS, GS) or K conditional draws (GR).
     */
    boolean noisy() {
      return family != null && (!family.conditionable() || drawsK());
    }

    /** Whether it has a sample for a given D (Estimator.given). */
    boolean givenAllowed() {
      return family != null && family.conditionable();
    }

    int draws(int samples) {
      return samplesS() || drawsN() ? samples : draws;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  enum Fault {
    TAU, SAMPLES, ROWS, ARITY, LENGTH, NULL_LOGITS, OVERLAP, LOGIT_NAN, LOGIT_POS_INF, ALL_MASKED,
    UPSTREAM_NAN, LOSS_NAN, CHOICE_RANGE, CHOICE_MASKED
  }

  /** One generated case: the inputs and, for a faulty case, the argument that must be named. */
  static final class Case {
    final int index;
    Op op;
    int rows, arity, samples;
    float tau;
    double scale, offset, upstreamScale, maskRate;
    boolean buffers, given;
    Fault fault;
    String expect;
    /** Where the message is not named by its first word: how it must start. */
    String expectPrefix;
    float[] logits, upstream, losses;
    int[] choice;
    NoiseKey key;

    Case(int index) {
      this.index = index;
    }

    int n() {
      return rows * arity;
    }

    @Override
    public String toString() {
      return String.format("case %d (-Dgumbelrao.fuzz.seed=%d -Dgumbelrao.fuzz.only=%d): %s rows=%d "
          + "arity=%d K=%d tau=%s scale=%.3g offset=%.3g upstream=%.3g mask=%.2f %s%s fault=%s",
          index, SEED, index, op, rows, arity, samples, tau, scale, offset, upstreamScale,
          maskRate, buffers ? "buffers" : "arrays", given ? " given-D" : "", fault);
    }
  }

  static Case generate(int index) {
    SplittableRandom rnd = new SplittableRandom(SEED ^ (0x9E3779B97F4A7C15L * (index + 1)));
    Case c = new Case(index);
    c.op = Op.ALL.get(rnd.nextInt(Op.ALL.size()));
    int[] arities = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 60, 64, 100, 255, 1000, 1025, 4097,
        5000};
    c.arity = c.op.binary() ? 1 : arities[rnd.nextInt(arities.length)];
    c.rows = rnd.nextInt(8) == 0 ? rnd.nextInt(3) : 1 + (int) Math.exp(rnd.nextDouble() * 6);
    c.rows = (int) Math.max(0, Math.min(c.rows, (1 << 16) / c.arity));
    c.samples = 1 + (int) Math.exp(rnd.nextDouble() * Math.log(4096));
    if (c.op.samplesS()) c.samples = 2 + rnd.nextInt(9);
    if (c.op.drawsN()) c.samples = 1 + rnd.nextInt(8);
    long work = (long) c.op.draws(c.samples) * Math.max(1, c.rows) * c.arity
        * (c.op.drawsK() ? c.samples : 1);
    if (work > WORK) {
      if (c.op.samplesS()) c.rows = (int) Math.max(1, c.rows * WORK / work);
      else c.samples = (int) Math.max(1, c.samples * WORK / work);
    }
    if (c.op == Op.CONDITIONAL) {
      c.samples = (int) Math.max(1, Math.min(c.samples, (1 << 18) / Math.max(1, c.n())));
    }
    c.tau = (float) Math.pow(10, -3 + 6 * rnd.nextDouble());
    c.scale = Math.pow(10, -3 + 33 * rnd.nextDouble());
    c.offset = rnd.nextInt(5) == 0 ? Math.pow(10, 6 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1)
        : 0;
    c.maskRate = c.op.binary() ? 0 : new double[] {0, 0, 0.3, 0.9}[rnd.nextInt(4)];
    c.upstreamScale = rnd.nextInt(10) == 0 ? Math.pow(10, 37 + rnd.nextDouble() * 1.5)
        : Math.pow(10, -3 + 33 * rnd.nextDouble());
    c.given = c.op.givenAllowed() && rnd.nextInt(3) == 0;
    c.buffers = !c.given && rnd.nextBoolean();  // a given D's sample is on arrays
    c.key = new NoiseKey(rnd.nextLong(), rnd.nextLong() >>> 32);

    c.logits = new float[c.n()];
    for (int r = 0; r < c.rows; r++) {
      int keep = rnd.nextInt(c.arity);
      for (int j = 0; j < c.arity; j++) {
        boolean masked = j != keep && rnd.nextDouble() < c.maskRate;
        c.logits[r * c.arity + j] = masked ? Float.NEGATIVE_INFINITY
            : (float) (c.offset + c.scale * rnd.nextGaussian());
      }
      // a binary logit of +-Infinity is a certain 1 or 0, not a fault
      if (c.op.binary() && rnd.nextInt(16) == 0) {
        c.logits[r] = rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
      }
    }
    int draws = c.op.draws(c.samples);
    c.upstream = new float[draws * c.n()];
    for (int i = 0; i < c.upstream.length; i++) {
      // a masked class's upstream is never read: NaN there must not matter
      boolean masked = !c.op.binary()
          && c.logits[i % Math.max(1, c.n())] == Float.NEGATIVE_INFINITY;
      c.upstream[i] = masked && rnd.nextInt(4) == 0 ? Float.NaN
          : (float) Math.max(-3e38, Math.min(3e38, c.upstreamScale * rnd.nextGaussian()));
    }
    int width = c.op.lossTable() ? c.arity : 1;  // a loss table: one loss per class
    c.losses = new float[draws * c.rows * width];
    for (int i = 0; i < c.losses.length; i++) {
      // a loss table's masked class is never read: NaN there must not matter
      boolean masked = width > 1 && c.logits[i % Math.max(1, c.n())] == Float.NEGATIVE_INFINITY;
      c.losses[i] = masked && rnd.nextInt(4) == 0 ? Float.NaN
          : (float) Math.max(-3e38, Math.min(3e38, c.upstreamScale * rnd.nextGaussian()));
    }
    if (c.given) {
      c.choice = new int[draws * c.rows];
      for (int i = 0; i < c.choice.length; i++) {
        int r = i % c.rows;
        do {
          c.choice[i] = rnd.nextInt(c.op.binary() ? 2 : c.arity);
        } while (impossible(c, r, c.choice[i]));
      }
    }
    if (c.op == Op.CONDITIONAL) c.choice = TestData.choices(rnd, c.logits, c.rows, c.arity);
    if (rnd.nextInt(3) == 0) injectFault(c, rnd);
    return c;
  }

  /** Applies one fault that this case can have (or none, when none applies). */
  static void injectFault(Case c, SplittableRandom rnd) {
    List<Fault> options = new ArrayList<>(List.of(Fault.ROWS, Fault.ARITY, Fault.NULL_LOGITS,
        Fault.LENGTH));
    if (c.op.hasTau()) options.add(Fault.TAU);
    if (c.op.hasSamples()) options.add(Fault.SAMPLES);
    if (c.rows > 0) {
      // (direct buffers have an address, for the overlap check, when the native library loads)
      if (c.buffers && c.op.estimator() && NativeSupport.loaded()) options.add(Fault.OVERLAP);
      options.add(Fault.LOGIT_NAN);
      if (!c.op.binary()) options.add(Fault.LOGIT_POS_INF);
      if (!c.op.binary()) options.add(Fault.ALL_MASKED);
      if (c.op.estimator() && !c.op.scoreFunction() && !c.op.lossTable()) {
        options.add(Fault.UPSTREAM_NAN);
      }
      if (c.op.scoreFunction() || c.op.lossTable() && c.rows > 0) options.add(Fault.LOSS_NAN);
      if (c.choice != null) options.add(Fault.CHOICE_RANGE);
      if (c.choice != null) options.add(Fault.CHOICE_MASKED);
    }
    c.fault = options.get(rnd.nextInt(options.size()));
    int r = c.rows > 0 ? rnd.nextInt(c.rows) : 0;
    int at = r * c.arity + rnd.nextInt(c.arity);
    switch (c.fault) {
      case TAU:
        c.tau = new float[] {0f, -0f, -1f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY}[rnd.nextInt(6)];
        c.expect = "tau";
        break;
      case SAMPLES:
        c.samples = c.op.samplesS() ? rnd.nextInt(2) - (rnd.nextBoolean() ? 5 : 0)
            : -rnd.nextInt(3);
        c.expect = "samples";
        if (c.op.estimator()) {
          // the registry refuses it, naming the family and K or S
          c.expectPrefix = c.op.family.pattern() + ": " + c.op.family.parameter().letter()
              + " must be >= ";
        }
        break;
      case ROWS:
        c.rows = -1 - rnd.nextInt(5);
        c.expect = "rows";
        break;
      case ARITY:
        c.arity = c.op.binary() ? 2 + rnd.nextInt(3) : -rnd.nextInt(2);
        c.expect = "arity";
        break;
      case LENGTH:
        c.expect = "grad";  // the output is one element short (see run)
        if (!c.op.estimator()) c.expect = c.op == Op.SAMPLE ? "choice" : "noise";
        break;
      case NULL_LOGITS:
        c.logits = null;
        c.expect = "logits";
        break;
      case OVERLAP:
        c.expect = "grad";
        break;
      case LOGIT_NAN:
        c.logits[at] = Float.NaN;
        c.expect = "logits";
        break;
      case LOGIT_POS_INF:
        c.logits[at] = Float.POSITIVE_INFINITY;
        c.expect = "logits";
        break;
      case ALL_MASKED:
        Arrays.fill(c.logits, r * c.arity, (r + 1) * c.arity, Float.NEGATIVE_INFINITY);
        c.expect = "logits";
        // a given D of that row is now masked too: either names the fault's row
        break;
      case UPSTREAM_NAN: {
        int j = firstUnmasked(c, r);
        c.upstream[r * c.arity + j] = rnd.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
        c.expect = "upstream";
        break;
      }
      case LOSS_NAN:
        if (c.op.lossTable()) {  // at a class the backward pass reads: not masked
          int row = rnd.nextInt(c.rows);
          c.losses[((rnd.nextInt(c.op.draws(c.samples)) * c.rows) + row) * c.arity + firstUnmasked(c, row)] =
              rnd.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
          c.expect = "lossTable";
          break;
        }
        c.losses[rnd.nextInt(c.losses.length)] = rnd.nextBoolean() ? Float.NaN
            : Float.POSITIVE_INFINITY;
        c.expect = "losses";
        break;
      case CHOICE_RANGE:
        c.choice[rnd.nextInt(c.choice.length)] = rnd.nextBoolean() ? -1
            : (c.op.binary() ? 2 : c.arity) + rnd.nextInt(3);
        c.expect = "choice";
        break;
      case CHOICE_MASKED: {
        int row = -1;
        if (c.op.binary()) {  // an impossible outcome: 0 at eta = +inf
          c.logits[r] = Float.POSITIVE_INFINITY;
          c.choice[r] = 0;
          row = r;
        }
        for (int q = 0; q < c.rows && row < 0; q++) {
          for (int j = 0; j < c.arity; j++) {
            if (c.logits[q * c.arity + j] == Float.NEGATIVE_INFINITY) {
              c.choice[q] = j;
              row = q;
              break;
            }
          }
        }
        if (row < 0) {
          c.fault = null;  // no masked class to name
        } else {
          c.expect = "choice";
        }
        break;
      }
      default:
        throw new AssertionError(c.fault);
    }
  }

  /** Whether D = d cannot be drawn in row r: a masked class; binary, 0 at +inf or 1 at -inf. */
  static boolean impossible(Case c, int r, int d) {
    if (!c.op.binary()) return c.logits[r * c.arity + d] == Float.NEGATIVE_INFINITY;
    return c.logits[r] == (d == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
  }

  private static int firstUnmasked(Case c, int r) {
    // a binary logit of +-Infinity is a certain outcome, not a masked class: its upstream is read
    if (c.op.binary()) return 0;
    for (int j = 0; j < c.arity; j++) {
      if (c.logits[r * c.arity + j] != Float.NEGATIVE_INFINITY) return j;
    }
    throw new AssertionError("a row keeps one finite logit");
  }

  // ============================================================================ running a case

  /** What a backend did with a case: the exception, or its outputs by name. */
  static final class Outcome {
    RuntimeException thrown;
    final Map<String, float[]> outputs = new LinkedHashMap<>();
    int[] choices;
  }

  /**
   * The memory of a case's buffer arguments: one direct buffer, each argument a view at a random
   * offset with a sentinel gap around it (checked afterwards: nothing written outside outputs).
   */
  static final class Arena {
    final FloatBuffer all;
    final IntBuffer ints;
    private int next, nextInt;
    private final List<int[]> floatViews = new ArrayList<>();

    Arena(long floats, long intCount) {
      all = ByteBuffer.allocateDirect((int) (4 * (floats + 64 * 10)))
          .order(ByteOrder.nativeOrder()).asFloatBuffer();
      ints = ByteBuffer.allocateDirect((int) (4 * (intCount + 64 * 4)))
          .order(ByteOrder.nativeOrder()).asIntBuffer();
      for (int i = 0; i < all.capacity(); i++) all.put(i, SENTINEL);
      for (int i = 0; i < ints.capacity(); i++) ints.put(i, INT_SENTINEL);
    }

    FloatBuffer floats(float[] contents, int length, int gap) {
      int at = next + gap;
      next = at + length;
      FloatBuffer v = tracked(view(all, at, length));
      if (contents != null) v.duplicate().put(contents, 0, Math.min(length, contents.length));
      return v;
    }

    /** A view over [start, start + length) of the arena, for an overlapping output. */
    FloatBuffer overlapping(FloatBuffer of, int shift, int length) {
      return tracked(view(all, of.position() + shift, length));
    }

    IntBuffer intView(int[] contents, int length, int gap) {
      int at = nextInt + gap;
      nextInt = at + length;
      IntBuffer v = view(ints, at, length);
      if (contents != null) v.duplicate().put(contents, 0, Math.min(length, contents.length));
      return v;
    }

    /** [at, at + length) of the whole buffer, as a buffer of its own. */
    @SuppressWarnings("unchecked")
    private static <B extends Buffer> B view(B whole, int at, int length) {
      B v = (B) whole.duplicate();
      v.position(at).limit(at + length);
      return v;
    }

    /** The float view, its elements recorded as an argument's (checkUntouched skips them). */
    private FloatBuffer tracked(FloatBuffer v) {
      floatViews.add(new int[] {v.position(), v.limit()});
      return v;
    }

    /** Every element outside the views still holds the sentinel. */
    void checkUntouched(Case c) {
      boolean[] inside = new boolean[all.capacity()];
      for (int[] v : floatViews) {
        for (int i = v[0]; i < v[1]; i++) inside[i] = true;
      }
      for (int i = 0; i < all.capacity(); i++) {
        if (!inside[i] && Float.floatToRawIntBits(all.get(i)) != Float.floatToRawIntBits(SENTINEL)) {
          fail(c + ": float element " + i + " outside every argument was written");
        }
      }
      for (int i = nextInt; i < ints.capacity(); i++) {
        if (ints.get(i) != INT_SENTINEL) fail(c + ": int element " + i + " past the arguments");
      }
    }
  }

  private static final float SENTINEL = Float.intBitsToFloat(0x7fc0_beef);
  private static final int INT_SENTINEL = 0x5a5a_5a5a;

  static float[] read(FloatBuffer b) {
    float[] out = new float[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  static Outcome run(Case c, Backend gr) {
    Outcome o = new Outcome();
    try {
      runOrThrow(c, gr, o);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      o.thrown = e;
    }
    return o;
  }

  /** The case's estimator, made by its registry family (K or S: the case's samples). */
  private static Estimator estimator(Case c) {
    return c.op.family.make(c.samples, c.tau);
  }

  private static void runOrThrow(Case c, Backend gr, Outcome o) {
    int rows = c.rows, arity = c.arity;
    int nIn = c.logits == null ? 0 : c.logits.length;
    // a LENGTH fault: the output one element short (one too long when it would be empty)
    int shortBy = c.fault != Fault.LENGTH ? 0 : nIn > 0 ? 1 : -1;
    if (c.op == Op.SAMPLE) {
      int[] d = new int[Math.max(0, rows) + (c.fault == Fault.LENGTH ? (rows > 0 ? -1 : 1) : 0)];
      float[] oneHot = new float[nIn];
      if (c.buffers) {
        Arena a = new Arena(2L * nIn, d.length);
        FloatBuffer th = c.logits == null ? null : a.floats(c.logits, nIn, 7);
        IntBuffer dv = a.intView(null, d.length, 3);
        FloatBuffer oh = a.floats(null, nIn, 5);
        gr.sample(th, rows, arity, c.key, dv, oh);
        dv.duplicate().get(d);
        oneHot = read(oh);
        a.checkUntouched(c);
      } else {
        gr.sample(c.logits, rows, arity, c.key, d, oneHot);
      }
      o.choices = d;
      o.outputs.put("oneHot", oneHot);
      return;
    }
    if (c.op == Op.CONDITIONAL) {
      long total = (long) Math.max(0, c.samples) * nIn;
      float[] noise = new float[(int) (Math.min(1 << 24, total)
          + (c.fault == Fault.LENGTH ? (total > 0 ? -1 : 1) : 0))];
      if (c.buffers) {
        Arena a = new Arena(nIn + noise.length, rows);
        FloatBuffer th = c.logits == null ? null : a.floats(c.logits, nIn, 2);
        IntBuffer dv = a.intView(c.choice, c.choice.length, 1);
        FloatBuffer nz = a.floats(null, noise.length, 9);
        gr.conditionalGumbel(th, dv, rows, arity, c.samples, c.key, nz);
        noise = read(nz);
        a.checkUntouched(c);
      } else {
        gr.conditionalGumbel(c.logits, c.choice, rows, arity, c.samples, c.key, noise);
      }
      o.outputs.put("noise", noise);
      return;
    }

    Estimator est = estimator(c);
    int draws = est.draws();
    int n = Math.max(0, rows) * Math.max(0, arity);
    float[] grad = new float[Math.max(0, nIn - shortBy)];
    float[] values = new float[draws * n];
    Sample s;
    Arena a = null;
    FloatBuffer thView = null;
    if (c.buffers) {
      a = new Arena(2L * nIn + values.length + (long) draws * n + 64, 0);
      thView = c.logits == null ? null : a.floats(c.logits, nIn, 11);
    }
    if (c.given) {
      s = est.given(gr, c.logits, rows, arity, c.key, c.choice);
    } else if (c.buffers) {
      FloatBuffer vv = a.floats(null, values.length, 4);
      s = est.forward(gr, thView, rows, arity, c.key, vv);
      values = read(vv);
    } else {
      s = est.forward(gr, c.logits, rows, arity, c.key, values);
    }
    if (!c.given) o.outputs.put("values", values);
    if (s.hasChoices()) o.choices = s.choices();
    if (est instanceof PathwiseEstimator) {
      PathwiseEstimator p = (PathwiseEstimator) est;
      float[] up = Arrays.copyOf(c.upstream, draws * Math.max(0, nIn));
      if (c.buffers) {
        FloatBuffer uv = a.floats(up, up.length, 6);
        FloatBuffer gv = c.fault == Fault.OVERLAP ? a.overlapping(uv, up.length / 2, grad.length)
            : a.floats(null, grad.length, 13);
        p.backward(s, uv, gv);
        grad = read(gv);
      } else {
        p.backward(s, up, grad);
      }
    } else {
      // the losses of each draw and row (a loss table: of each class too)
      int width = est instanceof LossTableEstimator ? Math.max(0, arity) : 1;
      float[] losses = Arrays.copyOf(c.losses, draws * Math.max(0, rows) * width);
      if (c.buffers) {
        FloatBuffer lv = a.floats(losses, losses.length, 3);
        FloatBuffer gv = c.fault == Fault.OVERLAP && thView != null
            // (shifted by half the logits: by 1, a one-logit batch's grad would miss them)
            ? a.overlapping(thView, nIn / 2, grad.length) : a.floats(null, grad.length, 8);
        EstimatorCases.backward(est, s, lv, gv);
        grad = read(gv);
      } else {
        EstimatorCases.backward(est, s, losses, grad);
      }
    }
    if (a != null && c.fault != Fault.OVERLAP) a.checkUntouched(c);
    o.outputs.put("grad", grad);
  }

  // ============================================================================ judging a case

  /** Whether a rejection of a faultless case is one the policy allows: the float range. */
  static boolean rangeRejection(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    return e instanceof IllegalArgumentException
        && (m.startsWith("grad: row") && m.contains("does not fit a float")
            || m.startsWith("choice: row") && m.contains("beyond the float range"));
  }

  /** The argument an exception message names: its first word, up to a space, colon or bracket. */
  static String named(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    int end = 0;
    while (end < m.length() && Character.isJavaIdentifierPart(m.charAt(end))) end++;
    return m.substring(0, end);
  }

  static void judgeOracle(Case c, Outcome ref) {
    if (c.fault != null) {
      assertTrue(ref.thrown instanceof IllegalArgumentException,
          () -> c + ": expected an IllegalArgumentException naming " + c.expect + ", got "
              + (ref.thrown == null ? "outputs" : ref.thrown.toString()));
      String name = named(ref.thrown);
      // (a fully masked row makes a given D of it masked as well: either may be named)
      boolean ok = c.expectPrefix != null
          ? String.valueOf(ref.thrown.getMessage()).startsWith(c.expectPrefix)
          : name.equals(c.expect) || c.fault == Fault.ALL_MASKED && name.equals("choice");
      assertTrue(ok, () -> c + ": the message names '" + name + "', expected '" + c.expect
          + "': " + ref.thrown.getMessage());
    } else if (ref.thrown != null) {
      assertTrue(rangeRejection(ref.thrown), () -> c + ": a faultless case was rejected: "
          + ref.thrown);
    } else {
      checkPolicy(c, ref, BackendKind.JAVA);
    }
  }

  /** Finite outputs, masked classes +0 in every gradient, values and one-hot. */
  static void checkPolicy(Case c, Outcome o, BackendKind backend) {
    for (Map.Entry<String, float[]> e : o.outputs.entrySet()) {
      float[] out = e.getValue();
      boolean perClass = !e.getKey().equals("noise");
      for (int i = 0; i < out.length; i++) {
        int cls = i % Math.max(1, c.n());
        boolean masked = !c.op.binary() && c.logits[cls] == Float.NEGATIVE_INFINITY;
        if (!perClass) {  // conditional noise: finite, a masked class's too (-log E_j)
          if (!Float.isFinite(out[i])) {
            fail(c + ": " + backend + " " + e.getKey() + "[" + i + "] = " + out[i]);
          }
          continue;
        }
        if (!Float.isFinite(out[i])) {
          fail(c + ": " + backend + " " + e.getKey() + "[" + i + "] = " + out[i] + " (not finite)");
        }
        if (masked && Float.floatToRawIntBits(out[i]) != 0) {
          fail(c + ": " + backend + " " + e.getKey() + "[" + i + "] = " + out[i]
              + " at a masked class (must be +0)");
        }
      }
    }
    if (o.choices != null) {
      for (int i = 0; i < o.choices.length; i++) {
        int d = o.choices[i];
        int r = i % Math.max(1, c.rows);
        assertTrue(d >= 0 && d < (c.op.binary() ? 2 : c.arity) && !impossible(c, r, d),
            () -> c + ": " + backend + " drew D = " + d + " at row " + r);
      }
    }
  }

  /**
   * The relative conditioning of a row for the estimators whose backward pass reads noise: the
   * float rounding of a noisy logit difference z_j - z_D is 2^-24 of the logits' spread in the
   * row (not of their magnitude: the kernels work relative to the row), which softmax(z / tau)
   * turns into a relative error of spread * 2^-24 / tau. {@link TestData#rtol(float)} covers a
   * spread of about 1; a wider row widens the tolerance in proportion. The tempered softmaxes
   * of ST, ReinMax and GST round theta_j - max alike and are held to the same tolerance.
   */
  /**
   * The range of a float Gumbel draw: -log(-log u) for u in [2^-24, 1 - 2^-24] lies in
   * [-2.8, 16.6]. A noisy logit's rounding grows with the noise as with the logits, and the
   * base tolerance (16 roundings at tau 0.1) covers a noisy spread of about 8.
   */
  static final double GUMBEL_RANGE = 19.4;

  static double spread(Case c, int row) {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < c.arity; j++) {
      float x = c.logits[row * c.arity + j];
      if (x == Float.NEGATIVE_INFINITY) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    return hi > lo ? hi - lo : 0;
  }

  static void judgeBackend(Case c, Outcome ref, Outcome o, BackendKind backend) {
    if (ref.thrown != null) {
      if (o.thrown == null && rangeRejection(ref.thrown) && nearFloatMax(o)) return;
      assertTrue(o.thrown != null, () -> c + ": JAVA threw " + ref.thrown + ", " + backend
          + " returned outputs");
      assertTrue(o.thrown.getClass() == ref.thrown.getClass()
              && String.valueOf(o.thrown.getMessage()).equals(ref.thrown.getMessage()),
          () -> c + ": JAVA threw " + ref.thrown + ", " + backend + " threw " + o.thrown);
      return;
    }
    if (o.thrown != null) {
      if (rangeRejection(o.thrown) && nearFloatMax(ref)) return;
      fail(c + ": JAVA returned outputs, " + backend + " threw " + o.thrown, o.thrown);
    }
    checkPolicy(c, o, backend);
    if (ref.choices != null) {
      if (!Arrays.equals(ref.choices, o.choices)) {
        int i = 0;
        while (ref.choices[i] == o.choices[i]) i++;
        fail(c + ": " + backend + " drew D = " + o.choices[i] + " where JAVA drew "
            + ref.choices[i] + " (element " + i + ")");
      }
    }
    float tau = c.op.hasTau() ? c.tau : 1f;
    double tiny = flushLimit(c, tau);
    for (Map.Entry<String, float[]> e : ref.outputs.entrySet()) {
      float[] want = e.getValue(), got = o.outputs.get(e.getKey());
      String what = c + ": " + backend + " " + e.getKey();
      if (e.getKey().equals("noise")) {
        compareNoise(c, want, got, backend, what);
        continue;
      }
      int blocks = want.length / Math.max(1, c.arity);
      for (int b = 0; b < blocks; b++) {
        int row = b % Math.max(1, c.rows);
        // tempered softmaxes without noise (ST, ReinMax, GST) carry the same rounding of
        // theta_j - max, amplified by 1 / tau
        double cond = c.op.noisy() ? Math.max(1, (spread(c, row) + GUMBEL_RANGE) / 8)
            : c.op.hasTau() ? Math.max(1, spread(c, row)) : 1;
        float[] w = Arrays.copyOfRange(want, b * c.arity, (b + 1) * c.arity);
        float[] g = Arrays.copyOfRange(got, b * c.arity, (b + 1) * c.arity);
        double rowTiny = tiny;
        if (c.op.drawsK()) {
          rowTiny = Math.max(tiny, TestData.floor(backend, tau) * cond * termScale(c, row) / tau);
        }
        TestData.assertElementsClose(w, g, 1, c.arity, TestData.rtol(backend, tau) * cond,
            TestData.floor(backend, tau) * cond, rowTiny, what + " row " + row);
      }
    }
  }

  /**
   * Outputs below this compare as zero: the float kernels flush softmax weights below 2^-125, and
   * a flushed weight w carries |g| w / tau of the gradient (|g| the largest upstream value or
   * loss of the case): with upstream values of 1e8 a gradient of 1e-29 is at the flush limit.
   */
  static double flushLimit(Case c, float tau) {
    double g = 1;
    for (float[] values : new float[][] {c.upstream, c.losses}) {
      if (values == null) continue;
      for (float v : values) {
        if (Float.isFinite(v)) g = Math.max(g, Math.abs(v));
      }
    }
    return Math.max(TestData.TINY, 4 * 0x1p-125 * g / Math.min(1, tau));
  }

  /**
   * The size of a Gumbel-Rao draw's term s_j (gs_j - &lt;s, gs&gt;) in a row: at most 2 max|gs|,
   * gs = g - g_D, so at most 4 max|g| over the unmasked classes. The float kernels add K such
   * terms, whose sum may cancel far below them (the total derivative's does exactly in the limit
   * of a one-hot p): float rounding leaves an absolute error of a few 2^-24 of this scale / tau
   * whatever the row's gradient, and the comparison allows it.
   */
  static double termScale(Case c, int row) {
    double g = 0;
    for (int j = 0; j < c.arity; j++) {
      int i = row * c.arity + j;
      if (c.logits[i] != Float.NEGATIVE_INFINITY && Float.isFinite(c.upstream[i])) {
        g = Math.max(g, Math.abs(c.upstream[i]));
      }
    }
    return 4 * g;
  }

  /** An output with a component within a factor 2 of the float range (a rejection borderline). */
  private static boolean nearFloatMax(Outcome o) {
    if (o.thrown != null) return false;
    for (float[] out : o.outputs.values()) {
      for (float x : out) {
        if (Math.abs(x) > Float.MAX_VALUE / 2) return true;
      }
    }
    return false;
  }

  /**
   * Conditional noise G = -log(E_j + p_j E_D): about 2 ulps of the log's argument, an absolute
   * error of a few 1e-7, plus 2^-24 of the logits' spread carried by p_j (as
   * BackendAgreementTest, with that spread for rows wider than 1).
   */
  private static void compareNoise(Case c, float[] want, float[] got, BackendKind backend,
      String what) {
    for (int i = 0; i < want.length; i++) {
      int row = (i / c.arity) % c.rows;
      double atol = 2e-5 * TestData.looseness(backend) * Math.max(1, spread(c, row));
      if (Float.isInfinite(want[i]) || Float.isInfinite(got[i])) {
        if (want[i] != got[i]) fail(what + "[" + i + "]: expected " + want[i] + ", got " + got[i]);
        continue;
      }
      double diff = Math.abs((double) got[i] - want[i]);
      if (!(diff <= atol + 1e-6 * Math.abs(want[i]))) {
        fail(String.format("%s[%d] (row %d): expected %.9g, got %.9g", what, i, row, want[i],
            got[i]));
      }
    }
  }

  @Test
  void seededRandomInputsEndInANamedRejectionOrAgreeingFiniteOutputs() {
    List<BackendKind> natives = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (BackendKind b : new BackendKind[] {BackendKind.CPU, BackendKind.CUDA}) {
      BackendStatus st = Backends.status(b);
      if (st.available()) natives.add(b);
      else skipped.add(st.toString());
    }
    Map<Op, int[]> tally = new LinkedHashMap<>();  // [accepted, rejected for a fault, range]
    long start = System.nanoTime();
    List<Backend> opened = new ArrayList<>();
    try (Backend oracle = Backend.open(BackendKind.JAVA)) {
      for (BackendKind b : natives) opened.add(Backend.open(b));
      for (int i = 0; i < CASES; i++) {
        if (ONLY >= 0 && i != ONLY) continue;
        Case c = generate(i);
        Outcome ref = run(c, oracle);
        judgeOracle(c, ref);
        int[] t = tally.computeIfAbsent(c.op, k -> new int[3]);
        t[ref.thrown == null ? 0 : c.fault != null ? 1 : 2]++;
        for (int b = 0; b < natives.size(); b++) {
          judgeBackend(c, ref, run(c, opened.get(b)), natives.get(b));
        }
      }
    } finally {
      for (Backend g : opened) g.close();
    }
    System.out.printf("FuzzTest: %d cases (seed %d) on JAVA%s in %.1f s; per operation "
        + "[accepted, rejected for their fault, rejected for the float range]: %s%s%n", CASES,
        SEED, natives.isEmpty() ? "" : " and " + natives, (System.nanoTime() - start) * 1e-9,
        tallyString(tally), skipped.isEmpty() ? "" : "; not run: " + skipped);
    if (ONLY < 0) {
      for (Op op : Op.ALL) {
        int[] t = tally.get(op);
        assertTrue(t != null && t[0] >= 5, () -> op + " had fewer than 5 accepted cases: "
            + Arrays.toString(t));
      }
    }
  }

  private static String tallyString(Map<Op, int[]> tally) {
    StringBuilder sb = new StringBuilder();
    tally.forEach((op, t) -> sb.append(op).append(Arrays.toString(t)).append(' '));
    return sb.toString().trim();
  }
}
