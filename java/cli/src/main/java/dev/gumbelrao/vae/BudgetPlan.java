package dev.gumbelrao.vae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sizes the iterations of a publishing run from measured step times so that the whole run fits
 * a compute budget. The rule (the same iterations for every estimator at a batch size, so the
 * table compares like with like):
 *
 * <ul>
 *   <li>An estimator and setting with R candidates, each trained for a fraction f of N, the
 *       winner continued to N, costs N (1 + (R - 1) f) iterations of its measured step time.
 *   <li>Evaluations cost decoder samples at the measured rate: about {@code evalPoints} (1 + (R -
 *       1) f) validation bounds per estimator and setting, one test bound, and the bound check.
 *   <li>What is left after the evaluations is split evenly between the batch sizes; each gets
 *       N_B = its share / its cost per iteration, at most {@code maxIterations} (the paper's
 *       50,000), rounded down to a multiple of 100; a batch size that reaches the cap hands its
 *       unused share to the others.
 * </ul>
 */
public final class BudgetPlan {
  /** The plan: iterations per batch size and the predicted seconds of each part. */
  public record Plan(Map<Integer, Integer> iterations, double trainingSeconds,
      double evaluationSeconds, List<String> lines) {}

  private BudgetPlan() {}

  public static Plan plan(double budgetSeconds, StepTiming.Result timing,
      List<VaeEstimators.Entry> estimators, List<Integer> arities, List<Integer> batches,
      int candidates, double searchFraction, int evalPoints, long evalSamplesEach,
      long testSamplesEach, long boundCheckSamples, int maxIterations) {
    double runsFactor = 1 + (candidates - 1) * searchFraction;
    Map<Integer, Double> perIteration = new LinkedHashMap<>();
    int cells = 0;
    for (int b : batches) {
      double sum = 0;
      for (int a : arities) {
        for (VaeEstimators.Entry e : estimators) {
          if (!e.appliesTo(a)) continue;
          StepTiming.Row r = timing.find(e.name(), a, b);
          if (r == null) throw new IllegalStateException("no timing for " + e.name() + " " + a
              + "-ary B=" + b);
          sum += r.msPerStep() / 1000 * runsFactor;
          if (b == batches.get(0)) cells++;
        }
      }
      perIteration.put(b, sum);
    }
    double rate = timing.boundSamplesPerSecond();
    double evalSeconds = (batches.size() * cells * (evalPoints * runsFactor * evalSamplesEach
        + testSamplesEach) + boundCheckSamples) / rate;
    double left = budgetSeconds - evalSeconds;
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "budget %.0f min: evaluations %.1f min (%.0f decoder "
        + "samples/s), training %.1f min", budgetSeconds / 60, evalSeconds / 60, rate,
        Math.max(0, left) / 60));
    if (left <= 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "--budget-minutes: the "
          + "evaluations alone take %.0f min; raise the budget or lower --eval-samples, "
          + "--test-samples or --search", evalSeconds / 60));
    }
    Map<Integer, Integer> iterations = new LinkedHashMap<>();
    List<Integer> open = new ArrayList<>(batches);
    double pool = left;
    while (!open.isEmpty()) {
      double share = pool / open.size();
      boolean capped = false;
      for (int b : new ArrayList<>(open)) {
        if (share / perIteration.get(b) >= maxIterations) {
          iterations.put(b, maxIterations);
          pool -= maxIterations * perIteration.get(b);
          open.remove(Integer.valueOf(b));
          capped = true;
        }
      }
      if (!capped) {
        for (int b : open) {
          iterations.put(b, (int) Math.max(100, Math.floor(share / perIteration.get(b) / 100) * 100));
        }
        break;
      }
    }
    double train = 0;
    for (int b : batches) {
      train += iterations.get(b) * perIteration.get(b);
      lines.add(String.format(Locale.ROOT, "B = %d: %d iterations (%.3f s per iteration over its "
          + "%d estimator-settings x %.2f candidate-equivalents): %.1f min", b, iterations.get(b),
          perIteration.get(b) / runsFactor, cells, runsFactor,
          iterations.get(b) * perIteration.get(b) / 60));
    }
    Map<Integer, Integer> ordered = new LinkedHashMap<>();
    for (int b : batches) ordered.put(b, iterations.get(b));
    return new Plan(ordered, train, evalSeconds, lines);
  }
}
