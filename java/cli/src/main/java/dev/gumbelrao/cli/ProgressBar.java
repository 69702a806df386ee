package dev.gumbelrao.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
final class ProgressBar {
  private final PrintStream out;
  private long lastDraw;
  private int lastLength;

  ProgressBar(PrintStream out) {
    this.out = out;
  }

  void update(long done, long total, String what) {
    long now = System.nanoTime();
    boolean finished = done >= total;
    if (!finished && now - lastDraw < 100_000_000L) return;
    lastDraw = now;
    double f = total == 0 ? 1 : (double) done / total;
    int width = 30, filled = (int) Math.round(f * width);
    String line = String.format(Locale.ROOT, "\r[%s%s] %3.0f%% %s", "#".repeat(filled),
        " ".repeat(width - filled), 100 * f, what);
    out.print(line + " ".repeat(Math.max(0, lastLength - line.length())));
    lastLength = line.length();
    if (finished) out.println();
    out.flush();
  }
}
