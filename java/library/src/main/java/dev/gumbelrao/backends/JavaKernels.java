package dev.gumbelrao.backends;

import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pure-Java backend: every operation in double precision with the formulas of
 * {@link Formulas} and the same Philox streams as the native backends, rounded to float only
 * when written out. It is the reference the native kernels are tested against; rows are spread
 * over the common fork-join pool when the work is large. One method per operation
 * ({@link JavaOperations}, generated from native/operations.txt); the checks every categorical
 * row starts with, and the quantities they share, are {@link Row}'s.
 */
final class JavaKernels implements JavaOperations, Target {
  /** Below this many element-draws a call runs on the calling thread. */
  private static final long PARALLEL_WORK = 1 << 16;

  @Override
  public BackendKind kind() {
    return BackendKind.JAVA;
  }

  @Override
  public String description() {
    return "JAVA (double precision, " + ForkJoinPool.getCommonPoolParallelism()
        + " fork-join threads)";
  }

  @Override
  public void execute(Call c) {
    Arguments.checkHost(c);
    Status.check(run(c), c);
  }

  // ------------------------------------------------------------------------------ helpers
  @FunctionalInterface
  private interface RowRange {
    long run(int begin, int end);
  }

  /**
   * Callers whose interrupt was taken while they waited for the pool's threads (see
   * {@link #forRows}), with their count so that {@link #cancelled} reads the set only when some
   * caller is in it.
   */
  private static final Set<Thread> INTERRUPTED_WHILE_WAITING = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger WAITING_INTERRUPTS = new AtomicInteger();

