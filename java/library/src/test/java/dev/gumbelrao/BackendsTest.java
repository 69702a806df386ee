package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Configuration a user expects: thread count, quiet routine logging, accurate CUDA messages. */
class BackendsTest {
  @Test
  void everyCudaSituationHasItsOwnMessage() {
    // no driver library at all
    String none = Backends.cudaUnavailableReason(1, 0, 13000, 35, 0, "insufficient");
    assertTrue(none.startsWith("no NVIDIA driver"), none);
    // a driver older than the runtime
    String old = Backends.cudaUnavailableReason(0, 12020, 13000, 35, 0, "insufficient");
    assertEquals("the NVIDIA driver (12.2) is older than the CUDA runtime this library was built "
        + "with (13.0): update the driver", old);
    // a driver but no GPU
    String noDevice = Backends.cudaUnavailableReason(0, 13000, 13000, 100, 0, "no device");
    assertEquals("no CUDA device (the NVIDIA driver 13.0 is loaded but sees no GPU)", noDevice);
    assertTrue(Backends.cudaUnavailableReason(0, 13000, 13000, 0, 0, "").startsWith(
        "no CUDA device"));
    // anything else names the runtime's error
    assertEquals("CUDA runtime error 3 (initialization error)",
        Backends.cudaUnavailableReason(0, 13000, 13000, 3, 0, "initialization error"));
    assertNull(Backends.cudaUnavailableReason(0, 13000, 13000, 0, 1, ""));
  }

  @Test
  void thisMachinesCudaStatusIsTheProbesAnswer() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    BackendStatus cuda = Backends.status(BackendKind.CUDA);
    int[] version = new int[1];
    if (NativeRuntime.cudaCompiled() == 1 && NativeRuntime.cudaDriverProbe(version) == 1) {
      assertEquals("CUDA unavailable: no NVIDIA driver (libcuda.so.1 could not be loaded: "
          + "install the NVIDIA driver to use a GPU)", cuda.toString());
      BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
          () -> Backend.open(BackendKind.CUDA));
      assertEquals(cuda.toString(), e.getMessage());
      assertTrue(Backends.choose() != BackendKind.CUDA);
    }
  }

  @Test
  void cpuThreadsArePublicAndDoNotChangeResults() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    int before = Backends.cpuThreads();
    try (Backend cpu = Backend.open(BackendKind.CPU)) {
      SplittableRandom rnd = new SplittableRandom(1);
      int rows = 2000, arity = 10;
      float[] th = TestData.logits(rnd, rows, arity, 1, 0.1), g = TestData.gaussian(rnd,
          rows * arity);
      PathwiseEstimator est = Estimators.gumbelRao(40, 0.5f);
      float[] first = null;
      for (int threads : new int[] {1, 3, 2}) {
        Backends.setCpuThreads(threads);
        assertEquals(threads, Backends.cpuThreads());
        assertTrue(cpu.description().contains(threads + " threads"), cpu.description());
        float[] out = new float[rows * arity];
        est.backward(est.forward(cpu, th, rows, arity, NoiseKey.of(3), null), g, out);
        if (first == null) first = out;
        else assertArrayEquals(first, out, "threads " + threads);
      }
      assertThrows(IllegalArgumentException.class, () -> Backends.setCpuThreads(0));
      assertThrows(IllegalArgumentException.class,
          () -> Backends.setCpuThreads(Backends.MAX_CPU_THREADS + 1));
    } finally {
      Backends.setCpuThreads(before);
    }
  }

  /** The routine choice of AUTO logs at DEBUG (JUL FINE) only: nothing at INFO or above. */
  @Test
  void autoLogsItsRoutineChoiceAtDebug() {
    Logger log = Logger.getLogger("dev.gumbelrao");
    List<LogRecord> records = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Level level = log.getLevel();
    log.setLevel(Level.ALL);
    log.addHandler(handler);
    try (Backend gr = Backend.open(BackendKind.AUTO)) {
      boolean routine = gr.kind() != BackendKind.JAVA;
      assertTrue(!records.isEmpty(), "AUTO logs its choice");
      for (LogRecord r : records) {
        if (routine) {
          assertTrue(r.getLevel().intValue() < Level.INFO.intValue(),
              r.getLevel() + ": " + r.getMessage());
        }
      }
      assertTrue(records.get(0).getMessage().startsWith("AUTO chose " + gr.kind())
          || !routine, records.get(0).getMessage());
    } finally {
      log.removeHandler(handler);
      log.setLevel(level);
    }
  }
}
