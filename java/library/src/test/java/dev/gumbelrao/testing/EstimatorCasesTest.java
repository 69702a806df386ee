package dev.gumbelrao.testing;

import dev.gumbelrao.estimators.EstimatorFamily.Parameter;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.testing.EstimatorCases.Case;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The case list the cross-cutting tests read covers the registry: a family added to
 * {@link Estimators#families()} without cases (or a list that stops deriving from the registry)
 * fails here, not silently in every test that should have run it.
 */
class EstimatorCasesTest {
  @Test
  void everyRegistryFamilyIsInTheCaseList() {
    List<Case> all = EstimatorCases.all();
    Set<EstimatorFamily> covered = all.stream().map(Case::family)
        .collect(Collectors.toCollection(LinkedHashSet::new));
    assertEquals(List.copyOf(Estimators.families()), List.copyOf(covered),
        "every family of the registry, in its order, and nothing else");
    for (EstimatorFamily f : Estimators.families()) {
      List<Case> mine = all.stream().filter(c -> c.family() == f).collect(Collectors.toList());
      // each of its K or S values at each arity (a binary family at arity 1 only)
      Set<Integer> arities = mine.stream().map(Case::arity).collect(Collectors.toSet());
      if (f.binary()) {
        assertEquals(Set.of(1), arities, f.toString());
      } else {
        for (int a : EstimatorCases.ARITIES) assertTrue(arities.contains(a), f + " arity " + a);
        assertTrue(arities.contains(1) && arities.contains(2), f + ": short rows");
        assertTrue(arities.stream().anyMatch(a -> a > 32), f + ": a row past 32 classes");
      }
      Set<Integer> parameters = mine.stream().map(Case::parameter).collect(Collectors.toSet());
      if (f.parameter() == Parameter.NONE) {
        assertEquals(Set.of(0), parameters, f.toString());
      } else {
        assertTrue(parameters.contains(f.parameter().least), f + ": its least K or S");
        assertTrue(parameters.stream().anyMatch(p -> p > f.parameter().least), f + ": a larger");
      }
      Set<Float> taus = mine.stream().map(Case::tau).collect(Collectors.toSet());
      if (f.tempered()) {
        for (float tau : EstimatorCases.TAUS) assertTrue(taus.contains(tau), f + " tau " + tau);
      }
      for (Case c : mine) {
        assertSame(f, Estimators.family(c.name()), c + " is named as its family");
        assertEquals(f.name(c.parameter()), c.name());
      }
      // oneEach gives one estimator of every family at any shape
      assertEquals(1, EstimatorCases.oneEach(7, 3, 0.5f).stream().filter(c -> c.family() == f)
          .count(), f.toString());
    }
    // the DJL interop's list: every family whose estimators draw once per row
    Set<EstimatorFamily> once = EstimatorCases.oneDrawPerRow().stream().map(Case::family)
        .collect(Collectors.toSet());
    for (EstimatorFamily f : Estimators.families()) {
      boolean single = f.make(Math.max(1, f.parameter().least), 1f).draws() == 1
          && f.parameter() != Parameter.SAMPLES_S;
      assertEquals(single, once.contains(f), f + " in oneDrawPerRow()");
    }
  }

  /** Each case's inputs have the layout its estimator's passes take. */
  @Test
  void everyCaseHasInputsOfItsLayout() {
    SplittableRandom rnd = new SplittableRandom(1);
    int rows = 6;
    for (Case c : EstimatorCases.all()) {
      float[] th = c.logits(rnd, rows, 1.0, 0.3);
      assertEquals(rows * c.arity(), th.length, c.toString());
      assertEquals(c.draws() * rows * c.arity(), c.valuesLength(rows), c.toString());
      assertEquals(c.pathwise() ? rows * c.arity() : c.lossTable()
          ? c.draws() * rows * c.arity() : c.draws() * rows, c.input(rnd, rows).length,
          c.toString());
      assertEquals(c.pathwise() ? "upstream" : c.lossTable() ? "lossTable" : "losses",
          c.inputName());
      assertEquals(c.scoreFunction(), c.family().scoreFunction(), c.toString());
      assertEquals(c.lossTable(), c.family().lossTable(), c.toString());
      assertEquals(1, (c.pathwise() ? 1 : 0) + (c.scoreFunction() ? 1 : 0)
          + (c.lossTable() ? 1 : 0), c + ": one kind of backward pass");
      int[] d = c.choices(rnd, th, rows);
      assertEquals(c.draws() * rows, d.length, c.toString());
      for (int i = 0; i < d.length; i++) {
        int r = i % rows;
        assertTrue(d[i] >= 0 && d[i] < (c.binary() ? 2 : c.arity()), c + " D " + d[i]);
        if (!c.binary()) assertFalse(th[r * c.arity() + d[i]] == Float.NEGATIVE_INFINITY, c + "");
      }
      assertEquals(c.tempered() ? c.tau() : 1f, c.toleranceTau(), c.toString());
    }
  }
}
