package dev.gumbelrao.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gumbelrao.vae.IdxFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vae command end to end on a small IDX data set of MNIST's layout (4 x 4 images, read with
 * --unverified): the search, the continuation of its winner, the test bound, every output file,
 * a second run that resumes (finds everything done), the timing mode, and its bad arguments.
 */
class VaeCommandTest {
  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private static String[] smoke(Path data, Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("vae", "--data", data.toString(), "--unverified",
        "--estimators", "ST-GS,REINFORCE,GS,GR-MC10", "--arities", "2,16", "--latent", "16",
        "--batch-sizes", "20", "--iterations", "24", "--search", "2", "--search-fraction", "0.5",
        "--eval-points", "3", "--eval-images", "40", "--eval-samples", "4", "--test-images", "100",
        "--test-samples", "8", "--hidden", "8", "--checkpoint-every", "5", "--out",
        out.toString(), "--quiet"));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  /** Tagged: it draws a PNG with java.desktop. */
  @Test
  @Tag("desktop")
  void trainsSearchesEvaluatesWritesAndResumes(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data"), out = tmp.resolve("out");
    IdxFiles.dataset(data, 10_600, 200, 4, 4, true);
    Run r = run(smoke(data, out, "--bound-check", "1,10", "--bound-check-images", "5"));
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("| ST-GS |"), r.out());
    String table = Files.readString(out.resolve("vae-table.md"));
    assertTrue(table.contains("Machine: "), table);
    assertTrue(table.contains("UNVERIFIED"), table);
    assertTrue(table.contains("| estimator | 2-ary B=20 | 16-ary B=20 |"), table);
    assertTrue(table.contains("(100.7) | "), "the paper's ST-GS 2-ary B=20: " + table);
    assertTrue(table.contains("(98.8) |"), "the paper's ST-GS 16-ary B=20: " + table);
    assertTrue(table.contains("## Time per training iteration"), table);
    // 4 estimators x 2 arities x 2 candidates; the winner 3 evaluations (12 of 24 and the rest),
    // the loser 2 (8, 12), the winner a test bound: 8 x (3 + 2 + 1) evaluations
    List<String> evals = Files.readAllLines(out.resolve("vae-evaluations.csv"));
    assertEquals(1 + 8 * 6, evals.size(), String.join("\n", evals));
    assertTrue(evals.get(1).endsWith("\""), "every row names the machine");
    List<String> runs = Files.readAllLines(out.resolve("vae-runs.csv"));
    assertEquals(1 + 16, runs.size());
    assertTrue(ImageIO.read(out.resolve("vae-validation.png").toFile()).getWidth() > 800);
    String bound = Files.readString(out.resolve("vae-bound-vs-M.md"));
    assertTrue(bound.contains("| M = 1 | M = 10 |"), bound);
    // a search loser keeps its record, not its weights
    long sizes = 0;
    for (int c = 0; c < 2; c++) {
      sizes += Files.size(out.resolve("checkpoints").resolve("ST-GS-a16-b20-c" + c + ".ckpt"));
    }
    long small = Math.min(Files.size(out.resolve("checkpoints").resolve("ST-GS-a16-b20-c0.ckpt")),
        Files.size(out.resolve("checkpoints").resolve("ST-GS-a16-b20-c1.ckpt")));
    assertTrue(small < 2000 && sizes > 4000, "sizes " + small + " of " + sizes);

