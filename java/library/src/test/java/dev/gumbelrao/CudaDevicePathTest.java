package dev.gumbelrao;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gumbelrao.jcuda.JCudaAddresses;
import dev.gumbelrao.jcuda.JCudaGumbelRao;
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
 * The device-resident path ({@link GumbelRaoCuda}): DeviceBuffers on CudaStreams, raw addresses
 * with a DeviceStatus, JCuda pointers and streams, several threads each on its own stream, and
 * the errors of each. Results must equal the host-memory CUDA path bit for bit (same kernels).
 * Skipped, with the reason, without a CUDA device.
 */
class CudaDevicePathTest {
  private static final int ROWS = 3000, ARITY = 17, K = 50;
  private static final float TAU = 0.7f;

  private float[] th, g;
  private int[] d;
  private NoiseKey key;

  @BeforeEach
  void data() {
    SplittableRandom rnd = new SplittableRandom(77);
    th = TestData.logits(rnd, ROWS, ARITY, 1.5, 0.1);
    g = TestData.gaussian(rnd, ROWS * ARITY);
    d = TestData.choices(rnd, th, ROWS, ARITY);
    key = new NoiseKey(123, 9);
  }

  private static GumbelRaoCuda open() {
    BackendStatus cuda = Backends.status(Backend.CUDA);
    assumeTrue(cuda.available(), cuda::toString);
    return GumbelRaoCuda.open(0);
  }

  private float[] hostGumbelRao() {
    try (GumbelRao host = GumbelRao.create(Backend.CUDA)) {
      float[] out = new float[ROWS * ARITY];
      host.gumbelRaoBackward(th, d, g, ROWS, ARITY, K, TAU, key, out);
      return out;
    }
  }

  @Test
  void buffersOnAStreamGiveTheHostPathResults() {
    try (GumbelRaoCuda cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(ROWS * ARITY).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(ROWS).copyFrom(d);
        DeviceBuffer upstream = cuda.allocateFloats(ROWS * ARITY).copyFrom(g);
        DeviceBuffer grad = cuda.allocateFloats(ROWS * ARITY);
        DeviceBuffer sampled = cuda.allocateInts(ROWS);
        CudaStream stream = cuda.createStream()) {
      cuda.gumbelRaoBackward(logits, choice, upstream, ROWS, ARITY, K, TAU, key, grad, stream);
      cuda.sample(logits, ROWS, ARITY, key, sampled, null, stream);
      stream.synchronize();
      float[] out = new float[ROWS * ARITY];
      grad.copyTo(out);
      assertArrayEquals(hostGumbelRao(), out);
      int[] dGpu = new int[ROWS], dHost = new int[ROWS];
      sampled.copyTo(dGpu);
      try (GumbelRao host = GumbelRao.create(Backend.CUDA)) {
        host.sample(th, ROWS, ARITY, key, dHost, null);
      }
      assertArrayEquals(dHost, dGpu);
    }
  }

  @Test
  void rawAddressesWithAStatusWordOnTheDefaultStream() {
    try (GumbelRaoCuda cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(ROWS * ARITY).copyFrom(th);
        DeviceBuffer choice = cuda.allocateInts(ROWS).copyFrom(d);
        DeviceBuffer upstream = cuda.allocateFloats(ROWS * ARITY).copyFrom(g);
        DeviceBuffer grad = cuda.allocateFloats(ROWS * ARITY);
        DeviceStatus status = cuda.createStatus()) {
      cuda.gumbelRaoBackward(logits.address(), choice.address(), upstream.address(), ROWS, ARITY,
          K, TAU, key, grad.address(), 0, status);
      status.check(0, ARITY);
      float[] out = new float[ROWS * ARITY];
      grad.copyTo(out);
      assertArrayEquals(hostGumbelRao(), out);
    }
  }

