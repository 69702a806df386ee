package dev.gumbelrao.vae;

/**
 * One evaluation of a run: the mean NLL bound -L_M (nats) over {@code images} images of a
 * split, after {@code step} training iterations, and the seconds it took.
 */
public record Evaluation(long step, String split, int images, int samples, double nll,
    double seconds) {}
