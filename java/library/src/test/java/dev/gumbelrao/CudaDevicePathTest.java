package dev.gumbelrao;

import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.Targets;
import dev.gumbelrao.cuda.CudaDevice;
import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;
import dev.gumbelrao.jcuda.JCudaInterop;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaMemcpyKind;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The estimators on device memory ({@link CudaDevice}): DeviceBuffers on CudaStreams, views
 * of memory and streams other code owns (raw addresses, JCuda), several threads each on its own
 * stream, and the errors of each. Results must equal the host-memory CUDA path bit for bit (the
 * same kernels). Skipped, with the reason, without a CUDA device.
 */
class CudaDevicePathTest {
  private static final int ROWS = 3000, ARITY = 17, K = 50, N = ROWS * ARITY;
  private static final float TAU = 0.7f;
  private static final PathwiseEstimator GR = Estimators.gumbelRao(K, TAU);

  private float[] th, g;
  private NoiseKey key;

  @BeforeEach
  void data() {
    SplittableRandom rnd = new SplittableRandom(77);
    th = TestData.logits(rnd, ROWS, ARITY, 1.5, 0.1);
    g = TestData.gaussian(rnd, N);
    key = new NoiseKey(123, 9);
  }

  private static CudaDevice open() {
    BackendStatus cuda = Backends.status(BackendKind.CUDA);
    assumeTrue(cuda.available(), cuda::toString);
    return CudaDevice.open(0);
  }

  /** The host-memory CUDA path: D and the GR gradient for the same key. */
  private float[] hostGumbelRao(int[] choices) {
    try (Backend host = Backend.open(BackendKind.CUDA)) {
      float[] out = new float[N];
      Sample s = GR.forward(host, th, ROWS, ARITY, key, null);
      GR.backward(s, g, out);
      if (choices != null) System.arraycopy(s.choices(), 0, choices, 0, ROWS);
      return out;
    }
  }

  private static float[] copy(DeviceBuffer b, int n) {
    float[] out = new float[n];
    b.copyTo(out);
    return out;
  }

  @Test
  void anEstimatorStepOnAStreamGivesTheHostPathResults() {
    try (CudaDevice cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(ROWS);
        DeviceBuffer oneHot = cuda.allocateFloats(N);
        DeviceBuffer upstream = cuda.allocateFloats(N).copyFrom(g);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream stream = cuda.createStream()) {
      Sample s = GR.forward(cuda, logits, ROWS, ARITY, key, choice, oneHot, stream);
      GR.backward(s, upstream, grad);
      stream.synchronize();
      int[] dHost = new int[ROWS], dGpu = new int[ROWS];
      assertArrayEquals(hostGumbelRao(dHost), copy(grad, N));
      choice.copyTo(dGpu);
      assertArrayEquals(dHost, dGpu);
      float[] oh = copy(oneHot, N);
      for (int r = 0; r < ROWS; r++) {
        for (int j = 0; j < ARITY; j++) assertEquals(j == dGpu[r] ? 1f : 0f, oh[r * ARITY + j]);
      }
      // every estimator's device step equals its host step
      for (PathwiseEstimator est : new PathwiseEstimator[] {Estimators.straightThrough(TAU),
          Estimators.straightThroughGumbelSoftmax(TAU), Estimators.gumbelSoftmax(TAU)}) {
        boolean relaxed = est.name().equals("GS");
        Sample ds = est.forward(cuda, logits, ROWS, ARITY, key, relaxed ? null : choice,
            oneHot, stream);
        est.backward(ds, upstream, grad);
        stream.synchronize();
        float[] values = new float[N], expected = new float[N];
        try (Backend host = Backend.open(BackendKind.CUDA)) {
          Sample hs = est.forward(host, th, ROWS, ARITY, key, values);
          est.backward(hs, g, expected);
        }
        assertArrayEquals(values, copy(oneHot, N), est.name() + " values");
        assertArrayEquals(expected, copy(grad, N), est.name() + " gradient");
      }
    }
  }

