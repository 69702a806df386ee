package dev.gumbelrao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The ranges of the operations: tiny and large tau, huge logits, masked classes. */
class EdgeCaseTest {
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void lowTemperatureAndHugeLogitsGiveFiniteOutputs(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(10);
      for (double scale : new double[] {1, 1e3, 1e30}) {
        for (float tau : new float[] {0.01f, 1e-6f, 1e6f}) {
          int rows = 100, arity = 12;
          float[] th = TestData.logits(rnd, rows, arity, scale, 0.2);
          float[] g = TestData.gaussian(rnd, rows * arity);
          NoiseKey key = new NoiseKey(rnd.nextLong(), 0);
          int[] d = new int[rows];
          gr.sample(th, rows, arity, key, d, null);
          float[][] outs = new float[5][rows * arity];
          Ops.gumbelRao(gr, th, d, g, rows, arity, 30, tau, key, outs[0]);
          Ops.gumbelSoftmaxBackward(gr, th, g, rows, arity, tau, key, outs[1]);
          Ops.gumbelSoftmaxForward(gr, th, rows, arity, tau, key, outs[2]);
          Ops.straightThrough(gr, th, g, rows, arity, tau, outs[3]);
          gr.conditionalGumbel(th, d, rows, arity, 1, key, outs[4]);
          for (float[] out : outs) {
            for (int i = 0; i < out.length; i++) {
              assertTrue(Float.isFinite(out[i]), "scale " + scale + " tau " + tau + ": " + out[i]);
            }
          }
          for (int i = 0; i < th.length; i++) {
            if (th[i] == Float.NEGATIVE_INFINITY) {
              for (int o = 0; o < 4; o++) assertTrue(outs[o][i] == 0f, "masked class: " + outs[o][i]);
            }
          }
        }
      }
    }
  }
}
