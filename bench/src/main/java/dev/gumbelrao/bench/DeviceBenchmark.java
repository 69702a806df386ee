package dev.gumbelrao.bench;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.cuda.CudaDevice;
import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The CUDA backend's device-resident path ({@link CudaDevice} on DeviceBuffers): data
 * stays on the GPU, each call queues one kernel on a stream and the measured method waits for
 * the stream, so JMH times real GPU work plus the Java call overhead. The shapes are the CUDA
 * speed cases, the same ones the native harness ({@code gr_cuda_harness --bench}) times, so the
 * two compare: the difference at small sizes is the per-call cost of the Java path.
 *
 * <p>{@code shape} is {@code operation:rowsxarity:K}; tau = 0.5 as everywhere in the suite.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DeviceBenchmark {
  @Param({"gumbel-rao:1048576x16:100", "gumbel-rao:65536x16:100", "gumbel-rao:4096x8:100",
      "gumbel-rao:4096x1024:10", "gumbel-rao:4096x8:1", "sample:4194304x16:1",
      "st-gs:65536x16:1"})
  public String shape;

  private CudaDevice cuda;
  private CudaStream stream;
  private DeviceBuffer logits, upstream, choice, output, sampled;
  private String operation;
  private int rows, arity, k;
  private long elementSamplesPerCall;
  private final NoiseKey[] keys = new NoiseKey[1024];
  private PathwiseEstimator estimator;
  private Sample sample;
  private int calls;

  @Setup(Level.Trial)
  public void setUp() {
    String[] parts = shape.split(":");
    operation = parts[0];
    String[] rxn = parts[1].split("x");
    rows = Integer.parseInt(rxn[0]);
    arity = Integer.parseInt(rxn[1]);
    k = Integer.parseInt(parts[2]);
    elementSamplesPerCall = (long) rows * arity * k;
    BackendNames.requireAvailable("cuda");
    cuda = CudaDevice.open(0);
    int n = rows * arity;
    SplittableRandom random = new SplittableRandom(Shapes.SEED);
    float[] th = Shapes.standardNormal(random, n);
    int[] d = new int[rows];
    try (Backend host = Backend.open(BackendKind.CPU)) {
      host.sample(th, rows, arity, new NoiseKey(Shapes.SEED, 0), d, null);
    }
    logits = cuda.allocateFloats(n).copyFrom(th);
    upstream = cuda.allocateFloats(n).copyFrom(Shapes.standardNormal(random, n));
    choice = cuda.allocateInts(rows).copyFrom(d);
    output = cuda.allocateFloats(n);
    stream = cuda.createStream();
    for (int i = 0; i < keys.length; i++) keys[i] = new NoiseKey(Shapes.SEED, i + 1);
    if (!operation.equals("sample")) {
      estimator = operation.equals("gumbel-rao") ? Estimators.gumbelRao(k, Shapes.TAU)
          : Estimators.straightThroughGumbelSoftmax(Shapes.TAU);
      sampled = cuda.allocateInts(rows);
      sample = estimator.forward(cuda, logits, rows, arity, keys[0], sampled, null, stream);
      stream.synchronize();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    stream.close();
    for (DeviceBuffer b : new DeviceBuffer[] {logits, upstream, choice, output, sampled}) {
      if (b != null) b.close();
    }
    cuda.close();
  }

  @Benchmark
  public void deviceResidentSynchronized(ElementSamples counter) {
    NoiseKey key = keys[calls++ & (keys.length - 1)];
    if (operation.equals("sample")) {
      cuda.sample(logits, rows, arity, key, choice, null, stream);
    } else {
      estimator.backward(sample, upstream, output);  // gumbel-rao, st-gs
    }
    stream.await();
    counter.elementSamples += elementSamplesPerCall;
  }
}
