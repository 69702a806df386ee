package dev.gumbelrao.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint is taken only whole and sound: flipped bytes, appended bytes and non-finite
 * parameters of a run that has not diverged are refused naming the file, and a process killed at
 * random moments while it writes checkpoints leaves one that loads as a state it saved.
 */
class CheckpointIntegrityTest {
  /** A state whose every number follows from its step (so a loaded one can be checked whole). */
  static Checkpoint.State state(long step, int floats) {
    float[][] p = new float[2][floats], v = new float[2][floats];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < floats; j++) {
        p[i][j] = step + i + j * 1e-3f;
        v[i][j] = -p[i][j];
      }
    }
    return new Checkpoint.State("fingerprint", step, List.of("w", "b"), p, v, 0.5, step,
        List.of(new Evaluation(step, "valid", 10, 4, 100.0 + step, 0.1)), null, step, step,
        step, 1.0);
  }

  static void assertWhole(Checkpoint.State s, int floats, String what) {
    Checkpoint.State expected = state(s.step(), floats);
    for (int i = 0; i < 2; i++) {
      assertTrue(java.util.Arrays.equals(expected.parameters()[i], s.parameters()[i]), what);
      assertTrue(java.util.Arrays.equals(expected.velocities()[i], s.velocities()[i]), what);
    }
    assertEquals(expected.evaluations(), s.evaluations(), what);
  }

  @Test
  void aDamagedCheckpointIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("run.ckpt");
    Checkpoint.save(file, state(7, 300));
    byte[] good = Files.readAllBytes(file);
    assertWhole(Checkpoint.load(file), 300, "the saved state");
    SplittableRandom rnd = new SplittableRandom(5);
    for (int t = 0; t < 200; t++) {
      byte[] bad = good.clone();
      // two bytes flipped anywhere after the magic and version (whose own messages are tested
      // by CheckpointResumeTest)
      int a = 12 + rnd.nextInt(bad.length - 12), b = 12 + rnd.nextInt(bad.length - 12);
      bad[a] ^= (byte) (1 + rnd.nextInt(255));
      bad[b] ^= (byte) (1 + rnd.nextInt(255));
      if (a == b && bad[a] == good[a]) continue;
      Files.write(file, bad);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Checkpoint.load(file), "bytes " + a + ", " + b);
      assertTrue(e.getMessage().startsWith(file.toString()) && (e.getMessage().contains(
          "damaged")), "bytes " + a + ", " + b + ": " + e.getMessage());
    }
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
    Files.write(file, longer);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file))
        .getMessage().contains("damaged"));
  }

  @Test
  void nonFiniteParametersAreRefusedUnlessTheRunDiverged(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("run.ckpt");
    Checkpoint.State s = state(3, 50);
    s.parameters()[1][17] = Float.NaN;
    Checkpoint.save(file, s);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.load(file));
    assertTrue(e.getMessage().startsWith(file + ": parameter b holds NaN at 17"),
        e.getMessage());
    s = state(3, 50);
    s.velocities()[0][2] = Float.POSITIVE_INFINITY;
    Checkpoint.save(file, s);
    e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file));
    assertTrue(e.getMessage().startsWith(file + ": momentum of w holds Infinity at 2"),
        e.getMessage());
    // a diverged run keeps the weights it diverged with: its record, never trained again
    Checkpoint.State d = state(3, 50);
    d.parameters()[0][0] = Float.NaN;
    Checkpoint.save(file, new Checkpoint.State(d.fingerprint(), d.step(), d.names(),
        d.parameters(), d.velocities(), d.baselineValue(), d.baselineUpdates(),
        d.evaluations(), "step 3: the loss is NaN", d.timedSteps(), d.stepNanos(),
        d.estimatorNanos(), d.lastLoss()));
    assertEquals("step 3: the loss is NaN", Checkpoint.load(file).divergence());
  }

  /**
   * A child JVM saves checkpoints of growing steps in a loop and is killed (SIGKILL) at a random
   * moment; the file then loads as one whole state the child saved, never a half-written one.
   */
  @Test
  void aProcessKilledWhileWritingLeavesAWholeCheckpoint(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("run.ckpt");
    SplittableRandom rnd = new SplittableRandom(11);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    long last = 0;
    for (int round = 0; round < 6; round++) {
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          CheckpointWriter.class.getName(), file.toString(), Long.toString(last + 1))
          .redirectErrorStream(true).start();
      BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      String first = lines.readLine();  // one checkpoint saved whole
      assertTrue(first != null && first.matches("\\d+"), "the writer said: " + first);
      Thread.sleep(rnd.nextInt(5, 200));
      p.destroyForcibly();
      p.waitFor();
      Checkpoint.State s = Checkpoint.load(file);
      assertTrue(s.step() >= last, "round " + round + ": step " + s.step() + " after " + last);
      assertWhole(s, CheckpointWriter.FLOATS, "round " + round + ", step " + s.step());
      last = s.step();
    }
    // the next save clears the temporary files the kills left behind
    Checkpoint.save(file, state(last + 1, 10));
    String[] left = dir.toFile().list();
    assertEquals(List.of("run.ckpt"), List.of(left));
  }

  /** The child process of the kill test: saves states of steps from args[1] on, forever. */
  public static final class CheckpointWriter {
    static final int FLOATS = 200_000;

    public static void main(String[] args) throws Exception {
      Path file = Path.of(args[0]);
      for (long step = Long.parseLong(args[1]); ; step++) {
        Checkpoint.save(file, state(step, FLOATS));
        System.out.println(step);
        System.out.flush();
      }
    }
  }
}
