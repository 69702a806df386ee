package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.EstimatorFamily.Parameter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The registry ({@link Estimators#families()}, {@link Estimators#parse},
 * {@link Estimators#names()}, {@link Estimators#paperNames()}): every family parses by its names
 * and aliases, unknown names and parameters out of bounds are refused with messages that say
 * what is known, and the properties a family derives from its estimators agree with what the
 * estimators do.
 */
class EstimatorsTest {
  /** The K or S a name of the family is tried with: its least value, and a larger one. */
  private static int[] parameters(EstimatorFamily f) {
    return f.parameter() == Parameter.NONE ? new int[] {0}
        : new int[] {f.parameter().least, f.parameter().least + 7, 1000};
  }

  @Test
  void everyFamilyParsesByItsNamesInAnyCaseAndItsAliases() {
    for (EstimatorFamily f : Estimators.families()) {
      for (int p : parameters(f)) {
        String name = f.name(p);
        for (String spelled : new String[] {name, name.toLowerCase(Locale.ROOT),
            name.toUpperCase(Locale.ROOT), "  " + name + " "}) {
          Estimator e = Estimators.parse(spelled, 0.5f);
          assertEquals(name, e.name(), spelled);
          assertSame(f, Estimators.family(spelled), spelled);
          assertEquals(p, f.parameterIn(spelled.trim()), spelled);
        }
        assertEquals(f.make(p, 0.5f).toString(), Estimators.parse(name, 0.5f).toString());
        for (EstimatorFamily other : Estimators.families()) {
          if (other != f) assertEquals(-1, other.parameterIn(name), other + " claims " + name);
        }
      }
      for (String alias : f.aliases()) {
        assertSame(f, Estimators.family(alias), alias);
        assertSame(f, Estimators.family(alias.toUpperCase(Locale.ROOT)), alias);
        if (f.parameter() == Parameter.NONE) {
          assertEquals(f.name(0), Estimators.parse(alias, 1f).name(), alias);
        } else {
          // an alias carries no K or S: parse asks for it, with an example
          String k = f.parameter().letter();
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> Estimators.parse(alias, 1f));
          assertEquals("estimator '" + alias + "': " + f.pattern() + " needs its " + k
              + " in the name, e.g. " + f.name(f.parameter() == Parameter.DRAWS_K ? 100 : 4),
              e.getMessage());
        }
      }
      assertFalse(f.source().isEmpty(), f + " names its paper");
    }
  }

  @Test
  void namesArePatternsInTheRegistrysOrderAndThePapersNamesParse() {
    List<String> patterns = new ArrayList<>();
    for (EstimatorFamily f : Estimators.families()) patterns.add(f.pattern());
    assertEquals(patterns, Estimators.names());
    assertEquals(patterns.size(), new HashSet<>(patterns).size(), "names are unique");
    for (EstimatorFamily f : Estimators.families()) {
      assertEquals(f.parameter() != Parameter.NONE, f.pattern().contains("<"), f.pattern());
      assertEquals(f.pattern(), f.toString());
    }
    assertTrue(Estimators.names().containsAll(List.of("ST", "ST-GS", "GS", "GR-MC<K>",
        "GR-MC<K>-total", "ZGR", "ReinMax", "GST-1.0", "GST-p", "REINFORCE", "RLOO-<S>",
        "ZGR-binary", "DisARM")), Estimators.names().toString());
    assertEquals(List.of("GS", "REINFORCE", "ST", "ST-GS", "GR-MC10", "GR-MC100", "GR-MC1000"),
        Estimators.paperNames());
    for (String name : Estimators.paperNames()) {
      assertEquals(name, Estimators.parse(name, 1f).name());
    }
  }

  @Test
  void unknownNamesAreRefusedListingTheKnownOnes() {
    String known = "; known: " + String.join(", ", Estimators.names());
    for (String name : new String[] {"GR", "gumbel", "GR-MCx", "GR-MC-5", "GR-MC12345678901",
        "RLOO", "ST-GS2", "", "GR-MC10-detached"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Estimators.parse(name, 1f), name);
      if (name.equalsIgnoreCase("GR") || name.equalsIgnoreCase("RLOO")) {
        // an alias: known, but without its K or S
        assertTrue(e.getMessage().contains("needs its"), e.getMessage());
        continue;
      }
      assertEquals("unknown estimator '" + name + "'" + known, e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Estimators.family(name));
      assertEquals("unknown estimator '" + name + "'" + known, e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Estimators.parse(null, 1f));
    assertEquals("name must not be null", e.getMessage());
  }

  @Test
  void kAndSAreBoundedBelowAndTauIsChecked() {
    for (EstimatorFamily f : Estimators.families()) {
      if (f.parameter() == Parameter.NONE) continue;
      String k = f.parameter().letter();
      int least = f.parameter().least;
      for (int bad : new int[] {least - 1, -3}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> f.make(bad, 1f));
        assertEquals(f.pattern() + ": " + k + " must be >= " + least + ", got " + bad,
            e.getMessage());
      }
      assertEquals(f.name(least), f.make(least, 1f).name());
      // a name with K = 0 is read as a name without K
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Estimators.parse(f.name(0), 1f));
      assertTrue(e.getMessage().contains(" needs its " + k + " in the name"), e.getMessage());
      if (least > 1) {
        e = assertThrows(IllegalArgumentException.class,
            () -> Estimators.parse(f.name(least - 1), 1f));
        assertEquals(f.pattern() + ": " + k + " must be >= " + least + ", got " + (least - 1),
            e.getMessage());
      }
    }
    assertEquals(1, Parameter.DRAWS_K.least);
    assertEquals(2, Parameter.SAMPLES_S.least);
    assertEquals(0, Parameter.NONE.least);
    for (EstimatorFamily f : Estimators.families()) {
      int p = Math.max(1, f.parameter().least);
      for (float tau : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
        if (f.tempered()) {
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> f.make(p, tau), f + " tau " + tau);
          assertTrue(e.getMessage().startsWith("tau must be finite and > 0"), e.getMessage());
          assertThrows(IllegalArgumentException.class, () -> Estimators.parse(f.name(p), tau));
        } else {
          f.make(p, tau);  // ignored
        }
      }
    }
  }

  @Test
  void idsAreCommandLineNamesOfTheirFamily() {
    Set<String> ids = new HashSet<>();
    for (EstimatorFamily f : Estimators.families()) {
      String id = f.id();
      assertTrue(ids.add(id), "id " + id + " is used twice");
      assertEquals(id.toLowerCase(Locale.ROOT), id);
      assertSame(f, Estimators.family(id), id);
      if (f.parameter() == Parameter.NONE) {
        assertEquals(f.name(0).toLowerCase(Locale.ROOT), id);
      } else {
        assertEquals(f.aliases().get(0), id);
      }
    }
    assertEquals("gumbel-rao", Estimators.family("GR-MC100").id());
    assertEquals("rloo", Estimators.family("RLOO-4").id());
    assertEquals("st-gs", Estimators.family("ST-GS").id());
  }

  /**
   * What a family says of its estimators is what they do: binary ones refuse rows of 2 classes
   * and draw 0 or 1, score-function ones take losses, relaxed ones have no choice, conditionable
   * ones have a sample at a given D (the others refuse), tempered ones depend on tau (the others
   * ignore it), S is the number of draws.
   */
  @Test
  void theDerivedPropertiesAgreeWithTheEstimators() {
    try (Backend gr = Backend.open(BackendKind.JAVA)) {
      for (EstimatorFamily f : Estimators.families()) {
        boolean drawsInName = f.parameter() == Parameter.SAMPLES_S
            || f.parameter() == Parameter.DRAWS_N;
        int p = Math.max(1, f.parameter().least) + (drawsInName ? 1 : 0);
        Estimator e = f.make(p, 0.5f);
        assertEquals(f.name(p), e.name());
        assertEquals(f.scoreFunction(), e instanceof ScoreFunctionEstimator, f.toString());
        assertEquals(f.lossTable(), e instanceof LossTableEstimator, f.toString());
        assertEquals(!f.scoreFunction() && !f.lossTable(), e instanceof PathwiseEstimator,
            f.toString());
        assertEquals(drawsInName ? p : f.binary() && f.scoreFunction() ? 2 : 1, e.draws(),
            f + " draws");
        int arity = f.binary() ? 1 : 3, rows = 4;
        float[] th = new float[rows * arity];
        for (int i = 0; i < th.length; i++) th[i] = 0.3f * (i % 5) - 0.4f;
        if (f.binary()) {
          IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
              () -> e.forward(gr, new float[8], 4, 2, NoiseKey.of(1), null));
          assertTrue(x.getMessage().startsWith("arity: " + e.name() + " is a binary estimator"),
              x.getMessage());
        } else {
          e.forward(gr, new float[8], 4, 2, NoiseKey.of(1), null);
        }
        float[] values = new float[e.draws() * rows * arity];
        Sample s = e.forward(gr, th, rows, arity, NoiseKey.of(2), values);
        assertEquals(!f.relaxed(), s.hasChoices(), f.toString());
        if (!f.relaxed()) {
          for (int i = 0; i < e.draws() * rows; i++) {
            int d = s.choice(i);
            assertTrue(d >= 0 && d < (f.binary() ? 2 : arity), f + " D " + d);
          }
        }
        int[] d = new int[e.draws() * rows];
        if (f.conditionable()) {
          assertEquals(rows, e.given(gr, th, rows, arity, NoiseKey.of(2), d).rows());
        } else {
          assertThrows(UnsupportedOperationException.class,
              () -> e.given(gr, th, rows, arity, NoiseKey.of(2), d), f.toString());
        }
        Estimator warm = f.make(p, 2f);
        if (f.tempered()) {
          assertNotEquals(e, warm, f.toString());
          assertNotEquals(e.toString(), warm.toString(), f.toString());
        } else {
          assertEquals(e.toString(), warm.toString(), f + " ignores tau");
        }
      }
    }
  }
}
