package dev.gumbelrao.vae;

import dev.gumbelrao.Estimator;
import dev.gumbelrao.Estimators;
import dev.gumbelrao.RunningMeanBaseline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The estimators the experiment trains with, by name: one line each, all made by the library's
 * {@link Estimators}: the paper's seven and the library's later ones (GR-MC100-total, ZGR,
 * ReinMax, GST-1.0, GST-p, RLOO-2, and at arity 2 the binary DisARM and ZGR-binary). {@link
 * Elbo} takes any estimator with one draw per row through the DJL interop, score-function
 * estimators with several draws per row (RLOO) and the binary estimators through the buffer
 * API. Hard samples and the relaxed GS are told apart by the estimator itself (the values it
 * writes).
 */
public final class VaeEstimators {
  /** Makes an estimator for one run. */
  @FunctionalInterface
  public interface Factory {
    /**
     * @param tau the temperature (ignored by estimators without one)
     * @param state the run's estimator state (REINFORCE's baseline), saved with its checkpoints
     */
    Estimator make(float tau, State state);
  }

  /**
   * One estimator of the table.
   *
   * @param tempered whether it has a temperature (the search draws one only then)
   * @param quickTau the temperature of the --quick preset, which does not search
   * @param quickLr the learning rate of the --quick preset (NaN: --lr, default 0.003)
   * @param lrRange the learning rates it searches unless --lr-range is given (null: [3e-4, 1e-2])
   * @param tauRange the temperatures it searches unless --tau-range is given (null: [0.1, 1])
   * @param arities the arities it applies to (empty: all), for binary-only estimators (DisARM)
   * @param binary whether the library's estimator is a binary one (arity 1: one logit eta per
   *     variable), applied to 2-class variables as eta = theta_1 - theta_0 (see {@link Elbo})
   */
  public record Entry(String name, boolean tempered, float quickTau, float quickLr,
      float[] lrRange, float[] tauRange, List<Integer> arities, boolean binary,
      Factory factory) {
    public boolean appliesTo(int arity) {
      return arities.isEmpty() || arities.contains(arity);
    }

    /** This entry with its own learning rates: the quick preset's and the search's range. */
    Entry learningRates(float quick, float low, float high) {
      return new Entry(name, tempered, quickTau, quick, new float[] {low, high}, tauRange,
          arities, binary, factory);
    }

    /** This entry with its own temperatures searched. */
    Entry temperatures(float low, float high) {
      return new Entry(name, tempered, quickTau, quickLr, lrRange, new float[] {low, high},
          arities, binary, factory);
    }

    /**
     * This entry as a binary estimator on 2-class variables only: the library's arity-1
     * estimator sees eta = theta_1 - theta_0 and its b is the class (1: class 1).
     */
    Entry binaryOnly() {
      return new Entry(name, tempered, quickTau, quickLr, lrRange, tauRange, List.of(2), true,
          factory);
    }
  }

  /**
   * The state an estimator keeps between steps, which a resumed run must restore: REINFORCE's
   * running-mean baseline. The library's baseline has no setter; its first update sets it to
   * the value given, after which it evolves exactly as the interrupted one would have.
   */
  public static final class State {
    private final RunningMeanBaseline baseline;

    public State() {
      baseline = new RunningMeanBaseline();
    }

    /** The state of a checkpoint: the baseline's value after {@code updates} updates. */
    State(double baselineValue, long updates) {
      baseline = new RunningMeanBaseline();
      if (updates > 0) baseline.update(baselineValue);
    }

    public RunningMeanBaseline baseline() {
      return baseline;
    }
  }