    // the same command again finds every run done and writes the same table
    Run again = run(smoke(data, out));
    assertEquals(0, again.status(), again.err());
    assertEquals(table, Files.readString(out.resolve("vae-table.md")));
  }

  @Test
  void helpNamesEveryOption() {
    Run r = run("vae", "--help");
    assertEquals(0, r.status(), r.err());
    for (String name : VaeCommand.VALUED) assertTrue(r.out().contains("--" + name + " "), name);
    for (String name : VaeCommand.FLAGS) {
      if (!name.equals("help")) assertTrue(r.out().contains("--" + name + " "), name);
    }
  }

  /** --tau-range is every tempered estimator's, ReinMax's own range included (as --lr-range). */
  @Test
  @Tag("desktop")
  void aGivenTauRangeHoldsForEveryTemperedEstimator(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data"), out = tmp.resolve("out");
    IdxFiles.dataset(data, 10_600, 200, 4, 4, true);
    Run r = run("vae", "--data", data.toString(), "--unverified", "--estimators", "ReinMax,GS",
        "--arities", "2", "--latent", "16", "--batch-sizes", "20", "--iterations", "8",
        "--search", "3", "--tau-range", "0.2,0.3", "--eval-points", "2", "--eval-images", "20",
        "--eval-samples", "2", "--test-images", "20", "--test-samples", "2", "--hidden", "8",
        "--out", out.toString(), "--quiet");
    assertEquals(0, r.status(), r.err());
    List<String> runs = Files.readAllLines(out.resolve("vae-runs.csv"));
    assertEquals(1 + 2 * 3, runs.size(), String.join("\n", runs));
    for (String line : runs.subList(1, runs.size())) {
      double tau = Double.parseDouble(line.split(",")[5]);
      assertTrue(tau >= 0.2 - 1e-6 && tau <= 0.3 + 1e-6, line);
    }
  }

  @Test
  void timingOnlyMeasuresEveryEstimatorAndSetting(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data"), out = tmp.resolve("out");
    IdxFiles.dataset(data, 10_100, 200, 4, 4, false);
    Run r = run("vae", "--data", data.toString(), "--unverified", "--timing-only", "--timing",
        "3", "--estimators", "ST-GS,GR-MC10", "--arities", "4", "--latent", "8",
        "--batch-sizes", "5,7", "--hidden", "8", "--out", out.toString(), "--quiet");
    assertEquals(0, r.status(), r.err());
    List<String> csv = Files.readAllLines(out.resolve("vae-timing.csv"));
    assertEquals(1 + 4 + 1, csv.size(), String.join("\n", csv));
    assertTrue(csv.get(1).startsWith("ST-GS,4,5,3,"), csv.get(1));
    assertTrue(Files.readString(out.resolve("vae-timing.md")).contains("| GR-MC10 | 4-ary B=7 |"));
  }

  /**
   * --plan-only measures, prints and writes the plan and trains nothing; the run with the same
   * --out then follows that plan without measuring again.
   */
  @Test
  void planOnlyWritesThePlanThatTheRunFollows(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data"), out = tmp.resolve("out");
    IdxFiles.dataset(data, 10_100, 200, 4, 4, false);
    String[] common = {"vae", "--data", data.toString(), "--unverified", "--timing", "3",
        "--estimators", "ST-GS,DisARM", "--arities", "2", "--latent", "8", "--batch-sizes", "5",
        "--hidden", "8", "--search", "1", "--eval-points", "2", "--eval-images", "20",
        "--eval-samples", "2", "--test-images", "20", "--test-samples", "2",
        "--budget-minutes", "0.2", "--out", out.toString(), "--quiet"};
    Run plan = run(concat(common, "--plan-only"));
    assertEquals(0, plan.status(), plan.err());
    assertTrue(plan.out().contains("vae plan: B = 5: "), plan.out());
    String planned = Files.readString(out.resolve("vae-plan.txt"));
    assertTrue(planned.lines().anyMatch(l -> l.matches("iterations\\.5=[0-9]+")), planned);
    assertTrue(Files.exists(out.resolve("vae-timing.md")));
    assertTrue(!Files.exists(out.resolve("vae-table.md")), "--plan-only trained nothing");
    Run r = run(common);
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("the iterations of " + out.resolve("vae-plan.txt")), r.out());
    assertTrue(Files.readString(out.resolve("vae-table.md")).contains("| DisARM | "));
    Run bad = run("vae", "--plan-only");
    assertEquals(2, bad.status(), bad.err());
    assertTrue(bad.err().contains("--plan-only needs --budget-minutes"), bad.err());
  }

  private static String[] concat(String[] a, String... b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.addAll(List.of(b));
    return l.toArray(new String[0]);
  }

  /**
   * A batch larger than the training split, and a learning rate whose first steps diverge: each
   * refused in one line naming its option, no table of NaN bounds written. Tagged: the sound run
   * at the end draws a PNG with java.desktop.
   */
  @Test
  @Tag("desktop")
  void aBatchBeyondTheDataAndADivergingLrAreRefused(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data"), out = tmp.resolve("out");
    IdxFiles.dataset(data, 10_600, 200, 4, 4, true);
    String[] common = {"vae", "--data", data.toString(), "--unverified", "--estimators",
        "ST-GS", "--arities", "2", "--latent", "16", "--hidden", "8", "--iterations", "24",
        "--search", "1", "--eval-points", "2", "--eval-images", "40", "--eval-samples", "4",
        "--test-images", "100", "--test-samples", "8", "--out", out.toString(), "--quiet"};
    Run big = run(concat(common, "--batch-sizes", "100000"));
    assertEquals(2, big.status(), big.out() + big.err());
    assertTrue(big.err().startsWith("gumbel-rao vae: --batch-sizes: a batch of 100000 images, "
        + "the training split has "), big.err());
    Run lr = run(concat(common, "--batch-sizes", "20", "--lr", "1e30"));
    assertEquals(2, lr.status(), lr.out() + lr.err());
    assertTrue(lr.err().lines().anyMatch(l -> l.startsWith("gumbel-rao vae: --lr 1.0E30: ")
        && l.endsWith("choose a smaller --lr")), lr.err());
    assertTrue(!Files.exists(out.resolve("vae-table.md")), "a table was written");
    // the refused run left no checkpoint behind: the same --out trains at a sound rate
    Run ok = run(concat(common, "--batch-sizes", "20", "--lr", "0.003"));
    assertEquals(0, ok.status(), ok.err());
  }

  @Test
  void badArgumentsAreOneLineWithStatusTwo(@TempDir Path tmp) {
    String[][] bad = {
      {"vae", "--arities", "7"},
      {"vae", "--estimators", "ST-GS,NOPE"},
      {"vae", "--estimators", "ST,ST"},
      {"vae", "--iterations", "30:5"},
      {"vae", "--iterations", "x"},
      {"vae", "--lr-range", "0.1,0.01"},
      {"vae", "--search", "0"},
      {"vae", "--eval-images", "20000"},
      {"vae", "--data", tmp.resolve("none").toString()},
      {"vae", "--bogus"},
    };
    for (String[] args : bad) {
      Run r = run(args);
      assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
      assertEquals(1, r.err().lines().filter(l -> l.startsWith("gumbel-rao")).count(), r.err());
      assertTrue(r.err().lines().anyMatch(l -> l.startsWith("gumbel-rao vae: ")), r.err());
    }
    Run r = run("vae", "--data", tmp.resolve("none").toString());
    assertTrue(r.err().contains("--data DIR") && r.err().contains("--fetch-data"), r.err());
  }
}
