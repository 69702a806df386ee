package dev.gumbelrao.estimators;

import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * An estimator whose backward pass takes a table of losses rather than one loss per sample:
 * IndeCateR ({@link Estimators#indecater(int)}), the Rao-Blackwellised score-function estimator
 * for independent categorical variables. For each of its {@link #draws()} forward draws n, each
 * row d (a variable) and each class k, the caller evaluates
 *
 * <pre>
 *   f_n(d, k) = the loss of draw n with row d's variable set to class k, every other variable
 *               held at draw n's classes
 * </pre>
 *
 * and passes the table laid out [draw][row][class] ({@code draws() * rows * arity} floats,
 * {@link #tableLength}); the backward pass gives dL/dtheta_dj = (1/N) sum_n p_dj (f_n(d, j) -
 * sum_k p_dk f_n(d, k)), unbiased, exact for a loss of one variable. A masked class's entries are
 * never read. The forward pass draws the N samples as RLOO's does (draw n on the sub-key
 * key.derive(n); values and choices [draw][row]), so the table's rows start from the values it
 * wrote.
 */
public sealed interface LossTableEstimator extends Estimator permits LossTable {
  /** Elements of the loss table of {@code rows} variables of {@code arity} classes. */
  default long tableLength(int rows, int arity) {
    return (long) draws() * rows * arity;
  }

  /**
   * dL/dlogits from the loss table.
   *
   * @param lossTable f_n(d, k), [draw][row][class], finite where the class is not masked
   * @param grad output, rows * arity
   */
  void backward(Sample sample, float[] lossTable, float[] grad);

  /** {@link #backward(Sample, float[], float[])} on buffers. */
  void backward(Sample sample, FloatBuffer lossTable, FloatBuffer grad);

  /** {@link #backward(Sample, float[], float[])} on device memory, on the sample's stream. */
  void backward(Sample sample, DeviceBuffer lossTable, DeviceBuffer grad);
}
