package dev.gumbelrao;

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
 * over the common fork-join pool when the work is large.
 */
final class JavaKernels implements Kernels {
  /** Below this many element-draws a call runs on the calling thread. */
  private static final long PARALLEL_WORK = 1 << 16;

  @Override
  public Backend backend() {
    return Backend.JAVA;
  }

  @Override
  public String description() {
    return "JAVA (double precision, " + ForkJoinPool.getCommonPoolParallelism()
        + " fork-join threads)";
  }

  @Override
  public void close() {}

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

  /**
   * The policy of gumbel_rao.h for an upstream row: NaN or infinite values at unmasked classes
   * are an error; a masked class's value is never read (its gradient is exactly 0).
   */
  private static int checkUpstream(float[] th, float[] g, int off, int n) {
    for (int j = 0; j < n; j++) {
      if (th[off + j] != Float.NEGATIVE_INFINITY && !Float.isFinite(g[off + j])) {
        return Status.UPSTREAM_NOT_FINITE;
      }
    }
    return Status.OK;
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

  private static double rowMax(float[] th, int off, int n) {
    double m = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) m = Math.max(m, th[off + j]);
    return m;
  }

  /** log sum_j exp(theta_j - m) of a valid row with maximum m. */
  private static double rowLogSum(float[] th, int off, int n, double m) {
    double s = 0;
    for (int j = 0; j < n; j++) s += Math.exp(th[off + j] - m);
    return Math.log(s);
  }

  /** The uniforms of one row at one slot, all columns, into u[0..n). */
  private static void rowUniforms(NoiseKey key, int row, int slot, int n, double[] u,
      int[] words) {
    for (int q = 0; 4 * q < n; q++) {
      Formulas.philox(key.seed(), q, row, slot, key.offsetWord(), words);
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

  // ------------------------------------------------------------------------------- sample
  @Override
  public long sample(Floats logitsArg, int rows, int n, NoiseKey key, Ints choiceArg,
      Floats oneHotArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.writeTarget();
    float[] oneHot = oneHotArg == null ? null : oneHotArg.writeTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      double[] v = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code != Status.OK) return Status.of(code, r);
        double m = rowMax(th, off, n);
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
      choiceArg.commit(choice);
      if (oneHotArg != null) oneHotArg.commit(oneHot);
    }
    return status;
  }

