package example;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import java.util.Arrays;

/**
 * The README's quick start: one Gumbel-Rao forward and backward pass on a batch of four
 * categorical variables, with a made-up upstream gradient in place of a network.
 */
public final class QuickStart {
  private QuickStart() {}

  // snippet: quick-start
  /** dL/dlogits of one Gumbel-Rao step on {@code kind} (AUTO: CUDA, else CPU, else JAVA). */
  public static float[] gradient(BackendKind kind) {
    int rows = 4, arity = 3;                                // 4 categorical variables, 3 classes
    float[] logits = {0.3f, -0.2f, 1f, 2f, 0f, 0f, 0f, 0f, 0f, -1f, 1f, 0.5f};
    float[] oneHot = new float[rows * arity];               // forward values: onehot(D)
    float[] upstream = new float[rows * arity];             // dL/d(oneHot): your network's
    float[] grad = new float[rows * arity];                 // dL/dlogits
    PathwiseEstimator gr = Estimators.gumbelRao(100, 0.5f); // GR-MC100 at tau = 0.5
    NoiseKey key = new NoiseStream(42).next();              // one key per training step
    try (Backend backend = Backend.open(kind)) {
      Sample d = gr.forward(backend, logits, rows, arity, key, oneHot);
      for (int i = 0; i < upstream.length; i++) upstream[i] = oneHot[i] - 0.5f;
      gr.backward(d, upstream, grad);
    }
    return grad;
  }
  // end snippet

  // snippet: noise-keys
  /** The keys of two latent layers for each of {@code steps} training steps of one run. */
  public static NoiseKey[][] layerKeys(long seed, int steps) {
    NoiseStream noise = new NoiseStream(seed);      // one seed for the run
    NoiseKey[][] keys = new NoiseKey[steps][];
    for (int s = 0; s < steps; s++) {
      NoiseKey step = noise.next();                 // one key per training step
      keys[s] = new NoiseKey[] {step.derive(1), step.derive(2)};   // one per layer
    }
    return keys;
  }
  // end snippet

  /** Prints each row's gradient on the backend AUTO chooses. */
  public static void main(String[] args) {
    float[] grad = gradient(BackendKind.AUTO);
    for (int r = 0; r < 4; r++) {
      System.out.println("row " + r + ": " + Arrays.toString(Arrays.copyOfRange(grad, 3 * r,
          3 * r + 3)));
    }
  }
}
