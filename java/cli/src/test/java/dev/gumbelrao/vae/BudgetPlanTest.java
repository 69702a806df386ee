package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The publishing run's sizing rule, and the search's draws. */
class BudgetPlanTest {
  private static final List<VaeEstimators.Entry> TWO = VaeEstimators.parse("ST-GS,GR-MC1000");

  /** 10 ms per step at B = 20 and 50 ms at B = 200 for ST-GS, 30 and 250 ms for GR-MC1000. */
  private static StepTiming.Result timing() {
    List<StepTiming.Row> rows = new ArrayList<>();
    for (int a : new int[] {2, 16}) {
      rows.add(new StepTiming.Row("ST-GS", a, 20, 50, 10, 1));
      rows.add(new StepTiming.Row("ST-GS", a, 200, 50, 50, 2));
      rows.add(new StepTiming.Row("GR-MC1000", a, 20, 50, 30, 20));
      rows.add(new StepTiming.Row("GR-MC1000", a, 200, 50, 250, 200));
    }
    return new StepTiming.Result(rows, 50_000);
  }

  @Test
  void eachBatchSizeGetsHalfTheTimeLeftAfterTheEvaluations() {
    // 4 cells per batch size; 3 candidates at a fifth: 1.4 candidate-equivalents
    // evaluations: 2 x 4 x (10 x 1.4 x 1000 + 100,000 + 0) samples / 50,000 per s = 18.24 s
    BudgetPlan.Plan p = BudgetPlan.plan(3600, timing(), TWO, List.of(2, 16), List.of(20, 200),
        3, 0.2, 10, 1000, 100_000, 0, 50_000);
    assertEquals(18.24, p.evaluationSeconds(), 1e-9);
    double share = (3600 - 18.24) / 2;
    // B = 20: 2 x (0.010 + 0.030) x 1.4 = 0.112 s per iteration; B = 200: 2 x 0.3 x 1.4 = 0.84
    assertEquals((int) (share / 0.112 / 100) * 100, p.iterations().get(20));
    assertEquals((int) (share / 0.84 / 100) * 100, p.iterations().get(200));
    assertTrue(p.trainingSeconds() + p.evaluationSeconds() <= 3600);
  }

  @Test
  void aBatchSizeAtThe50000CapHandsItsShareToTheOther() {
    BudgetPlan.Plan p = BudgetPlan.plan(40_000, timing(), TWO, List.of(2, 16),
        List.of(20, 200), 3, 0.2, 10, 1000, 100_000, 0, 50_000);
    assertEquals(50_000, p.iterations().get(20));
    double left = 40_000 - p.evaluationSeconds() - 50_000 * 0.112;
    assertEquals((int) (left / 0.84 / 100) * 100, p.iterations().get(200));
    assertThrows(IllegalArgumentException.class, () -> BudgetPlan.plan(10, timing(), TWO,
        List.of(2, 16), List.of(20, 200), 3, 0.2, 10, 1000, 100_000, 0, 50_000));
  }

  /** A Latin hypercube: each learning-rate slice and each temperature slice holds one draw. */
  @Test
  void theSearchDrawsCoverBothRangesAndRepeatForASeed() {
    int n = 5;
    List<Experiment.Quantiles> d = Experiment.draws(n, 1);
    assertEquals(d, Experiment.draws(n, 1));
    assertTrue(!d.equals(Experiment.draws(n, 2)));
    Set<Integer> tauSlices = new HashSet<>();
    for (int i = 0; i < n; i++) {
      assertEquals(i, (int) Math.floor(d.get(i).learningRate() * n));
      tauSlices.add((int) Math.floor(d.get(i).tau() * n));
    }
    assertEquals(n, tauSlices.size());
    Experiment.Draw x = new Experiment.Quantiles(0.5, 0).in(new float[] {0.1f, 1f},
        new float[] {1e-4f, 1e-2f});
    assertEquals(0.316f, x.tau(), 1e-6f);  // the geometric middle, to 3 digits
    assertEquals(1e-4f, x.learningRate(), 1e-9f);
  }
}
