/**
 * gumbel-rao: fused, reproducible kernels for the Gumbel-Rao gradient estimator and its peers.
 *
 * <ul>
 *   <li>{@link dev.gumbelrao} opens a backend ({@link dev.gumbelrao.Backend}) and holds the noise
 *       keys and the backends' status;
 *   <li>{@link dev.gumbelrao.estimators} holds the estimators, their registry and their samples;
 *   <li>{@link dev.gumbelrao.cuda} holds the CUDA device API: device memory, streams;
 *   <li>{@link dev.gumbelrao.djl} and {@link dev.gumbelrao.jcuda} are the optional interop with
 *       DJL's NDArrays and JCuda's pointers (their libraries are needed only when used).
 * </ul>
 *
 * The backends themselves ({@code dev.gumbelrao.backends}) are not exported.
 */
module dev.gumbelrao {
  requires org.bytedeco.javacpp;
  requires static ai.djl.api;
  requires static jcuda;

  exports dev.gumbelrao;
  exports dev.gumbelrao.estimators;
  exports dev.gumbelrao.cuda;
  exports dev.gumbelrao.djl;
  exports dev.gumbelrao.jcuda;
}