  // --------------------------------------------------------------- conditional Gumbel noise
  @Override
  public long conditionalGumbel(Floats logitsArg, Ints choiceArg, int rows, int n, int samples,
      NoiseKey key, Floats noiseArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.read();
    float[] noise = noiseArg.writeTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      double[] u = new double[n];
      double[] p = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code == Status.OK) code = checkChoice(th, off, n, choice[r]);
        if (code != Status.OK) return Status.of(code, r);
        double m = rowMax(th, off, n), logSum = rowLogSum(th, off, n, m);
        for (int j = 0; j < n; j++) p[j] = Math.exp(Formulas.logSoftmax(th[off + j], m, logSum));
        int d = choice[r];
        double negLogPd = -Formulas.logSoftmax(th[off + d], m, logSum);
        for (int k = 0; k < samples; k++) {
          rowUniforms(key, r, Formulas.conditionalSlot(k), n, u, words);
          double eD = Formulas.exponentialFromUniform(u[d]);
          int out = (int) (((long) k * rows + r) * n);
          float gD = (float) Formulas.conditionalGumbelWinner(negLogPd, eD);
          if (Float.isInfinite(gD)) return Status.of(Status.NOISE_OVERFLOW, r);
          float zD = th[off + d] + gD;
          for (int j = 0; j < n; j++) {
            noise[out + j] = j == d ? gD : Formulas.conditionalGumbelBelow(th[off + j],
                (float) Formulas.conditionalGumbelOther(p[j], Formulas.exponentialFromUniform(u[j]),
                    eD), zD);
          }
        }
      }
      return Status.OK;
    });
    if (status == Status.OK) noiseArg.commit(noise);
    return status;
  }

  // ---------------------------------------------------------------------------- Gumbel-Rao
  @Override
  public long gumbelRaoBackward(Floats logitsArg, Ints choiceArg, Floats upstreamArg, int rows,
      int n, int samples, float tau, NoiseKey key, Floats gradArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.read();
    float[] g = upstreamArg.read();
    float[] grad = gradArg.writeTarget();
    double invTau = 1.0 / tau;
    int power = Formulas.integerInverseTemperature(tau);
    double scale = Formulas.gumbelRaoScale(samples, tau);
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      double[] u = new double[n], logP = new double[n], p = new double[n], gs = new double[n];
      double[] w = new double[n], h = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code == Status.OK) code = checkChoice(th, off, n, choice[r]);
        if (code == Status.OK) code = checkUpstream(th, g, off, n);
        if (code != Status.OK) return Status.of(code, r);
        int d = choice[r];
        double m = rowMax(th, off, n), logSum = rowLogSum(th, off, n, m);
        double gD = g[off + d];
        for (int j = 0; j < n; j++) {
          logP[j] = Formulas.logSoftmax(th[off + j], m, logSum);
          p[j] = Math.exp(logP[j]);
          // J(s)^T g is unchanged by g -> g - g_D (sum s = 1); see gumbel_rao_prepare. In double
          // it cannot overflow for float inputs; masked classes (weight 0) read no upstream.
          gs[j] = th[off + j] == Float.NEGATIVE_INFINITY ? 0.0 : g[off + j] - gD;
          h[j] = 0;
        }
        for (int k = 0; k < samples; k++) {
          if ((k & 1023) == 1023 && cancelled(caller)) return Status.of(Status.CANCELLED, r);
          rowUniforms(key, r, Formulas.conditionalSlot(k), n, u, words);
          double eD = Formulas.exponentialFromUniform(u[d]);
          double logED = Math.log(eD);
          double sum = 0, dot = 0;
          for (int j = 0; j < n; j++) {
            double wj = j == d ? 1.0
                : power > 0 ? Formulas.gumbelRaoWeightPower(p[j],
                    Formulas.exponentialFromUniform(u[j]), eD, power)
                : Formulas.gumbelRaoWeight(logP[j], p[j], Formulas.exponentialFromUniform(u[j]),
                    eD, logED, invTau);
            w[j] = wj;
            sum += wj;
            dot += wj * gs[j];
          }
          double c = Formulas.gumbelRaoDrawScale(sum), cDot = Formulas.gumbelRaoDrawDot(c, dot);
          for (int j = 0; j < n; j++) h[j] += Formulas.gumbelRaoTerm(w[j], gs[j], c, cDot);
        }
        for (int j = 0; j < n; j++) h[j] *= scale;
        if (!store(th, h, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
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

  private long soft(Floats logitsArg, Floats upstreamArg, int rows, int n, float tau,
      NoiseKey key, Floats outArg) {
    float[] th = logitsArg.read();
    float[] g = upstreamArg == null ? null : upstreamArg.read();
    float[] out = outArg.writeTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      double[] v = new double[n], gs = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code == Status.OK && g != null) code = checkUpstream(th, g, off, n);
        if (code != Status.OK) return Status.of(code, r);
        double m = rowMax(th, off, n);
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
  public long gumbelSoftmaxForward(Floats logits, int rows, int n, float tau, NoiseKey key,
      Floats soft) {
    return soft(logits, null, rows, n, tau, key, soft);
  }

  @Override
  public long gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int n, float tau,
      NoiseKey key, Floats grad) {
    return soft(logits, upstream, rows, n, tau, key, grad);
  }

  @Override
  public long straightThroughBackward(Floats logits, Floats upstream, int rows, int n, float tau,
      Floats grad) {
    return soft(logits, upstream, rows, n, tau, null, grad);
  }

  // ----------------------------------------------------------------------------- REINFORCE
  @Override
  public long reinforceBackward(Floats logitsArg, Ints choiceArg, Floats lossesArg,
      float baseline, int rows, int n, Floats gradArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.read();
    float[] losses = lossesArg.read();
    float[] grad = gradArg.writeTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      double[] p = new double[n], out = new double[n];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code == Status.OK) code = checkChoice(th, off, n, choice[r]);
        if (code != Status.OK) return Status.of(code, r);
        double m = rowMax(th, off, n), logSum = rowLogSum(th, off, n, m);
        int d = choice[r];
        double rest = 0;
        for (int j = 0; j < n; j++) {
          p[j] = Math.exp(Formulas.logSoftmax(th[off + j], m, logSum));
          if (j != d) rest += p[j];
        }
        double fb = (double) losses[r] - baseline;
        for (int j = 0; j < n; j++) out[j] = Formulas.reinforceGrad(fb, j == d, p[j], rest);
        if (!store(th, out, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) gradArg.commit(grad);
    return status;
  }

  // ------------------------------------------------------ the estimators beyond the paper

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
  public long binarySample(Floats logitsArg, int rows, NoiseKey key, boolean antithetic,
      Ints choiceArg, Floats valuesArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.writeTarget();
    float[] values = valuesArg == null ? null : valuesArg.writeTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, 1, (begin, end) -> {
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int code = scanBinary(th[r]);
        if (code != Status.OK) return Status.of(code, r);
        Formulas.philox(key.seed(), 0, r, Formulas.FORWARD_SLOT, key.offsetWord(), words);
        double l = Formulas.logisticFromUniform(Formulas.uniformOpen(words[0]));
        int b = th[r] + l > 0 ? 1 : 0;
        choice[r] = b;
        if (values != null) values[r] = b;
        if (antithetic) {
          int bt = th[r] - l > 0 ? 1 : 0;
          choice[rows + r] = bt;
          if (values != null) values[rows + r] = bt;
        }
      }
      return Status.OK;
    });
    if (status == Status.OK) {
      choiceArg.commit(choice);
      if (valuesArg != null) valuesArg.commit(values);
    }
    return status;
  }

  @Override
  public long gumbelRaoTotalBackward(Floats logitsArg, Ints choiceArg, Floats upstreamArg,
      int rows, int n, int samples, float tau, NoiseKey key, Floats gradArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.read();
    float[] g = upstreamArg.read();
    float[] grad = gradArg.writeTarget();
    double invTau = 1.0 / tau;
    int power = Formulas.integerInverseTemperature(tau);
    double scale = Formulas.gumbelRaoScale(samples, tau);
    Thread caller = Thread.currentThread();
    long status = forRows(rows, (long) n * samples, (begin, end) -> {
      double[] u = new double[n], logP = new double[n], p = new double[n], gs = new double[n];
      double[] w = new double[n], e = new double[n], h = new double[n];
      int[] words = new int[4];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code == Status.OK) code = checkChoice(th, off, n, choice[r]);
        if (code == Status.OK) code = checkUpstream(th, g, off, n);
        if (code != Status.OK) return Status.of(code, r);
        int d = choice[r];
        double m = rowMax(th, off, n), logSum = rowLogSum(th, off, n, m);
        double gD = g[off + d];
        for (int j = 0; j < n; j++) {
          logP[j] = Formulas.logSoftmax(th[off + j], m, logSum);
          p[j] = Math.exp(logP[j]);
          gs[j] = th[off + j] == Float.NEGATIVE_INFINITY ? 0.0 : g[off + j] - gD;
          h[j] = 0;
        }
        double rowSum = 0;
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
          double c = Formulas.gumbelRaoDrawScale(sum), cDot = Formulas.gumbelRaoDrawDot(c, dot);
          for (int j = 0; j < n; j++) {
            double t = Formulas.gumbelRaoTerm(w[j], gs[j], c, cDot);
            double rj = j == d ? 1.0 : Formulas.gumbelRaoBase(p[j], e[j], eD);
            h[j] += Formulas.gumbelRaoTotalTerm(t, rj);
            rowSum += rj * t;
          }
        }
        for (int j = 0; j < n; j++) h[j] = Formulas.gumbelRaoTotalFinish(h[j], p[j], rowSum, scale);
        if (!store(th, h, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) gradArg.commit(grad);
    return status;
  }

  /** The per-row work of the estimators that read p and the shifted upstream gs = g - g_D. */
  @FunctionalInterface
  private interface ChoiceRowGradient {
    /** Fills out[0..n) for row off / n with choice d; p and gs are filled, masked gs = 0. */
    void compute(int off, int d, double[] p, double[] gs, double m, double[] out);
  }

  private static long choiceRows(Floats logitsArg, Ints choiceArg, Floats upstreamArg, int rows,
      int n, Floats gradArg, ChoiceRowGradient body) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.read();
    float[] g = upstreamArg.read();
    float[] grad = gradArg.writeTarget();
    Thread caller = Thread.currentThread();
    long status = forRows(rows, n, (begin, end) -> {
      double[] p = new double[n], gs = new double[n], out = new double[n];
      for (int r = begin; r < end; r++) {
        if (cancelled(caller)) return Status.of(Status.CANCELLED, r);
        int off = r * n;
        int code = scanRow(th, off, n);
        if (code == Status.OK) code = checkChoice(th, off, n, choice[r]);
        if (code == Status.OK) code = checkUpstream(th, g, off, n);
        if (code != Status.OK) return Status.of(code, r);
        int d = choice[r];
        double m = rowMax(th, off, n), logSum = rowLogSum(th, off, n, m);
        double gD = g[off + d];
        for (int j = 0; j < n; j++) {
          p[j] = Math.exp(Formulas.logSoftmax(th[off + j], m, logSum));
          gs[j] = th[off + j] == Float.NEGATIVE_INFINITY ? 0.0 : g[off + j] - gD;
        }
        body.compute(off, d, p, gs, m, out);
        if (!store(th, out, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) gradArg.commit(grad);
    return status;
  }

  @Override
  public long zgrBackward(Floats logits, Ints choice, Floats upstream, int rows, int n,
      Floats grad) {
    return choiceRows(logits, choice, upstream, rows, n, grad, (off, d, p, gs, m, out) -> {
      double dot = 0;
      for (int j = 0; j < n; j++) dot += p[j] * gs[j];
      for (int j = 0; j < n; j++) out[j] = Formulas.zgrGrad(p[j], gs[j], dot, j == d);
    });
  }

  @Override
  public long reinMaxBackward(Floats logitsArg, Ints choice, Floats upstream, int rows, int n,
      float tau, Floats grad) {
    float[] th = logitsArg.read();
    return choiceRows(logitsArg, choice, upstream, rows, n, grad, (off, d, p, gs, m, out) -> {
      // pi = (softmax(theta / tau) + e_D) / 2, the tempered softmax shifted by the maximum
      double[] pi = new double[n];
      double z = 0;
      for (int j = 0; j < n; j++) {
        pi[j] = Math.exp((th[off + j] - m) / tau);
        z += pi[j];
      }
      double piDot = 0, pDot = 0;
      for (int j = 0; j < n; j++) {
        pi[j] = Formulas.reinmaxPi(pi[j] / z, j == d);
        piDot += pi[j] * gs[j];
        pDot += p[j] * gs[j];
      }
      for (int j = 0; j < n; j++) out[j] = Formulas.reinmaxGrad(pi[j], p[j], gs[j], piDot, pDot);
    });
  }

  @Override
  public long gstBackward(Floats logitsArg, Ints choice, Floats upstream, int rows, int n,
      float tau, float gap, Floats grad) {
    float[] th = logitsArg.read();
    return choiceRows(logitsArg, choice, upstream, rows, n, grad, (off, d, p, gs, m, out) -> {
      double rowGap = gap > 0 ? gap : Formulas.gstGapP(p[d]);
      // s = softmax(theta' / tau): theta'_D is the maximum, 0 after the shift by m
      double z = 0;
      for (int j = 0; j < n; j++) {
        out[j] = Math.exp(Formulas.gstShiftedLogit(th[off + j] - m, j == d, rowGap) / tau);
        z += out[j];
      }
      double dot = 0;
      for (int j = 0; j < n; j++) {
        out[j] /= z;
        dot += out[j] * gs[j];
      }
      for (int j = 0; j < n; j++) out[j] = Formulas.softmaxJvp(out[j], gs[j], dot) / tau;
    });
  }

  @Override
  public long zgrBinaryBackward(Floats logitsArg, Ints choiceArg, Floats upstreamArg, int rows,
      Floats gradArg) {
    float[] th = logitsArg.read();
    int[] b = choiceArg.read();
    float[] g = upstreamArg.read();
    float[] grad = gradArg.writeTarget();
    for (int r = 0; r < rows; r++) {
      int code = scanBinary(th[r]);
      if (code == Status.OK) code = checkBinaryChoice(th[r], b[r]);
      if (code == Status.OK && !Float.isFinite(g[r])) code = Status.UPSTREAM_NOT_FINITE;
      if (code != Status.OK) return Status.of(code, r);
      grad[r] = (float) Formulas.zgrBinaryGrad(g[r], th[r], b[r] == 1);
    }
    gradArg.commit(grad);
    return Status.OK;
  }

  @Override
  public long rlooBackward(Floats logitsArg, Ints choiceArg, Floats lossesArg, int rows, int n,
      int samples, Floats gradArg) {
    float[] th = logitsArg.read();
    int[] choice = choiceArg.read();
    float[] f = lossesArg.read();
    float[] grad = gradArg.writeTarget();
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
        if (code != Status.OK) return Status.of(code, r);
        double mean = 0;
        for (int s = 0; s < samples; s++) mean += f[s * rows + r];
        mean /= samples;
        java.util.Arrays.fill(out, 0);
        for (int s = 0; s < samples; s++) {
          out[choice[s * rows + r]] += Formulas.rlooTerm(f[s * rows + r] - mean, samples);
        }
        if (!store(th, out, grad, off, n)) return Status.of(Status.GRAD_OVERFLOW, r);
      }
      return Status.OK;
    });
    if (status == Status.OK) gradArg.commit(grad);
    return status;
  }

  @Override
  public long disarmBackward(Floats logitsArg, Ints choiceArg, Floats lossesArg, int rows,
      Floats gradArg) {
    float[] th = logitsArg.read();
    int[] b = choiceArg.read();
    float[] f = lossesArg.read();
    float[] grad = gradArg.writeTarget();
    for (int r = 0; r < rows; r++) {
      int code = scanBinary(th[r]);
      int b0 = b[r], b1 = b[rows + r];
      if (code == Status.OK) code = checkBinaryChoice(th[r], b0);
      if (code == Status.OK) code = checkBinaryChoice(th[r], b1);
      if (code != Status.OK) return Status.of(code, r);
      grad[r] = (float) Formulas.disarmGrad(f[r], f[rows + r], b0 == 1, b1 == 1, th[r]);
    }
    gradArg.commit(grad);
    return Status.OK;
  }
}