  @Test
  void badValuesAreReportedAtSynchronizeNamingTheArgument() {
    try (GumbelRaoCuda cuda = open();
        DeviceBuffer logits = cuda.allocateFloats(ROWS * ARITY);
        DeviceBuffer choice = cuda.allocateInts(ROWS);
        DeviceBuffer upstream = cuda.allocateFloats(ROWS * ARITY).copyFrom(g);
        DeviceBuffer grad = cuda.allocateFloats(ROWS * ARITY);
        CudaStream stream = cuda.createStream()) {
      float[] bad = th.clone();
      bad[7 * ARITY + 3] = Float.NaN;
      bad[900 * ARITY] = Float.POSITIVE_INFINITY;
      logits.copyFrom(bad);
      choice.copyFrom(d);
      cuda.gumbelRaoBackward(logits, choice, upstream, ROWS, ARITY, K, TAU, key, grad, stream);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          stream::synchronize);
      assertEquals("logits: row 7 contains NaN", e.getMessage());
      stream.synchronize(); // the word was reset
      int[] badChoice = d.clone();
      badChoice[42] = ARITY;
      logits.copyFrom(th);
      choice.copyFrom(badChoice);
      cuda.gumbelRaoBackward(logits, choice, upstream, ROWS, ARITY, K, TAU, key, grad, stream);
      e = assertThrows(IllegalArgumentException.class, stream::synchronize);
      assertTrue(e.getMessage().startsWith("choice: row 42 is outside"), e.getMessage());
    }
  }

  @Test
  void bufferSizesTypesAndHandlesAreCheckedBeforeLaunching() {
    try (GumbelRaoCuda cuda = open();
        DeviceBuffer small = cuda.allocateFloats(ROWS * ARITY - 1);
        DeviceBuffer logits = cuda.allocateFloats(ROWS * ARITY).copyFrom(th);
        DeviceBuffer ints = cuda.allocateInts(ROWS).copyFrom(d);
        DeviceBuffer grad = cuda.allocateFloats(ROWS * ARITY);
        CudaStream stream = cuda.createStream()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> cuda.gumbelRaoBackward(logits, ints, small, ROWS, ARITY, K, TAU, key, grad,
              stream));
      assertTrue(e.getMessage().startsWith("upstream holds " + (ROWS * ARITY - 1)),
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> cuda.gumbelRaoBackward(logits, logits, logits, ROWS, ARITY, K, TAU, key, grad,
              stream));
      assertTrue(e.getMessage().startsWith("choice must be a INT32 buffer"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> cuda.gumbelRaoBackward(0, ints.address(), logits.address(), ROWS, ARITY, K, TAU,
              key, grad.address(), 0, null));
      assertTrue(e.getMessage().startsWith("logits must be a device address"));
      assertThrows(IllegalArgumentException.class, () -> ints.copyFrom(new float[1]));
      assertThrows(IllegalArgumentException.class, () -> small.copyFrom(th));
      // a destroyed stream handle: a CudaException, not a crash
      long stale;
      try (CudaStream s = cuda.createStream()) {
        stale = s.handle();
      }
      assertThrows(CudaException.class,
          () -> cuda.gumbelRaoBackward(logits.address(), ints.address(), logits.address(), ROWS,
              ARITY, K, TAU, key, grad.address(), stale, null));
      DeviceBuffer closed = cuda.allocateFloats(4);
      closed.close();
      assertThrows(IllegalStateException.class, closed::address);
    }
  }

  @Test
  void severalThreadsEachOnItsOwnStream() throws Exception {
    try (GumbelRaoCuda cuda = open()) {
      float[] expected = hostGumbelRao();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(pool.submit(() -> {
            try (DeviceBuffer logits = cuda.allocateFloats(ROWS * ARITY).copyFrom(th);
                DeviceBuffer choice = cuda.allocateInts(ROWS).copyFrom(d);
                DeviceBuffer upstream = cuda.allocateFloats(ROWS * ARITY).copyFrom(g);
                DeviceBuffer grad = cuda.allocateFloats(ROWS * ARITY);
                CudaStream stream = cuda.createStream()) {
              for (int i = 0; i < 5; i++) {
                cuda.gumbelRaoBackward(logits, choice, upstream, ROWS, ARITY, K, TAU, key, grad,
                    stream);
              }
              stream.synchronize();
              float[] out = new float[ROWS * ARITY];
              grad.copyTo(out);
              return out;
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
    try (GumbelRaoCuda cuda = open()) {
      try {
        JCuda.setExceptionsEnabled(true);
        JCuda.cudaSetDevice(0);
      } catch (Throwable t) {
        assumeTrue(false, "JCuda does not load here: " + t);
      }
      int n = ROWS * ARITY;
      CUdeviceptr logits = new CUdeviceptr(), upstream = new CUdeviceptr();
      CUdeviceptr grad = new CUdeviceptr(), choice = new CUdeviceptr();
      cudaStream_t stream = new cudaStream_t();
      JCuda.cudaMalloc(logits, (long) n * Sizeof.FLOAT);
      JCuda.cudaMalloc(upstream, (long) n * Sizeof.FLOAT);
      JCuda.cudaMalloc(grad, (long) n * Sizeof.FLOAT);
      JCuda.cudaMalloc(choice, (long) ROWS * Sizeof.INT);
      JCuda.cudaStreamCreate(stream);
      try (DeviceStatus status = cuda.createStatus()) {
        JCuda.cudaMemcpy(logits, Pointer.to(th), (long) n * Sizeof.FLOAT,
            cudaMemcpyKind.cudaMemcpyHostToDevice);
        JCuda.cudaMemcpy(upstream, Pointer.to(g), (long) n * Sizeof.FLOAT,
            cudaMemcpyKind.cudaMemcpyHostToDevice);
        JCuda.cudaMemcpy(choice, Pointer.to(d), (long) ROWS * Sizeof.INT,
            cudaMemcpyKind.cudaMemcpyHostToDevice);
        assertTrue(JCudaAddresses.address(logits) != 0);
        assertEquals(JCudaAddresses.address(logits) + 64,
            JCudaAddresses.address(logits.withByteOffset(64)));
        new JCudaGumbelRao(cuda).gumbelRaoBackward(logits, choice, upstream, ROWS, ARITY, K, TAU,
            key, grad, stream, status);
        status.check(JCudaAddresses.stream(stream), ARITY);
        float[] out = new float[n];
        JCuda.cudaMemcpy(Pointer.to(out), grad, (long) n * Sizeof.FLOAT,
            cudaMemcpyKind.cudaMemcpyDeviceToHost);
        assertArrayEquals(hostGumbelRao(), out);
        // a pointer to Java memory is not a device address
        assertThrows(IllegalArgumentException.class, () -> new JCudaGumbelRao(cuda)
            .gumbelRaoBackward(Pointer.to(th), choice, upstream, ROWS, ARITY, K, TAU, key, grad,
                stream, status));
      } finally {
        JCuda.cudaStreamDestroy(stream);
        JCuda.cudaFree(logits);
        JCuda.cudaFree(upstream);
        JCuda.cudaFree(grad);
        JCuda.cudaFree(choice);
      }
    }
  }
}
