package dev.gumbelrao.vae;

import java.util.List;

/**
 * What the experiment found for one estimator at one (arity, batch size): every candidate run
 * of its search, the one selected on the validation bound, that run's test bound and timings.
 *
 * @param selected index into candidates, or -1 when every candidate diverged
 * @param test the selected run's test bound, or null (not reached: interrupted, or diverged)
 */
public record CellResult(String estimator, int arity, int batch, int iterations,
    int searchIterations, List<Candidate> candidates, int selected, Evaluation test) {

  /**
   * One run of the search.
   *
   * @param selection the validation bound at the end of the search iterations (NaN: diverged)
   * @param steps the iterations it ran
   * @param divergence null, or why it stopped
   * @param msPerStep wall time of a training step (evaluations excluded)
   * @param estimatorMsPerStep the estimator's part of it (forward and backward passes)
   */
  public record Candidate(int index, float tau, float learningRate, double selection, long steps,
      String divergence, List<Evaluation> evaluations, double msPerStep,
      double estimatorMsPerStep) {}

  public Candidate chosen() {
    return selected < 0 ? null : candidates.get(selected);
  }
}
