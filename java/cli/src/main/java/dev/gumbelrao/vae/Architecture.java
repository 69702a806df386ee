package dev.gumbelrao.vae;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of the VAE: {@code variables} categorical latents of arity {@code arity} between an
 * MLP encoder (pixels -> hidden... -> variables x arity logits) and an MLP decoder (the one-hot
 * or relaxed latents, flattened -> hidden... -> one Bernoulli logit per pixel), tanh between
 * layers, no activation on either output.
 *
 * <p>The default, {@link #standard}, is 784-512-256-(V x N) and (V x N)-256-512-784: the layer
 * sizes of the categorical VAE of Jang, Gu, Poole (2017; the Gumbel-Softmax paper's MNIST
 * experiment and its public code), the model family the paper's Table 2 compares estimators on.
 * The paper's appendix with its exact architecture could not be read (../shared/paper.md): this
 * is our choice, stated as such. The hidden layers make log p(x | D) non-linear in D (with none,
 * the decoder's first layer on one-hot latents is a table lookup).
 *
 * <p>tanh, not that model's ReLU, because ReLU did not train with the paper's optimiser: with
 * SGD with momentum 0.9 at B = 20 (ST-GS, 16-ary), ReLU networks stayed at the mean image
 * * (validation bound 200 nats, q uniform) for 2000 to 4000 steps at learning rates 0.001, 0.003 and 0.01,
 * and died (outputs constant, 242 nats) with a KL warm-up; the same model with tanh reached
 * 130 nats in 4000 steps at 0.003. tanh is also the activation of the deterministic layers in
 * the discrete-latent estimator benchmarks this line of work descends from (NVIL, MuProp,
 * REBAR, RELAX).
 */
public record Architecture(int pixels, int variables, int arity, List<Integer> encoderHidden,
    List<Integer> decoderHidden) {
  /** The total latent dimension V x N of every arity (Maddison et al. 2017; the paper). */
  public static final int LATENT = 240;
  public static final List<Integer> ENCODER_HIDDEN = List.of(512, 256);

  public Architecture {
    if (pixels < 1) throw new IllegalArgumentException("pixels must be >= 1, got " + pixels);
    if (variables < 1) {
      throw new IllegalArgumentException("variables must be >= 1, got " + variables);
    }
    if (arity < 2) throw new IllegalArgumentException("arity must be >= 2, got " + arity);
    for (int h : encoderHidden) {
      if (h < 1) throw new IllegalArgumentException("hidden sizes must be >= 1, got " + h);
    }
    for (int h : decoderHidden) {
      if (h < 1) throw new IllegalArgumentException("hidden sizes must be >= 1, got " + h);
    }
    encoderHidden = List.copyOf(encoderHidden);
    decoderHidden = List.copyOf(decoderHidden);
  }

  /**
   * The default model at {@code arity}: latent / arity variables, the encoder's hidden sizes
   * {@code hidden}, the decoder's the same reversed.
   *
   * @throws IllegalArgumentException when arity does not divide the latent dimension
   */
  public static Architecture standard(int pixels, int arity, int latent, List<Integer> hidden) {
    if (arity < 2 || latent % arity != 0) {
      throw new IllegalArgumentException("--arities: " + arity + " does not divide the latent "
          + "dimension " + latent + " (every arity has the same total, V x N = " + latent + ")");
    }
    List<Integer> reversed = new java.util.ArrayList<>(hidden);
    java.util.Collections.reverse(reversed);
    return new Architecture(pixels, latent / arity, arity, hidden, reversed);
  }

  public int latent() {
    return variables * arity;
  }

  /** For tables: "784-512-256-(15x16) / (15x16)-256-512-784, tanh". */
  public String describe() {
    String z = "(" + variables + "x" + arity + ")";
    String enc = pixels + join(encoderHidden, true) + "-" + z;
    String dec = z + join(decoderHidden, true) + "-" + pixels;
    return enc + " / " + dec + ", tanh";
  }

  private static String join(List<Integer> h, boolean leading) {
    if (h.isEmpty()) return "";
    return (leading ? "-" : "") + h.stream().map(String::valueOf).collect(Collectors.joining("-"));
  }
}