  @Test
  void reinforceOnTheDeviceUpdatesItsBaseline() {
    try (CudaDevice cuda = open();
        Backend host = Backend.open(BackendKind.CUDA);
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(ROWS);
        DeviceBuffer losses = cuda.allocateFloats(ROWS);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream stream = cuda.createStream()) {
      float[] f = TestData.gaussian(new SplittableRandom(5), ROWS);
      losses.copyFrom(f);
      RunningMeanBaseline bDevice = new RunningMeanBaseline(), bHost = new RunningMeanBaseline();
      ScoreFunctionEstimator dev = Estimators.reinforce(bDevice);
      ScoreFunctionEstimator hst = Estimators.reinforce(bHost);
      float[] expected = new float[N];
      for (int step = 0; step < 3; step++) {
        dev.backward(dev.forward(cuda, logits, ROWS, ARITY, key, choice, null, stream), losses,
            grad);
        hst.backward(hst.forward(host, th, ROWS, ARITY, key, null), f, expected);
        stream.synchronize();
        assertArrayEquals(expected, copy(grad, N), "step " + step);
        assertEquals(bHost.value(), bDevice.value());
      }
    }
  }

  @Test
  void theSuccessorsDeviceStepsGiveTheHostPathResults() {
    try (CudaDevice cuda = open();
        Backend host = Backend.open(BackendKind.CUDA);
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(5L * ROWS);
        DeviceBuffer values = cuda.allocateFloats(5L * N);
        DeviceBuffer upstream = cuda.allocateFloats(N).copyFrom(g);
        DeviceBuffer losses = cuda.allocateFloats(5L * ROWS);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream stream = cuda.createStream()) {
      for (PathwiseEstimator est : new PathwiseEstimator[] {Estimators.zgr(),
          Estimators.reinMax(TAU), Estimators.gappedStraightThrough(TAU),
          Estimators.gappedStraightThroughP(TAU),
          Estimators.gumbelRao(K, TAU, Estimators.Derivative.TOTAL)}) {
        Sample ds = est.forward(cuda, logits, ROWS, ARITY, key, choice, values, stream);
        est.backward(ds, upstream, grad);
        stream.synchronize();
        float[] hv = new float[N], expected = new float[N];
        Sample hs = est.forward(host, th, ROWS, ARITY, key, hv);
        est.backward(hs, g, expected);
        int[] d = new int[ROWS];
        choice.slice(0, ROWS).copyTo(d);
        assertArrayEquals(hs.choices(), d, est.name() + " D");
        assertArrayEquals(hv, copy(values.slice(0, N), N), est.name() + " values");
        assertArrayEquals(expected, copy(grad, N), est.name() + " gradient");
      }
      // RLOO: five draws per row on sub-keys, their losses [draw][row]
      ScoreFunctionEstimator rloo = Estimators.rloo(5);
      float[] f = TestData.gaussian(new SplittableRandom(11), 5 * ROWS);
      losses.copyFrom(f);
      rloo.backward(rloo.forward(cuda, logits, ROWS, ARITY, key, choice, values, stream), losses,
          grad);
      stream.synchronize();
      float[] expected = new float[N];
      Sample hs = rloo.forward(host, th, ROWS, ARITY, key, null);
      rloo.backward(hs, f, expected);
      int[] d = new int[5 * ROWS];
      choice.copyTo(d);
      assertArrayEquals(hs.choices(), d, "RLOO-5 D");
      assertArrayEquals(expected, copy(grad, N), "RLOO-5 gradient");

      // the binary estimators on one logit per row (the first ROWS logits, arity 1)
      float[] eta = java.util.Arrays.copyOf(th, ROWS);
      eta[3] = Float.POSITIVE_INFINITY;
      eta[4] = Float.NEGATIVE_INFINITY;
      try (DeviceBuffer etaBuf = cuda.allocateFloats(ROWS).copyFrom(eta)) {
        PathwiseEstimator zgr = Estimators.zgrBinary();
        float[] gb = java.util.Arrays.copyOf(g, ROWS);
        zgr.backward(zgr.forward(cuda, etaBuf, ROWS, 1, key, choice, null, stream), upstream,
            grad);
        stream.synchronize();
        Sample zs = zgr.forward(host, eta, ROWS, 1, key, null);
        float[] zExpected = new float[ROWS];
        zgr.backward(zs, gb, zExpected);
        int[] b = new int[ROWS];
        choice.slice(0, ROWS).copyTo(b);
        assertArrayEquals(zs.choices(), b, "ZGR-binary b");
        assertEquals(1, b[3], "eta = +inf is a certain 1");
        assertEquals(0, b[4], "eta = -inf is a certain 0");
        assertArrayEquals(zExpected, copy(grad.slice(0, ROWS), ROWS), "ZGR-binary gradient");

        ScoreFunctionEstimator disarm = Estimators.disarm();
        disarm.backward(disarm.forward(cuda, etaBuf, ROWS, 1, key, choice, null, stream), losses,
            grad);
        stream.synchronize();
        Sample ps = disarm.forward(host, eta, ROWS, 1, key, null);
        float[] dExpected = new float[ROWS];
        disarm.backward(ps, java.util.Arrays.copyOf(f, 2 * ROWS), dExpected);
        int[] pair = new int[2 * ROWS];
        choice.slice(0, 2L * ROWS).copyTo(pair);
        assertArrayEquals(ps.choices(), pair, "DisARM b, b~");
        assertArrayEquals(dExpected, copy(grad.slice(0, ROWS), ROWS), "DisARM gradient");
      }
    }
  }

