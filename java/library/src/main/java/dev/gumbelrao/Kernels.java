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

  @Override
  void close();
}
