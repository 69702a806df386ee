package dev.gumbelrao.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code listops --smoke}: the CSV of every evaluation, the table next to the paper's and the
 * figure; a second run of the same command finds its cells done and trains nothing (resume);
 * a score-function estimator is a usage error.
 */
class ListOpsCommandTest {
  private static int run(ByteArrayOutputStream out, String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void theSmokeRunWritesItsOutputsAndResumes(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, run(out, "listops", "--smoke", "--quiet", "--out", dir.toString()),
        out.toString(StandardCharsets.UTF_8));
    String csv = Files.readString(dir.resolve("listops-evaluations.csv"));
    assertTrue(csv.startsWith("estimator,max_length,tau,iteration"), csv);
    assertEquals(1 + 2 * 2, csv.strip().split("\n").length, csv);     // 2 cells, 2 evaluations
    String table = Files.readString(dir.resolve("listops-table.md"));
    assertTrue(table.contains("| ST-GS | 6 | 1.0 |") && table.contains("| GR-MC100 | 6 | 1.0 |"),
        table);
    assertTrue(table.contains("Machine: "), table);
    assertTrue(Files.size(dir.resolve("listops-validation.png")) > 1000);
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    assertEquals(0, run(again, "listops", "--smoke", "--quiet", "--out", dir.toString()));
    assertEquals(csv, Files.readString(dir.resolve("listops-evaluations.csv")));
    assertTrue(again.toString(StandardCharsets.UTF_8).contains("listops: 2 cells"),
        again.toString(StandardCharsets.UTF_8));
    Files.delete(dir.resolve("listops-table.md"));
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    assertEquals(0, run(report, "listops", "--smoke", "--report", "--out", dir.toString()));
    String rewritten = Files.readString(dir.resolve("listops-table.md"));
    assertEquals(table.substring(table.indexOf("## Test accuracy")),
        rewritten.substring(rewritten.indexOf("## Test accuracy")));
  }

  @Test
  void aScoreFunctionEstimatorIsAUsageError(@TempDir Path dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(2, run(out, "listops", "--smoke", "--estimators", "REINFORCE", "--out",
        dir.toString()));
    assertEquals(2, run(out, "listops", "--smoke", "--optimizer", "adagrad", "--out",
        dir.toString()));
  }

  /** --optimizer sgd trains (SGD with momentum) and says so in the table's settings. */
  @Test
  void sgdTrainsAndIsNamed(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, run(out, "listops", "--smoke", "--optimizer", "sgd", "--lr", "0.05",
        "--estimators", "GR-MC10", "--quiet", "--out", dir.toString()));
    String table = Files.readString(dir.resolve("listops-table.md"));
    assertTrue(table.contains("SGD with momentum 0.9 at 0.05"), table);
  }

  /** --plan times a few steps per cell, trains nothing, and sizes the cells to a budget. */
  @Test
  void thePlanSizesTheCellsToABudgetWithoutTraining(@TempDir Path dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, run(out, "listops", "--smoke", "--plan", "--plan-steps", "3",
        "--budget-minutes", "1", "--quiet", "--out", dir.toString()));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("ms / step") && text.contains("iterations per cell"), text);
    assertTrue(!Files.exists(dir.resolve("listops-evaluations.csv")), "the plan trains nothing");
  }
}