  @Test
  void theSuccessorsReportBadValuesAtSynchronize() {
    // +inf upstream at an unmasked class of row 11, NaN at a masked class of an earlier row
    // (never read: accepted)
    float[] bad = g.clone();
    int j = 0;
    while (th[11 * ARITY + j] == Float.NEGATIVE_INFINITY) j++;
    bad[11 * ARITY + j] = Float.POSITIVE_INFINITY;
    for (int i = 0; i < 11 * ARITY; i++) {
      if (th[i] == Float.NEGATIVE_INFINITY) bad[i] = Float.NaN;
    }
    try (CudaDevice cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(ROWS);
        DeviceBuffer upstream = cuda.allocateFloats(N).copyFrom(bad);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream stream = cuda.createStream()) {
      for (PathwiseEstimator est : new PathwiseEstimator[] {Estimators.zgr(),
          Estimators.reinMax(TAU), Estimators.gappedStraightThroughP(TAU),
          Estimators.gumbelRao(K, TAU, Estimators.Derivative.TOTAL)}) {
        est.backward(est.forward(cuda, logits, ROWS, ARITY, key, choice, null, stream), upstream,
            grad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            stream::synchronize, est.name());
        assertEquals("upstream: row 11 holds NaN or Infinity at an unmasked class",
            e.getMessage(), est.name());
      }
      // the binary estimators: b = 0 given at eta = +inf is impossible
      float[] eta = java.util.Arrays.copyOf(th, ROWS);
      eta[9] = Float.POSITIVE_INFINITY;
      int[] b = new int[ROWS];
      try (DeviceBuffer etaBuf = cuda.allocateFloats(ROWS).copyFrom(eta);
          DeviceBuffer bBuf = cuda.allocateInts(ROWS)) {
        bBuf.copyFrom(b);
        upstream.copyFrom(g);
        Targets.of(cuda, stream).execute(new Calls.ZgrBinaryBackward(Memory.of(etaBuf, "logits"),
            Memory.of(bBuf, "choice"), Memory.of(upstream, "upstream"), ROWS,
            Memory.of(grad, "grad")));
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
            stream::synchronize);
        assertTrue(m.getMessage().contains("row 9"), m.getMessage());
      }
    }
  }

  /** The losses stay on the GPU for RLOO and DisARM: their kernels check them. */
  @Test
  void nonFiniteLossesOnTheDeviceAreReportedAtSynchronize() {
    try (CudaDevice cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(3L * ROWS);
        DeviceBuffer values = cuda.allocateFloats(3L * N);
        DeviceBuffer losses = cuda.allocateFloats(3L * ROWS);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream stream = cuda.createStream()) {
      float[] f = new float[3 * ROWS];
      for (int i = 0; i < f.length; i++) f[i] = 0.1f * i;
      f[ROWS + 7] = Float.NaN;                       // row 7's second draw
      f[2 * ROWS + 12] = Float.POSITIVE_INFINITY;    // row 12's third
      losses.copyFrom(f);
      ScoreFunctionEstimator rloo = Estimators.rloo(3);
      rloo.backward(rloo.forward(cuda, logits, ROWS, ARITY, key, choice, values, stream), losses,
          grad);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          stream::synchronize);
      assertEquals("losses: row 7 holds NaN or Infinity (a loss of one of its draws): every "
          + "loss must be finite", e.getMessage());
      float[] eta = java.util.Arrays.copyOf(th, ROWS);
      for (int i = 0; i < ROWS; i++) if (!Float.isFinite(eta[i])) eta[i] = 0.5f;
      f[ROWS + 7] = 0;
      f[5] = Float.NEGATIVE_INFINITY;                // f(b) of row 5
      losses.copyFrom(f);
      try (DeviceBuffer etaBuf = cuda.allocateFloats(ROWS).copyFrom(eta)) {
        ScoreFunctionEstimator disarm = Estimators.disarm();
        disarm.backward(disarm.forward(cuda, etaBuf, ROWS, 1, key, choice, null, stream), losses,
            grad);
        e = assertThrows(IllegalArgumentException.class, stream::synchronize);
        assertTrue(e.getMessage().startsWith("losses: row 5 holds NaN or Infinity"),
            e.getMessage());
      }
    }
  }

  @Test
  void viewsOfOtherCodesMemoryAndTheDefaultStream() {
    try (CudaDevice cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(ROWS);
        DeviceBuffer upstream = cuda.allocateFloats(N).copyFrom(g);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream legacy = cuda.wrapStream(0)) {
      DeviceBuffer lv = cuda.wrap(logits.address(), DeviceBuffer.Type.FLOAT32, N);
      DeviceBuffer cv = cuda.wrap(choice.address(), DeviceBuffer.Type.INT32, ROWS);
      DeviceBuffer uv = cuda.wrap(upstream.address(), DeviceBuffer.Type.FLOAT32, N);
      DeviceBuffer gv = cuda.wrap(grad.address(), DeviceBuffer.Type.FLOAT32, N);
      assertFalse(lv.ownsMemory());
      GR.backward(GR.forward(cuda, lv, ROWS, ARITY, key, cv, null, legacy), uv, gv);
      legacy.synchronize();
      assertArrayEquals(hostGumbelRao(null), copy(grad, N));
      lv.close(); // a view frees nothing: the owner's buffer still works
      assertEquals(th[5], copy(logits, N)[5]);
      assertFalse(legacy.ownsStream());
    }
  }

  @Test
  void badValuesAreReportedAtSynchronizeNamingTheArgument() {
    try (CudaDevice cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(N);
        DeviceBuffer choice = cuda.allocateInts(ROWS);
        DeviceBuffer upstream = cuda.allocateFloats(N).copyFrom(g);
        DeviceBuffer grad = cuda.allocateFloats(N);
        DeviceBuffer noise = cuda.allocateFloats(2L * N);
        CudaStream stream = cuda.createStream()) {
      float[] bad = th.clone();
      bad[7 * ARITY + 3] = Float.NaN;
      bad[900 * ARITY] = Float.POSITIVE_INFINITY;
      logits.copyFrom(bad);
      GR.backward(GR.forward(cuda, logits, ROWS, ARITY, key, choice, null, stream), upstream,
          grad);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          stream::synchronize);
      assertEquals("logits: row 7 contains NaN", e.getMessage());
      stream.synchronize(); // the word was reset
      int[] badChoice = TestData.choices(new SplittableRandom(1), th, ROWS, ARITY);
      badChoice[42] = ARITY;
      logits.copyFrom(th);
      choice.copyFrom(badChoice);
      cuda.conditionalGumbel(logits, choice, ROWS, ARITY, 2, key, noise, stream);
      e = assertThrows(IllegalArgumentException.class, stream::synchronize);
      assertTrue(e.getMessage().startsWith("choice: row 42 is outside"), e.getMessage());
    }
  }

  @Test
  void buffersSamplesAndStreamsAreCheckedBeforeLaunching() {
    try (CudaDevice cuda = open();
        DeviceBuffer small = cuda.allocateFloats(N - 1);
        DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
        DeviceBuffer ints = cuda.allocateInts(ROWS);
        DeviceBuffer grad = cuda.allocateFloats(N);
        CudaStream stream = cuda.createStream()) {
      Sample s = GR.forward(cuda, logits, ROWS, ARITY, key, ints, null, stream);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> GR.backward(s, small, grad));
      assertTrue(e.getMessage().startsWith("upstream holds " + (N - 1)), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> GR.forward(cuda, logits, ROWS, ARITY, key, logits, null, stream));
      assertTrue(e.getMessage().startsWith("choice must be a INT32 buffer"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> GR.backward(s, logits, logits));
      assertTrue(e.getMessage().startsWith("grad overlaps the memory of logits"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Estimators.gumbelRao(K + 1, TAU).backward(s, grad, small));
      assertTrue(e.getMessage().startsWith("sample: drawn by GR-MC50"), e.getMessage());
      // a later forward pass into the same choice buffer retires this sample's D
      GR.forward(cuda, logits, ROWS, ARITY, key.derive(1), ints, null, stream);
      e = assertThrows(IllegalArgumentException.class,
          () -> GR.backward(s, cuda.allocateFloats(N), grad));
      assertTrue(e.getMessage().contains("choice buffer was written again"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> ints.copyFrom(new float[1]));
      assertThrows(IllegalArgumentException.class, () -> small.copyFrom(th));
      assertThrows(IllegalArgumentException.class,
          () -> cuda.wrap(0, DeviceBuffer.Type.FLOAT32, 4));
      CudaStream closedStream = cuda.createStream();
      closedStream.close();
      assertThrows(IllegalStateException.class,
          () -> GR.forward(cuda, logits, ROWS, ARITY, key, ints, null, closedStream));
      DeviceBuffer closed = cuda.allocateFloats(4);
      closed.close();
      assertThrows(IllegalStateException.class, closed::address);
      stream.synchronize();
    }
  }

  @Test
  void severalThreadsEachOnItsOwnStream() throws Exception {
    try (CudaDevice cuda = open()) {
      float[] expected = hostGumbelRao(null);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(pool.submit(() -> {
            try (DeviceBuffer logits = cuda.allocateFloats(N).copyFrom(th);
                DeviceBuffer choice = cuda.allocateInts(ROWS);
                DeviceBuffer upstream = cuda.allocateFloats(N).copyFrom(g);
                DeviceBuffer grad = cuda.allocateFloats(N);
                CudaStream stream = cuda.createStream()) {
              for (int i = 0; i < 5; i++) {
                GR.backward(GR.forward(cuda, logits, ROWS, ARITY, key, choice, null, stream),
                    upstream, grad);
              }
              stream.synchronize();
              return copy(grad, N);
            }
          }));
        }
        for (Future<float[]> f : results) assertArrayEquals(expected, f.get());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void jcudaPointersAndStreams() {
    try (CudaDevice cuda = open()) {
      try {
        JCuda.setExceptionsEnabled(true);
        JCuda.cudaSetDevice(0);
      } catch (Throwable t) {
        assumeTrue(false, "JCuda does not load here: " + t);
      }
      CUdeviceptr logits = new CUdeviceptr(), upstream = new CUdeviceptr();
      CUdeviceptr grad = new CUdeviceptr(), choice = new CUdeviceptr();
      cudaStream_t jstream = new cudaStream_t();
      JCuda.cudaMalloc(logits, (long) N * Sizeof.FLOAT);
      JCuda.cudaMalloc(upstream, (long) N * Sizeof.FLOAT);
      JCuda.cudaMalloc(grad, (long) N * Sizeof.FLOAT);
      JCuda.cudaMalloc(choice, (long) ROWS * Sizeof.INT);
      JCuda.cudaStreamCreate(jstream);
      try (CudaStream stream = JCudaInterop.stream(cuda, jstream)) {
        JCuda.cudaMemcpy(logits, Pointer.to(th), (long) N * Sizeof.FLOAT,
            cudaMemcpyKind.cudaMemcpyHostToDevice);
        JCuda.cudaMemcpy(upstream, Pointer.to(g), (long) N * Sizeof.FLOAT,
            cudaMemcpyKind.cudaMemcpyHostToDevice);
        Sample s = GR.forward(cuda, JCudaInterop.floats(cuda, logits, N), ROWS, ARITY, key,
            JCudaInterop.ints(cuda, choice, ROWS), null, stream);
        GR.backward(s, JCudaInterop.floats(cuda, upstream, N),
            JCudaInterop.floats(cuda, grad, N));
        stream.synchronize();
        float[] out = new float[N];
        JCuda.cudaMemcpy(Pointer.to(out), grad, (long) N * Sizeof.FLOAT,
            cudaMemcpyKind.cudaMemcpyDeviceToHost);
        assertArrayEquals(hostGumbelRao(null), out);
        // a pointer to Java memory is not device memory
        assertThrows(IllegalArgumentException.class,
            () -> JCudaInterop.floats(cuda, Pointer.to(th), N));
      } finally {
        JCuda.cudaStreamDestroy(jstream);
        JCuda.cudaFree(logits);
        JCuda.cudaFree(upstream);
        JCuda.cudaFree(grad);
        JCuda.cudaFree(choice);
      }
    }
  }
}
