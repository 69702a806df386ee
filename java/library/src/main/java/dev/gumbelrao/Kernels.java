package dev.gumbelrao;

/**
 * One backend's implementation of the operations. Arguments arrive validated by
 * {@link GumbelRao}; each method returns a {@link Status}.
 */
interface Kernels extends AutoCloseable {
  Backend backend();

  /** One line: the backend and its configuration (instruction set, threads, device). */
  String description();

  long sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice, Floats oneHot);

  long conditionalGumbel(Floats logits, Ints choice, int rows, int arity, int samples,
      NoiseKey key, Floats noise);

  long gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      int samples, float tau, NoiseKey key, Floats grad);

  long gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft);

  long gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity, float tau,
      NoiseKey key, Floats grad);

  long straightThroughBackward(Floats logits, Floats upstream, int rows, int arity, float tau,
      Floats grad);

  long reinforceBackward(Floats logits, Ints choice, Floats losses, float baseline, int rows,
      int arity, Floats grad);

  // ------------------------------------------------------ the estimators beyond the paper

  /**
   * Bernoulli samples b = [eta + L > 0] (L logistic, the key's forward noise of column 0) of rows
   * binary variables with logits eta; with {@code antithetic}, also b~ = [eta - L > 0] as a
   * second draw ([draw][row]). values (optional) receives b as floats.
   */
  long binarySample(Floats logits, int rows, NoiseKey key, boolean antithetic, Ints choice,
      Floats values);

  long gumbelRaoTotalBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      int samples, float tau, NoiseKey key, Floats grad);

  long zgrBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity, Floats grad);

  long zgrBinaryBackward(Floats logits, Ints choice, Floats upstream, int rows, Floats grad);

  long reinMaxBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      float tau, Floats grad);

  /** gap &gt; 0: GST with that gap; gap = 0: GST-p (the gap from p_D). */
  long gstBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity, float tau,
      float gap, Floats grad);

  /** choice and losses [samples][rows]. */
  long rlooBackward(Floats logits, Ints choice, Floats losses, int rows, int arity, int samples,
      Floats grad);

  /** choice and losses [2][rows]: b and its antithetic b~. */
  long disarmBackward(Floats logits, Ints choice, Floats losses, int rows, Floats grad);

  @Override
  void close();
}