  // The paper's Table 2 estimators. quickTau: the paper's average best temperatures for ST-GS
  // (0.65) and GR-MC1000 (0.35), used for every GR-MCK; 0.5 for GS and ST (our choice).
  // REINFORCE's own learning rates: in pilot runs (16-ary, B = 20, 3000 steps) it saturated q
  // (a deterministic code the decoder ignores, 240 nats) at 3e-4, 1e-3 and 3e-3, and learned at
  // 1e-4 (195 nats); the pathwise estimators learned at 3e-3 (123-130 nats).
  private static final Map<String, Entry> TABLE = table(
      entry("GS", true, 0.5f, (tau, s) -> Estimators.gumbelSoftmax(tau)),
      entry("REINFORCE", false, 1f, (tau, s) -> Estimators.reinforce(s.baseline()))
          .learningRates(1e-4f, 1e-5f, 3e-4f),
      entry("ST", true, 0.5f, (tau, s) -> Estimators.straightThrough(tau)),
      entry("ST-GS", true, 0.65f, (tau, s) -> Estimators.straightThroughGumbelSoftmax(tau)),
      entry("GR-MC10", true, 0.35f, (tau, s) -> Estimators.gumbelRao(10, tau)),
      entry("GR-MC100", true, 0.35f, (tau, s) -> Estimators.gumbelRao(100, tau)),
      entry("GR-MC1000", true, 0.35f, (tau, s) -> Estimators.gumbelRao(1000, tau)),
      // The library's later estimators (every one that applies to categorical latents).
      // GR-MC100 with the total derivative: the toy's name for it (GR-MCK-total).
      entry("GR-MC100-total", true, 0.35f, (tau, s) -> Estimators.gumbelRao(100, tau,
          Estimators.Derivative.TOTAL)),
      entry("ZGR", false, 1f, (tau, s) -> Estimators.zgr()),
      // ReinMax: its authors' wrapper refuses tau < 1 and their experiments search tau >= 1.
      entry("ReinMax", true, 1f, (tau, s) -> Estimators.reinMax(tau)).temperatures(1f, 3f),
      entry("GST-1.0", true, 0.5f, (tau, s) -> Estimators.gappedStraightThrough(tau)),
      entry("GST-p", true, 0.5f, (tau, s) -> Estimators.gappedStraightThroughP(tau)),
      // RLOO with S = 2 draws per image: 2 decoder passes per step (the cost of DisARM's pair);
      // score-function estimators share REINFORCE's low learning rates, a decade wider.
      entry("RLOO-2", false, 1f, (tau, s) -> Estimators.rloo(2))
          .learningRates(1e-4f, 1e-5f, 1e-3f),
      // The binary estimators on the 2-ary model (a 2-class variable is a binary one).
      entry("DisARM", false, 1f, (tau, s) -> Estimators.disarm())
          .learningRates(1e-4f, 1e-5f, 1e-3f).binaryOnly(),
      entry("ZGR-binary", false, 1f, (tau, s) -> Estimators.zgrBinary()).binaryOnly());

  private VaeEstimators() {}

  private static Entry entry(String name, boolean tempered, float quickTau, Factory f) {
    return new Entry(name, tempered, quickTau, Float.NaN, null, null, List.of(), false, f);
  }

  private static Map<String, Entry> table(Entry... entries) {
    Map<String, Entry> m = new LinkedHashMap<>();
    for (Entry e : entries) m.put(e.name(), e);
    return m;
  }

  /** Every estimator, in the paper's row order. */
  public static List<Entry> all() {
    return new ArrayList<>(TABLE.values());
  }

  /**
   * The entries of a comma-separated list of names (case-insensitive), or all for "all".
   *
   * @throws IllegalArgumentException naming an unknown estimator and the known ones
   */
  public static List<Entry> parse(String list) {
    if (list.trim().equalsIgnoreCase("all")) return all();
    List<Entry> out = new ArrayList<>();
    for (String s : list.split(",")) {
      String name = s.trim();
      Entry e = null;
      for (Entry t : TABLE.values()) {
        if (t.name().equalsIgnoreCase(name)) e = t;
      }
      if (e == null) {
        throw new IllegalArgumentException("--estimators: unknown estimator '" + name
            + "'; known: " + String.join(", ", TABLE.keySet()) + " (or all)");
      }
      if (out.contains(e)) {
        throw new IllegalArgumentException("--estimators: " + e.name() + " is listed twice");
      }
      out.add(e);
    }
    return out;
  }

  /** The entry named {@code name}. */
  public static Entry get(String name) {
    Entry e = TABLE.get(name);
    if (e == null) e = parse(name.toUpperCase(Locale.ROOT)).get(0);
    return e;
  }
}
