package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped at a step boundary (as Ctrl-C stops it) and resumed from its checkpoint in a
 * fresh trainer ends with the same bits as the run that was never interrupted: parameters,
 * momentum, REINFORCE's baseline and every evaluation.
 */
class CheckpointResumeTest {
  private static final Backend gr = Tiny.cpu();
  private static final Splits DATA = Tiny.splits();
  private static final Trainer.Schedule SCHEDULE = new Trainer.Schedule(10, 20, 4, 7);

  private static RunConfig config(String estimator, long seed) {
    return new RunConfig(estimator, 0.5f, 0.01f, 0.9f, 8,
        Tiny.arch(2, 3, List.of(5), List.of(5)), seed, DATA.train().sha256());
  }

  @Test
  void aResumedRunIsBitForBitTheUninterruptedOne(@TempDir Path dir) throws Exception {
    for (String est : new String[] {"REINFORCE", "GR-MC10", "GS", "ST-GS"}) {
      RunConfig cfg = config(est, 3);
      Checkpoint.State straight;
      try (Trainer t = new Trainer(cfg, DATA, gr, null)) {
        assertEquals(Trainer.Outcome.DONE, t.train(40, SCHEDULE, dir.resolve("a"),
            Progress.NONE, null, est));
        straight = t.state();
      }
      StopSignal stop = new StopSignal();
      Path file = dir.resolve(est + ".ckpt");
      Checkpoint.State mid;
      try (Trainer t = new Trainer(cfg, DATA, gr, null)) {
        Progress stopAt17 = (done, total, what) -> {
          if (done == 17) stop.request();
        };
        assertEquals(Trainer.Outcome.STOPPED, t.train(40, SCHEDULE, file, stopAt17, stop, est));
        mid = t.state();
      }
      assertEquals(17, Checkpoint.load(file).step());
      Checkpoint.State resumed;
      try (Trainer t = new Trainer(cfg, DATA, gr, Checkpoint.load(file))) {
        assertEquals(Trainer.Outcome.DONE, t.train(40, SCHEDULE, file, Progress.NONE, null, est));
        resumed = t.state();
      }
      assertEquals(40, resumed.step());
      for (int i = 0; i < straight.parameters().length; i++) {
        assertTrue(Arrays.equals(straight.parameters()[i], resumed.parameters()[i]),
            est + ": parameter " + straight.names().get(i) + " differs after resuming");
        assertTrue(Arrays.equals(straight.velocities()[i], resumed.velocities()[i]),
            est + ": momentum of " + straight.names().get(i) + " differs after resuming");
      }
      assertFalse(Arrays.equals(mid.parameters()[0], resumed.parameters()[0]),
          "the test compares states that moved");
      assertEquals(Double.doubleToLongBits(straight.baselineValue()),
          Double.doubleToLongBits(resumed.baselineValue()), est + ": baseline");
      assertEquals(4, straight.evaluations().size());
      for (int k = 0; k < 4; k++) {
        assertEquals(straight.evaluations().get(k).nll(), resumed.evaluations().get(k).nll(), 0,
            est + ": evaluation " + k);
      }
    }
  }

  @Test
  void aCheckpointOfAnotherRunOrOfAnotherFormatIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.ckpt");
    try (Trainer t = new Trainer(config("ST-GS", 3), DATA, gr, null)) {
      t.train(5, SCHEDULE, file, Progress.NONE, null, "x");
    }
    Checkpoint.State st = Checkpoint.load(file);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(config("ST-GS", 4), DATA, gr, st));
    assertTrue(e.getMessage().contains("another run"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(config("ST-GS", 3), DATA, gr, st.recordOnly()));
    assertTrue(e.getMessage().contains("without its weights"), e.getMessage());
    byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, b.length / 2));
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().contains("not a vae checkpoint"), e.getMessage());
    // the record-only form of a run keeps its record
    Checkpoint.save(file, st.recordOnly());
    Checkpoint.State r = Checkpoint.load(file);
    assertFalse(r.hasParameters());
    assertEquals(st.step(), r.step());
    assertArrayEquals(st.evaluations().toArray(), r.evaluations().toArray());
  }
}
