package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How the bound depends on M, and what M costs: the selected model of each chosen estimator in
 * every setting, on the first {@code images} test images, for each M of a list (the paper's 5000
 * among them), with the seconds each took. It measures how far the table's bound (a smaller M,
 * for time) lies from the paper's M = 5000 for these models. vae-bound-vs-M.md and .csv.
 */
public final class BoundCheck {
  private BoundCheck() {}

  public static void run(List<CellResult> cells, Experiment.Settings s, Splits data,
      Backend gr, Path out, String machine, List<Integer> samples, int images,
      List<VaeEstimators.Entry> estimators, Progress progress) throws IOException {
    StringBuilder md = new StringBuilder();
    StringBuilder csv = new StringBuilder("estimator,arity,batch,images,samples,nll_bound,"
        + "seconds,machine\n");
    md.append("# The bound against M\n\nMachine: ").append(machine).append("\n\nThe selected "
        + "model of each estimator and setting, the first ").append(images).append(" test "
        + "images, the same noise keys for every M (nats; lower is tighter; seconds in "
        + "parentheses).\n\n| estimator | setting |");
    for (int m : samples) md.append(" M = ").append(m).append(" |");
    md.append("\n|---|---|");
    for (int i = 0; i < samples.size(); i++) md.append("---|");
    md.append('\n');
    for (CellResult c : cells) {
      CellResult.Candidate k = c.chosen();
      if (k == null || c.test() == null) continue;
      if (estimators.stream().noneMatch(e -> e.name().equals(c.estimator()))) continue;
      Path file = Experiment.checkpointFile(out, c.estimator(), c.arity(), c.batch(), k.index());
      Checkpoint.State st = Checkpoint.load(file);
      if (!st.hasParameters()) continue;
      md.append("| ").append(c.estimator()).append(" | ").append(c.arity()).append("-ary B=")
          .append(c.batch()).append(" |");
      try (Trainer t = new Trainer(Experiment.config(s, data, c, k), data, gr, st)) {
        for (int m : samples) {
          progress.update(0, 1, String.format(Locale.ROOT, "bound check %s %d-ary B=%d M=%d",
              c.estimator(), c.arity(), c.batch(), m));
          Evaluation e = t.evaluate(data.test(), images, m, Trainer.TEST_KEY);
          md.append(String.format(Locale.ROOT, " %.2f (%.1f s) |", e.nll(), e.seconds()));
          csv.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%.4f,%.3f,\"%s\"%n",
              c.estimator(), c.arity(), c.batch(), images, m, e.nll(), e.seconds(),
              machine.replace("\"", "\"\"")));
        }
      }
      md.append('\n');
    }
    Files.writeString(out.resolve("vae-bound-vs-M.md"), md);
    Files.writeString(out.resolve("vae-bound-vs-M.csv"), csv);
    progress.update(1, 1, "bound check: wrote " + out.resolve("vae-bound-vs-M.md"));
  }
}
