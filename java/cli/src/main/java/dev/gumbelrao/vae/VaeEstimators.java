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
 * {@link Estimators}. An estimator added to the library (ZGR, ReinMax, Gapped-ST, RLOO, DisARM,
 * Gumbel-Rao with the total derivative) joins the experiment with one {@code entry(...)} line
 * below; {@link Elbo} takes any estimator with one draw per row through the DJL interop, and
 * score-function estimators with several draws per row (RLOO) through the buffer API. Hard
 * samples and the relaxed GS are told apart by the estimator itself (the values it writes).
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
   * @param lrRange the learning rates it searches (null: --lr-range, default [3e-4, 1e-2])
   * @param arities the arities it applies to (empty: all), for binary-only estimators (DisARM)
   */
  public record Entry(String name, boolean tempered, float quickTau, float quickLr,
      float[] lrRange, List<Integer> arities, Factory factory) {
    public boolean appliesTo(int arity) {
      return arities.isEmpty() || arities.contains(arity);
    }

    /** This entry with its own learning rates: the quick preset's and the search's range. */
    Entry learningRates(float quick, float low, float high) {
      return new Entry(name, tempered, quickTau, quick, new float[] {low, high}, arities,
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
      entry("GR-MC1000", true, 0.35f, (tau, s) -> Estimators.gumbelRao(1000, tau)));

  private VaeEstimators() {}

  private static Entry entry(String name, boolean tempered, float quickTau, Factory f) {
    return new Entry(name, tempered, quickTau, Float.NaN, null, List.of(), f);
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
