package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gumbelrao.Backend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning rate's exponential decay (RunConfig.lrDecay): its factor per step, the
 * fingerprint (a constant rate keeps the old one), the optimiser's scaled step, and a decayed run
 * resumed from its checkpoint being the uninterrupted one.
 */
class LrDecayTest {
  private static final Backend gr = Tiny.cpu();
  private static final Splits DATA = Tiny.splits();
  private static final Trainer.Schedule SCHEDULE = new Trainer.Schedule(10, 20, 4, 7);

  private static RunConfig config(float decay) {
    return new RunConfig("ST-GS", 0.5f, 0.01f, 0.9f, 8, Tiny.arch(2, 3, List.of(5), List.of(5)),
        3, DATA.train().sha256(), decay);
  }

  @Test
  void theFactorFallsByLrDecayPerThousandSteps() {
    RunConfig c = config(0.9f);
    assertEquals(1f, c.lrScale(0));
    assertEquals(0.9f, c.lrScale(1000), 1e-7);
    assertEquals((float) Math.pow(0.9, 50), c.lrScale(50_000), 1e-8);
    assertEquals((float) Math.pow(0.9, 0.5), c.lrScale(500), 1e-7);
    assertEquals(1f, config(1f).lrScale(123_456));
    assertThrows(IllegalArgumentException.class, () -> config(0f));
    assertThrows(IllegalArgumentException.class, () -> config(1.5f));
  }

  @Test
  void aConstantRateKeepsTheFingerprintOfTheRunsBeforeTheDecay() {
    RunConfig old = new RunConfig("ST-GS", 0.5f, 0.01f, 0.9f, 8,
        Tiny.arch(2, 3, List.of(5), List.of(5)), 3, DATA.train().sha256());
    assertEquals(old.fingerprint(), config(1f).fingerprint());
    assertFalse(old.fingerprint().contains("lr_decay"));
    assertTrue(config(0.9f).fingerprint().endsWith(" lr_decay=0.9/1000"),
        config(0.9f).fingerprint());
  }

  @Test
  void aScaledStepIsAStepAtTheScaledRate() {
    Architecture arch = Tiny.arch(2, 3, List.of(5), List.of(5));
    int batch = 8;
    int[] index = new int[batch];
    float[] x = new float[batch * DATA.pixels()];
    float[][] a;
    float[][] b;
    try (VaeModel m1 = new VaeModel(arch, 5, null); VaeModel m2 = new VaeModel(arch, 5, null)) {
      SgdMomentum s1 = new SgdMomentum(m1, 0.01f, 0.9f);
      SgdMomentum s2 = new SgdMomentum(m2, 0.0025f, 0.9f);
      dev.gumbelrao.estimators.Estimator est = VaeEstimators.get("ST-GS").factory().make(0.5f,
          new VaeEstimators.State());
      DataOrder order = new DataOrder(DATA.train().count(), 5);
      dev.gumbelrao.NoiseStream noise = new dev.gumbelrao.NoiseStream(5);
      for (int k = 0; k < 3; k++) {
        order.batch(k, batch, index);
        DATA.train().gather(index, 0, batch, x);
        dev.gumbelrao.NoiseKey key = noise.next();
        Elbo.gradients(m1, est, gr, x, batch, key);
        Elbo.gradients(m2, est, gr, x, batch, key);
        s1.step(0.25f);
        s2.step();
      }
      a = m1.read();
      b = m2.read();
    }
    for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], 1e-6f);
  }

  @Test
  void aDecayedRunResumedFromItsCheckpointIsTheUninterruptedOne(@TempDir Path dir)
      throws Exception {
    // 0.01 per 1000 steps: over 40 steps the rate falls to 0.83 of its start
    RunConfig cfg = config(0.01f);
    Checkpoint.State straight;
    try (Trainer t = new Trainer(cfg, DATA, gr, null)) {
      t.train(40, SCHEDULE, dir.resolve("a"), Progress.NONE, null, "x");
      straight = t.state();
    }
    Path file = dir.resolve("b.ckpt");
    try (Trainer t = new Trainer(cfg, DATA, gr, null)) {
      t.train(17, SCHEDULE, file, Progress.NONE, null, "x");
    }
    Checkpoint.State resumed;
    try (Trainer t = new Trainer(cfg, DATA, gr, Checkpoint.load(file))) {
      t.train(40, SCHEDULE, file, Progress.NONE, null, "x");
      resumed = t.state();
    }
    for (int i = 0; i < straight.parameters().length; i++) {
      assertArrayEquals(straight.parameters()[i], resumed.parameters()[i], 0f);
    }
    Checkpoint.State constant;
    try (Trainer t = new Trainer(config(1f), DATA, gr, null)) {
      t.train(40, SCHEDULE, dir.resolve("c"), Progress.NONE, null, "x");
      constant = t.state();
    }
    assertFalse(java.util.Arrays.equals(constant.parameters()[0], straight.parameters()[0]),
        "the decay changes the run");
  }
}