  /**
   * Runs body over [0, rows) in blocks, in parallel when large; returns the first failure. A body
   * checks {@link #cancelled(Thread)} between rows (and between draws of long rows) with the
   * calling thread, so an interrupted caller ends a long call with {@link Status#CANCELLED}.
   *
   * <p>The caller and up to the pool's parallelism of its threads claim blocks in turn. The
   * caller never parks in a fork-join join: JDK 17's join clears a parked thread's interrupt
   * status until it returns, so the pool's threads, polling the caller's status, never saw an
   * interrupt that came while the caller waited for them, and a long call ran to its end (the
   * HardeningTest interrupt case failed under load). It waits interruptibly instead, publishes
   * an interrupt taken there, and restores the caller's status before returning.
   */
  private static long forRows(int rows, long workPerRow, RowRange body) {
    long total = rows * Math.max(1, workPerRow);
    int blocks = total < PARALLEL_WORK ? 1
        : (int) Math.min(rows, 8L * ForkJoinPool.getCommonPoolParallelism());
    if (blocks <= 1) return body.run(0, rows);
    AtomicInteger next = new AtomicInteger();
    AtomicLong status = new AtomicLong(Status.OK);
    Runnable claim = () -> {
      for (int b = next.getAndIncrement(); b < blocks; b = next.getAndIncrement()) {
        long s = body.run((int) ((long) rows * b / blocks),
            (int) ((long) rows * (b + 1) / blocks));
        if (s != Status.OK) status.accumulateAndGet(s, Status::first);
      }
    };
    ForkJoinTask<?>[] helpers =
        new ForkJoinTask<?>[Math.min(blocks - 1, ForkJoinPool.getCommonPoolParallelism())];
    for (int i = 0; i < helpers.length; i++) helpers[i] = ForkJoinPool.commonPool().submit(claim);
    Thread caller = Thread.currentThread();
    boolean interrupted = false;
    try {
      claim.run();
      for (ForkJoinTask<?> helper : helpers) {
        while (true) {
          try {
            helper.get();
            break;
          } catch (InterruptedException e) {
            if (!interrupted) {
              interrupted = true;
              INTERRUPTED_WHILE_WAITING.add(caller);
              WAITING_INTERRUPTS.incrementAndGet();
            }
          } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw new IllegalStateException(e.getCause());
          }
        }
      }
    } finally {
      if (interrupted) {
        INTERRUPTED_WHILE_WAITING.remove(caller);
        WAITING_INTERRUPTS.decrementAndGet();
        caller.interrupt();
      }
    }
    return status.get();
  }

  /** Whether the caller of the running operation was interrupted. */
  private static boolean cancelled(Thread caller) {
    return caller.isInterrupted()
        || WAITING_INTERRUPTS.get() > 0 && INTERRUPTED_WHILE_WAITING.contains(caller);
  }

  /** The upstream value of a class as the kernels read it: 0 at a masked class. */
  private static double upstream(float[] th, float[] g, int i) {
    return th[i] == Float.NEGATIVE_INFINITY ? 0.0 : g[i];
  }

  /**
   * Writes a gradient row rounded to float, exactly +0 at masked classes; false when a component
   * does not fit a float.
   */
  private static boolean store(float[] th, double[] v, float[] out, int off, int n) {
    for (int j = 0; j < n; j++) {
      float x = th[off + j] == Float.NEGATIVE_INFINITY ? 0f : (float) v[j];
      if (Float.isInfinite(x)) return false;
      out[off + j] = x;
    }
    return true;
  }

  /** Validates one row of logits; returns a status code (0: valid). */
  private static int scanRow(float[] th, int off, int n) {
    boolean finite = false;
    for (int j = 0; j < n; j++) {
      float x = th[off + j];
      if (Float.isNaN(x)) return Status.LOGITS_NAN;
      if (x == Float.POSITIVE_INFINITY) return Status.LOGITS_POS_INF;
      finite |= x != Float.NEGATIVE_INFINITY;
    }
    return finite ? Status.OK : Status.ROW_ALL_MASKED;
  }

  private static int checkChoice(float[] th, int off, int n, int d) {
    if (d < 0 || d >= n) return Status.CHOICE_RANGE;
    if (th[off + d] == Float.NEGATIVE_INFINITY) return Status.CHOICE_MASKED;
    return Status.OK;
  }

  /**
   * The uniforms of one row (the call's row index; the key's row base is added, as math.h's
   * noise_words adds it) at one slot, all columns, into u[0..n).
   */
  private static void rowUniforms(NoiseKey key, int row, int slot, int n, double[] u,
      int[] words) {
    for (int q = 0; 4 * q < n; q++) {
      Formulas.philox(key.seed(), q, row + key.firstRowWord(), slot, key.offsetWord(), words);
      for (int i = 0; i < 4 && 4 * q + i < n; i++) u[4 * q + i] = Formulas.uniformOpen(words[i]);
    }
  }

  private static int firstArgmax(double[] v, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (v[j] > v[best]) best = j;
    }
    return best;
  }

  /**
   * One categorical row's checks and shared quantities, per thread: the prologue of every
   * operation on rows of logits. {@link #load} checks the logits, then (when given) D, then the
   * upstream row (the order of gumbel_rao.h), and fills m = max theta, the log-sum-exp, log p, p
   * and the shifted upstream gs = g - g_D (0 at masked classes, never read there).
   */
  private static final class Row {
    final float[] th;
    final int n;
    final double[] logP, p, gs;
    int off, d;
    double m, logSum;

    Row(float[] th, int n) {
      this.th = th;
      this.n = n;
      logP = new double[n];
      p = new double[n];
      gs = new double[n];
    }

    /**
     * Checks row r with its D ({@code choice} may be null: none) and upstream ({@code g} may be
     * null) and fills the quantities; returns a status (0: fill done).
     */
    long load(int r, int[] choice, float[] g, Thread caller) {
      if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
      off = r * n;
      int code = scanRow(th, off, n);
      if (code == Status.OK && choice != null) code = checkChoice(th, off, n, choice[r]);
      if (code == Status.OK && g != null) {
        for (int j = 0; j < n && code == Status.OK; j++) {
          if (th[off + j] != Float.NEGATIVE_INFINITY && !Float.isFinite(g[off + j])) {
            code = Status.UPSTREAM_NOT_FINITE;
          }
        }
      }
      if (code != Status.OK) return Status.of(code, r);
      d = choice == null ? -1 : choice[r];
      m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) m = Math.max(m, th[off + j]);
      double s = 0;
      for (int j = 0; j < n; j++) s += Math.exp(th[off + j] - m);
      logSum = Math.log(s);
      double gD = g != null && d >= 0 ? g[off + d] : 0;
      for (int j = 0; j < n; j++) {
        logP[j] = Formulas.logSoftmax(th[off + j], m, logSum);
        p[j] = Math.exp(logP[j]);
        // J(s)^T g is unchanged by g -> g - g_D (sum s = 1); see gumbel_rao_prepare. In double
        // it cannot overflow for float inputs; masked classes (weight 0) read no upstream.
        if (g != null) gs[j] = th[off + j] == Float.NEGATIVE_INFINITY ? 0.0 : g[off + j] - gD;
      }
      return Status.OK;
    }
  }

  // ------------------------------------------------------------------------------- sample
  @Override
  public long sample(Calls.Sample c) {
    float[] th = c.logits().readFloats();
    int rows = c.rows(), n = c.arity();
    NoiseKey key = c.key();
    int[] choice = c.choice().intTarget();
    float[] oneHot = c.oneHot() == null ? null : c.oneHot().floatTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      double[] v = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code != Status.OK) return Status.of(code, r);
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) m = Math.max(m, th[off + j]);
        rowUniforms(key, r, Formulas.FORWARD_SLOT, n, v, words);
        for (int j = 0; j < n; j++) {
          v[j] = Formulas.perturbedLogit(th[off + j], m, Formulas.gumbelFromUniform(v[j]));
        }
        int d = firstArgmax(v, n);
        choice[r] = d;
        if (oneHot != null) {
          java.util.Arrays.fill(oneHot, off, off + n, 0f);
          oneHot[off + d] = 1f;
        }
      }
      return Status.OK;
    });
    if (status == Status.OK) {
      c.choice().commit(choice);
      if (oneHot != null) c.oneHot().commit(oneHot);
    }
    return status;
  }

  // --------------------------------------------------------------- conditional Gumbel noise
  @Override
  public long conditionalGumbel(Calls.ConditionalGumbel c) {
    float[] th = c.logits().readFloats();
    int[] choice = c.choice().readInts();
    int rows = c.rows(), n = c.arity(), samples = c.samples();
    NoiseKey key = c.key();
    float[] noise = c.noise().floatTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      Row row = new Row(th, n);
      double[] u = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        long st = row.load(r, choice, null, caller);
        if (st != Status.OK) return st;
        int off = row.off, d = row.d;
        double negLogPd = -row.logP[d];
        for (int k = 0; k < samples; k++) {
          rowUniforms(key, r, Formulas.conditionalSlot(k), n, u, words);
          double eD = Formulas.exponentialFromUniform(u[d]);
          int out = (int) (((long) k * rows + r) * n);
          float gD = (float) Formulas.conditionalGumbelWinner(negLogPd, eD);
          if (Float.isInfinite(gD)) return Status.of(Status.NOISE_OVERFLOW, r);
          float zD = th[off + d] + gD;
          for (int j = 0; j < n; j++) {
            noise[out + j] = j == d ? gD : Formulas.conditionalGumbelBelow(th[off + j],
                (float) Formulas.conditionalGumbelOther(row.p[j],
                    Formulas.exponentialFromUniform(u[j]), eD), zD);
          }
        }
      }
      return Status.OK;
    });
    if (status == Status.OK) c.noise().commit(noise);
    return status;
  }

  // ---------------------------------------------------------------------------- Gumbel-Rao
  @Override
  public long gumbelRaoBackward(Calls.GumbelRaoBackward c) {
    return gumbelRao(c.logits(), c.choice(), c.upstream(), c.rows(), c.arity(), c.samples(),
        c.tau(), c.key(), c.grad(), false);
  }

  @Override
  public long gumbelRaoTotalBackward(Calls.GumbelRaoTotalBackward c) {
    return gumbelRao(c.logits(), c.choice(), c.upstream(), c.rows(), c.arity(), c.samples(),
        c.tau(), c.key(), c.grad(), true);
  }

  /**
   * GR-MCK, detached or with the total derivative (math.h): the K draws of each row accumulate
   * h_j = sum_k t_j^k, or sum_k (1 - r_j^k) t_j^k for the total derivative, which then finishes
   * from the row sum of h.
   */
  private static long gumbelRao(Memory logitsArg, Memory choiceArg, Memory upstreamArg, int rows,
      int n, int samples, float tau, NoiseKey key, Memory gradArg, boolean total) {
    float[] th = logitsArg.readFloats();
    int[] choice = choiceArg.readInts();
    float[] g = upstreamArg.readFloats();
    float[] grad = gradArg.floatTarget();
    double invTau = 1.0 / tau;
    int power = Formulas.integerInverseTemperature(tau);
    double scale = Formulas.gumbelRaoScale(samples, tau);
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      Row row = new Row(th, n);
      double[] u = new double[n], w = new double[n], e = new double[n], h = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        long st = row.load(r, choice, g, caller);
        if (st != Status.OK) return st;
        int d = row.d;
        double[] logP = row.logP, p = row.p, gs = row.gs;
        java.util.Arrays.fill(h, 0);
        for (int k = 0; k < samples; k++) {
          if ((k & 1023) == 1023 && cancelled(caller)) return Status.of(Status.CANCELLED, r);
          rowUniforms(key, r, Formulas.conditionalSlot(k), n, u, words);
          double eD = Formulas.exponentialFromUniform(u[d]);
          double logED = Math.log(eD);
          double sum = 0, dot = 0;
          for (int j = 0; j < n; j++) {
            e[j] = Formulas.exponentialFromUniform(u[j]);
            double wj = j == d ? 1.0
                : power > 0 ? Formulas.gumbelRaoWeightPower(p[j], e[j], eD, power)
                : Formulas.gumbelRaoWeight(logP[j], p[j], e[j], eD, logED, invTau);
            w[j] = wj;
            sum += wj;
            dot += wj * gs[j];
          }
          double cs = Formulas.gumbelRaoDrawScale(sum), cDot = Formulas.gumbelRaoDrawDot(cs, dot);
          for (int j = 0; j < n; j++) {
            double t = Formulas.gumbelRaoTerm(w[j], gs[j], cs, cDot);
            h[j] += total
                ? Formulas.gumbelRaoTotalTerm(t, j == d ? 1.0 : Formulas.gumbelRaoBase(p[j], e[j], eD))
                : t;
          }
        }
        if (total) {
          double hSum = 0;
          for (int j = 0; j < n; j++) hSum += h[j];
          for (int j = 0; j < n; j++) {
            h[j] = Formulas.gumbelRaoTotalFinishOfSums(h[j], p[j], hSum, scale);
          }
        } else {
          for (int j = 0; j < n; j++) h[j] *= scale;
        }
        if (!store(th, h, grad, row.off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) gradArg.commit(grad);
    return status;
  }

  // ------------------------------------------------- Gumbel-Softmax, straight-through
  /** s = softmax(v / tau) of a row whose largest entry is v[top]; returns top. */
  private static int softmaxInPlace(double[] v, int n, double tau) {
    int top = firstArgmax(v, n);
    double vmax = v[top], sum = 0;
    for (int j = 0; j < n; j++) {
      v[j] = Math.exp((v[j] - vmax) / tau);
      sum += v[j];
    }
    for (int j = 0; j < n; j++) v[j] /= sum;
    return top;
  }

  /**
   * softmax((theta + G) / tau) (the key's forward noise G; no noise for a null key), and with an
   * upstream row its J^T g / tau: the Gumbel-Softmax forward and backward, straight-through.
   */
  private static long soft(Memory logitsArg, Memory upstreamArg, int rows, int n, float tau,
      NoiseKey key, Memory outArg) {
    float[] th = logitsArg.readFloats();
    float[] g = upstreamArg == null ? null : upstreamArg.readFloats();
    float[] out = outArg.floatTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      double[] v = new double[n], gs = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        for (int j = 0; g != null && j < n && code == Status.OK; j++) {
          if (th[off + j] != Float.NEGATIVE_INFINITY && !Float.isFinite(g[off + j])) {
            code = Status.UPSTREAM_NOT_FINITE;
          }
        }
        if (code != Status.OK) return Status.of(code, r);
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) m = Math.max(m, th[off + j]);
        if (key != null) {
          rowUniforms(key, r, Formulas.FORWARD_SLOT, n, v, words);
          for (int j = 0; j < n; j++) {
            v[j] = Formulas.perturbedLogit(th[off + j], m, Formulas.gumbelFromUniform(v[j]));
          }
        } else {
          for (int j = 0; j < n; j++) v[j] = th[off + j] - m;
        }
        int top = softmaxInPlace(v, n, tau);
        if (g == null) {
          for (int j = 0; j < n; j++) out[off + j] = (float) v[j];
          continue;
        }
        double gTop = g[off + top], dot = 0;
        for (int j = 0; j < n; j++) {
          gs[j] = upstream(th, g, off + j) - gTop;
          dot += v[j] * gs[j];
        }
        for (int j = 0; j < n; j++) gs[j] = Formulas.softmaxJvp(v[j], gs[j], dot) / tau;
        if (!store(th, gs, out, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) outArg.commit(out);
    return status;
  }

  @Override
  public long gumbelSoftmaxForward(Calls.GumbelSoftmaxForward c) {
    return soft(c.logits(), null, c.rows(), c.arity(), c.tau(), c.key(), c.values());
  }

  @Override
  public long gumbelSoftmaxBackward(Calls.GumbelSoftmaxBackward c) {
    return soft(c.logits(), c.upstream(), c.rows(), c.arity(), c.tau(), c.key(), c.grad());
  }

  @Override
  public long straightThroughBackward(Calls.StraightThroughBackward c) {
    return soft(c.logits(), c.upstream(), c.rows(), c.arity(), c.tau(), null, c.grad());
  }

  // ------------------------------------------------ the estimators that read p given D

  /** The per-row work of the estimators that read the loaded {@link Row} of a given D. */
  @FunctionalInterface
  private interface RowGradient {
    /** Fills out[0..n) for the loaded row. */
    void compute(Row row, double[] out);
  }

  /**
   * The rows of an estimator of D: each row loaded ({@link Row#load}: logits, D, the upstream
   * when given), its gradient computed by {@code body} and stored.
   */
  private static long choiceRows(Memory logitsArg, Memory choiceArg, Memory upstreamArg,
      int rows, int n, Memory gradArg, RowGradient body) {
    float[] th = logitsArg.readFloats();
    int[] choice = choiceArg.readInts();
    float[] g = upstreamArg == null ? null : upstreamArg.readFloats();
    float[] grad = gradArg.floatTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      Row row = new Row(th, n);
      double[] out = new double[n];
      for (int r = begin; r < end; r++) {
        long st = row.load(r, choice, g, caller);
        if (st != Status.OK) return st;
        body.compute(row, out);
        if (!store(th, out, grad, row.off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) gradArg.commit(grad);
    return status;
  }

  @Override
  public long reinforceBackward(Calls.ReinforceBackward c) {
    float[] losses = c.losses().readFloats();
    float baseline = c.baseline();
    return choiceRows(c.logits(), c.choice(), null, c.rows(), c.arity(), c.grad(), (row, out) -> {
      double rest = 0;
      for (int j = 0; j < row.n; j++) {
        if (j != row.d) rest += row.p[j];
      }
      double fb = (double) losses[row.off / row.n] - baseline;
      for (int j = 0; j < row.n; j++) {
        out[j] = Formulas.reinforceGrad(fb, j == row.d, row.p[j], rest);
      }
    });
  }

  @Override
  public long zgrBackward(Calls.ZgrBackward c) {
    return choiceRows(c.logits(), c.choice(), c.upstream(), c.rows(), c.arity(), c.grad(),
        (row, out) -> {
          double dot = 0;
          for (int j = 0; j < row.n; j++) dot += row.p[j] * row.gs[j];
          for (int j = 0; j < row.n; j++) {
            out[j] = Formulas.zgrGrad(row.p[j], row.gs[j], dot, j == row.d);
          }
        });
  }

  @Override
  public long reinmaxBackward(Calls.ReinmaxBackward c) {
    float tau = c.tau();
    return choiceRows(c.logits(), c.choice(), c.upstream(), c.rows(), c.arity(), c.grad(),
        (row, out) -> {
          // pi = (softmax(theta / tau) + e_D) / 2, the tempered softmax shifted by the maximum
          int n = row.n;
          double[] pi = new double[n];
          double z = 0;
          for (int j = 0; j < n; j++) {
            pi[j] = Math.exp((row.th[row.off + j] - row.m) / tau);
            z += pi[j];
          }
          double piDot = 0, pDot = 0;
          for (int j = 0; j < n; j++) {
            pi[j] = Formulas.reinmaxPi(pi[j] / z, j == row.d);
            piDot += pi[j] * row.gs[j];
            pDot += row.p[j] * row.gs[j];
          }
          for (int j = 0; j < n; j++) {
            out[j] = Formulas.reinmaxGrad(pi[j], row.p[j], row.gs[j], piDot, pDot);
          }
        });
  }

  @Override
  public long gstBackward(Calls.GstBackward c) {
    float tau = c.tau(), gap = c.gap();
    return choiceRows(c.logits(), c.choice(), c.upstream(), c.rows(), c.arity(), c.grad(),
        (row, out) -> {
          int n = row.n;
          double rowGap = gap > 0 ? gap : Formulas.gstGapP(row.p[row.d]);
          // s = softmax(theta' / tau): theta'_D is the maximum, 0 after the shift by m
          double z = 0;
          for (int j = 0; j < n; j++) {
            out[j] = Math.exp(Formulas.gstShiftedLogit(row.th[row.off + j] - row.m, j == row.d,
                rowGap) / tau);
            z += out[j];
          }
          double dot = 0;
          for (int j = 0; j < n; j++) {
            out[j] /= z;
            dot += out[j] * row.gs[j];
          }
          for (int j = 0; j < n; j++) out[j] = Formulas.softmaxJvp(out[j], row.gs[j], dot) / tau;
        });
  }

  @Override
  public long rlooBackward(Calls.RlooBackward c) {
    float[] th = c.logits().readFloats();
    int[] choice = c.choice().readInts();
    float[] f = c.losses().readFloats();
    int rows = c.rows(), n = c.arity(), samples = c.samples();
    float[] grad = c.grad().floatTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      double[] out = new double[n];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        for (int s = 0; s < samples && code == Status.OK; s++) {
          code = checkChoice(th, off, n, choice[s * rows + r]);
        }
        for (int s = 0; s < samples && code == Status.OK; s++) {
          if (!Float.isFinite(f[s * rows + r])) code = Status.LOSSES_NOT_FINITE;
        }
        if (code != Status.OK) return Status.of(code, r);
        double mean = 0;
        for (int s = 0; s < samples; s++) mean += f[s * rows + r];
        mean /= samples;
        java.util.Arrays.fill(out, 0);
        boolean spread = false;  // not every sample at one class (else the row is exactly 0)
        for (int s = 0; s < samples; s++) {
          int d = choice[s * rows + r];
          spread |= d != choice[r];
          out[d] += Formulas.rlooTerm(f[s * rows + r] - mean, samples);
        }
        if (!spread) out[choice[r]] = 0;
        if (!store(th, out, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) c.grad().commit(grad);
    return status;
  }

  @Override
  public long indecaterBackward(Calls.IndecaterBackward c) {
    float[] th = c.logits().readFloats();
    float[] f = c.lossTable().readFloats();
    int rows = c.rows(), n = c.arity(), samples = c.samples();
    float[] grad = c.grad().floatTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      Row row = new Row(th, n);
      double[] g = new double[n];
      for (int r = begin; r < end; r++) {
        long loaded = row.load(r, null, null, caller);  // the logits first, then the losses
        if (loaded != Status.OK) return loaded;
        int off = r * n;
        for (int s = 0; s < samples; s++) {
          int t = (s * rows + r) * n;
          for (int j = 0; j < n; j++) {
            if (th[off + j] != Float.NEGATIVE_INFINITY && !Float.isFinite(f[t + j])) {
              return Status.of(Status.LOSSES_NOT_FINITE, r);
            }
          }
        }
        int first = 0;  // the first index of the row maximum (math.h: G of this class is 0)
        while (th[off + first] != row.m) first++;
        java.util.Arrays.fill(g, 0);
        for (int s = 0; s < samples; s++) {
          int t = (s * rows + r) * n;
          for (int j = 0; j < n; j++) {
            if (th[off + j] != Float.NEGATIVE_INFINITY) g[j] += f[t + j];
          }
        }
        double ref = g[first] / samples, centre = 0;
        for (int j = 0; j < n; j++) {
          g[j] = th[off + j] == Float.NEGATIVE_INFINITY ? 0 : g[j] / samples - ref;
          centre += row.p[j] * g[j];
        }
        for (int j = 0; j < n; j++) g[j] = Formulas.indecaterGrad(row.p[j], g[j], centre);
        if (!store(th, g, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) c.grad().commit(grad);
    return status;
  }

  // ------------------------------------------------------------ binary variables (arity 1)

  /** A binary variable's logit: NaN is an error; +-Infinity is a certain 1 or 0. */
  private static int scanBinary(float eta) {
    return Float.isNaN(eta) ? Status.LOGITS_NAN : Status.OK;
  }

  /**
   * A given binary draw: 0 or 1, and possible (b = 0 cannot be drawn at eta = +Infinity, nor
   * b = 1 at -Infinity: the binary form of a masked class).
   */
  private static int checkBinaryChoice(float eta, int b) {
    if (b < 0 || b > 1) return Status.CHOICE_RANGE;
    if (eta == (b == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY)) {
      return Status.CHOICE_MASKED;
    }
    return Status.OK;
  }

  @Override
  public long binarySample(Calls.BinarySample c) {
    float[] th = c.logits().readFloats();
    int rows = c.rows();
    int draws = c.draws();
    NoiseKey key = c.key();
    int[] choice = c.choice().intTarget();
    float[] values = c.values() == null ? null : c.values().floatTarget();
    Thread caller = Thread.currentThread();
    long status = draws > 2 ? copulaSample(th, rows, draws, key, choice, values, caller)
        : forRows(rows, 1, (begin, end) -> {
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int code = scanBinary(th[r]);
        if (code != Status.OK) return Status.of(code, r);
        Formulas.philox(key.seed(), 0, r + key.firstRowWord(), Formulas.FORWARD_SLOT,
            key.offsetWord(), words);
        double l = Formulas.logisticFromUniform(Formulas.uniformOpen(words[0]));
        int b = th[r] + l > 0 ? 1 : 0;
        choice[r] = b;
        if (values != null) values[r] = b;
        if (draws == 2) {
          int bt = th[r] - l > 0 ? 1 : 0;
          choice[rows + r] = bt;
          if (values != null) values[rows + r] = bt;
        }
      }
      return Status.OK;
    });
    if (status == Status.OK) {
      c.choice().commit(choice);
      if (values != null) c.values().commit(values);
    }
    return status;
  }

  /**
   * ARMS's n &gt;= 3 draws of each row (math.h, arms_copula_bit): e_k from the uniforms of
   * columns 0..n-1 of the forward noise, S - e_k summed from the other e_j.
   */
  private long copulaSample(float[] th, int rows, int n, NoiseKey key, int[] choice,
      float[] values, Thread caller) {
    return forRows(rows, n, (begin, end) -> {
      int[] words = new int[4];
      double[] e = new double[n], suffix = new double[n];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int code = scanBinary(th[r]);
        if (code != Status.OK) return Status.of(code, r);
        for (int k = 0; k < n; k++) {
          if ((k & 3) == 0) {
            Formulas.philox(key.seed(), k >> 2, r + key.firstRowWord(), Formulas.FORWARD_SLOT,
                key.offsetWord(), words);
          }
          e[k] = Formulas.exponentialFromUniform(Formulas.uniformOpen(words[k & 3]));
        }
        double acc = 0;
        for (int k = n - 1; k >= 0; k--) {
          suffix[k] = acc;
          acc += e[k];
        }
        double s = 0, prefix = 0;
        for (int k = 0; k < n; k++) s += e[k];
        for (int k = 0; k < n; k++) {
          int b = Formulas.armsCopulaBit(th[r], prefix + suffix[k], s, n) ? 1 : 0;
          prefix += e[k];
          choice[k * rows + r] = b;
          if (values != null) values[k * rows + r] = b;
        }
      }
      return Status.OK;
    });
  }

  @Override
  public long zgrBinaryBackward(Calls.ZgrBinaryBackward c) {
    float[] th = c.logits().readFloats();
    int[] b = c.choice().readInts();
    float[] g = c.upstream().readFloats();
    float[] grad = c.grad().floatTarget();
    for (int r = 0; r < c.rows(); r++) {
      int code = scanBinary(th[r]);
      if (code == Status.OK) code = checkBinaryChoice(th[r], b[r]);
      if (code == Status.OK && !Float.isFinite(g[r])) code = Status.UPSTREAM_NOT_FINITE;
      if (code != Status.OK) return Status.of(code, r);
      grad[r] = (float) Formulas.zgrBinaryGrad(g[r], th[r], b[r] == 1);
    }
    c.grad().commit(grad);
    return Status.OK;
  }

  @Override
  public long disarmBackward(Calls.DisarmBackward c) {
    float[] th = c.logits().readFloats();
    int[] b = c.choice().readInts();
    float[] f = c.losses().readFloats();
    int rows = c.rows();
    float[] grad = c.grad().floatTarget();
    for (int r = 0; r < rows; r++) {
      int code = scanBinary(th[r]);
      int b0 = b[r], b1 = b[rows + r];
      if (code == Status.OK) code = checkBinaryChoice(th[r], b0);
      if (code == Status.OK) code = checkBinaryChoice(th[r], b1);
      if (code == Status.OK && !(Float.isFinite(f[r]) && Float.isFinite(f[rows + r]))) {
        code = Status.LOSSES_NOT_FINITE;
      }
      if (code != Status.OK) return Status.of(code, r);
      grad[r] = (float) Formulas.disarmGrad(f[r], f[rows + r], b0 == 1, b1 == 1, th[r]);
    }
    c.grad().commit(grad);
    return Status.OK;
  }

  @Override
  public long armsBackward(Calls.ArmsBackward c) {
    float[] th = c.logits().readFloats();
    int[] b = c.choice().readInts();
    float[] f = c.losses().readFloats();
    int rows = c.rows(), n = c.draws();
    float[] grad = c.grad().floatTarget();
    for (int r = 0; r < rows; r++) {
      int code = scanBinary(th[r]);
      int ones = 0;
      for (int k = 0; k < n && code == Status.OK; k++) {
        code = checkBinaryChoice(th[r], b[k * rows + r]);
        ones += b[k * rows + r];
      }
      double mean = 0;
      for (int k = 0; k < n && code == Status.OK; k++) {
        if (!Float.isFinite(f[k * rows + r])) code = Status.LOSSES_NOT_FINITE;
        mean += f[k * rows + r];
      }
      if (code != Status.OK) return Status.of(code, r);
      if (ones == 0 || ones == n) {
        grad[r] = 0;
        continue;
      }
      mean /= n;
      double sum = 0;
      for (int k = 0; k < n; k++) {
        if (b[k * rows + r] == 1) sum += f[k * rows + r] - mean;
      }
      float g = (float) (Formulas.armsScale(th[r], n) * sum);
      if (!Float.isFinite(g)) return Status.of(Status.GRAD_OVERFLOW, r);
      grad[r] = g;
    }
    c.grad().commit(grad);
    return Status.OK;
  }
}
