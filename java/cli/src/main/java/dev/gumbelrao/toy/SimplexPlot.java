package dev.gumbelrao.toy;

import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.plot.Canvas;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The PNGs of the toy experiment, one panel per temperature (columns) and per compared
 * estimator (rows), each grid point drawn as the hexagon of the triangular lattice around it so
 * the panels tile the simplex, on diverging colour scales centred at 0 (red: the row's estimator
 * is lower):
 * <ul>
 *   <li>{@link #write}: log10 tr Cov(ST-GS) - log10 tr Cov(row), every estimator of the run
 *       against ST-GS, on one scale;
 *   <li>{@link #writeMse}: log10 MSE(ST-GS) - log10 MSE(row) on one scale, then one row per K
 *       run with both derivatives, log10 MSE(GR-MCK) - log10 MSE(GR-MCK-total), on a scale of
 *       its own (their differences are small next to those against ST-GS).
 * </ul>
 * A scale spans the largest |difference| of its rows, at most {@link #CLIP} decades: beyond it
 * the colours saturate (ST's tr Cov is 100 decades below ST-GS's at tau = 0.01, which would wash
 * out every other panel). Estimators marked * are not single-evaluation comparable (RLOO-S, GS).
 */
public final class SimplexPlot {
  /** The widest colour scale, in decades. */
  static final double CLIP = 3;

  private static final int LEFT = 170, BAR = 120, BOTTOM = 30, LINE = 20;
  private static final double SQRT3 = Math.sqrt(3);

  private SimplexPlot() {}

  /** A value per (temperature, grid point). */
  private interface Value {
    double at(int tau, int point);
  }

  /** One row of panels: its label (lines split at '\n'), its value, its colour scale. */
  private record Row(String label, Value value, int scale) {}

  /** A measure of estimator e at temperature t and grid point p. */
  private interface Measure {
    double of(int t, int e, int p);
  }

  /** One row per estimator but ST-GS: its measure subtracted from ST-GS's (none without ST-GS). */
  private static List<Row> againstStGs(ToyResult result, Measure m) {
    int stgs = result.indexOf("ST-GS");
    List<Row> rows = new ArrayList<>();
    List<ToyEstimator> es = result.config().estimators();
    for (int e = 0; e < es.size() && stgs >= 0; e++) {
      if (e == stgs) continue;
      int row = e;
      rows.add(new Row(label(es.get(e)), (t, p) -> m.of(t, stgs, p) - m.of(t, row, p), 0));
    }
    return rows;
  }

  /**
   * Writes the tr Cov figure; returns false, writing nothing, when the run has no ST-GS or
   * nothing else to compare with it.
   */
  public static boolean write(ToyResult result, Path png) throws IOException {
    List<Row> rows = againstStGs(result, result::logTraceCov);
    if (rows.isEmpty()) return false;
    draw(result, png, "log10 tr Cov(ST-GS) - log10 tr Cov(row) over the simplex (red: the row's "
        + "estimator has the lower variance)", List.of(), rows);
    return true;
  }

  /**
   * Writes the MSE figure; returns false, writing nothing, when it would have no row (no ST-GS
   * and no K run with both derivatives).
   */
  public static boolean writeMse(ToyResult result, Path png) throws IOException {
    List<Row> rows = againstStGs(result, (t, e, p) -> logMse(result, t, e, p));
    List<ToyEstimator> es = result.config().estimators();
    boolean pairs = false;
    for (int e = 0; e < es.size(); e++) {
      ToyEstimator total = es.get(e), reference = total.variantOf();
      if (reference == null) continue;
      int detached = result.indexOf(reference.name());
      if (detached < 0) continue;
      int t0 = e;
      rows.add(new Row(es.get(detached).name() + "\nvs -total",
          (t, p) -> logMse(result, t, detached, p) - logMse(result, t, t0, p), 1));
      pairs = true;
    }
    if (rows.isEmpty()) return false;
    List<String> notes = new ArrayList<>();
    if (pairs) {
      notes.add("rows 'GR-MCK vs -total': log10 MSE(GR-MCK) - log10 MSE(GR-MCK-total) on their "
          + "own colour scale (red: the total derivative has the lower MSE)");
    }
    draw(result, png, result.indexOf("ST-GS") >= 0 ? "log10 MSE(ST-GS) - log10 MSE(row) over the simplex (red: the "
        + "row's estimator has the lower MSE to the exact gradient)"
        : "MSE to the exact gradient over the simplex", notes, rows);
    return true;
  }

  private static double logMse(ToyResult r, int t, int e, int p) {
    return Math.log10(Math.max(r.mse(t, e, p), Double.MIN_NORMAL));
  }

  private static String label(ToyEstimator e) {
    return e.singleEvaluation() ? e.name() : e.name() + "*";
  }

  private static void draw(ToyResult result, Path png, String title, List<String> notes,
      List<Row> rows) throws IOException {
    float[] taus = result.config().taus();
    int np = result.points().size();
    int scales = rows.stream().mapToInt(Row::scale).max().orElse(0) + 1;
    double[] range = new double[scales];
    boolean[] clipped = new boolean[scales];
    for (Row row : rows) {
      for (int t = 0; t < taus.length; t++) {
        for (int p = 0; p < np; p++) {
          double v = Math.abs(row.value.at(t, p));
          if (!Double.isFinite(v)) continue;
          if (v > CLIP) clipped[row.scale] = true;
          range[row.scale] = Math.max(range[row.scale], Math.min(v, CLIP));
        }
      }
    }
    for (int s = 0; s < scales; s++) range[s] = range[s] == 0 ? 1 : range[s];

    // smaller panels when there are many rows, so the image stays a few thousand pixels tall
    int panel = rows.size() <= 4 ? 300 : 230, side = panel - 50;
    List<String> header = new ArrayList<>();
    header.add(String.format(Locale.ROOT, "%d grid points, %d draws each, seed %d, %s", np,
        result.config().draws(), result.config().seed(), result.backend()));
    header.addAll(notes);
    List<String> marked = new ArrayList<>();
    for (ToyEstimator e : result.config().estimators()) {
      String why = e.evaluations() > 1 ? "RLOO-S evaluates f at S samples"
          : e.relaxed() ? "GS evaluates f at the relaxed y" : null;
      if (why != null && !marked.contains(why)) marked.add(why);
    }
    if (!marked.isEmpty()) {
      header.add("* not single-evaluation comparable: " + String.join(", ", marked));
    }
    for (int s = 0; s < scales; s++) {
      if (clipped[s]) {
        header.add("colours saturate beyond +-" + (int) CLIP + " decades");
        break;
      }
    }
    int top = 44 + LINE * header.size() + 30;
    int width = LEFT + taus.length * panel + BAR, height = top + rows.size() * panel + BOTTOM;
    Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    width = Math.max(width, 40
        + probe.getFontMetrics(Canvas.TITLE).stringWidth(title));
    for (String line : header) {
      width = Math.max(width, 40
          + probe.getFontMetrics(Canvas.TEXT).stringWidth(line));
    }
    probe.dispose();
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.start(image, title, 28, header, 48, LINE);

    int grid = result.config().grid();
    double radius = side / (double) grid / SQRT3;
    for (int t = 0; t < taus.length; t++) {
      int x0 = LEFT + t * panel + (panel - side) / 2;
      centred(g, "tau = " + taus[t], LEFT + t * panel + panel / 2, top - 8, Font.BOLD);
      for (int r = 0; r < rows.size(); r++) {
        Row row = rows.get(r);
        int y0 = top + r * panel + (panel + (int) (side * SQRT3 / 2)) / 2;
        if (t == 0) {
          g.setColor(Color.BLACK);
          g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
          String[] lines = row.label.split("\n");
          for (int i = 0; i < lines.length; i++) {
            g.drawString(lines[i], 12, y0 - (int) (side * SQRT3 / 4) + 18 * i);
          }
        }
        for (int p = 0; p < np; p++) {
          double[] pt = result.points().get(p);
          double cx = x0 + side * (pt[1] + pt[2] / 2), cy = y0 - side * SQRT3 / 2 * pt[2];
          g.setColor(colour(row.value.at(t, p) / range[row.scale]));
          g.fill(hexagon(cx, cy, radius));
        }
        Path2D outline = new Path2D.Double();
        outline.moveTo(x0, y0);
        outline.lineTo(x0 + side, y0);
        outline.lineTo(x0 + side / 2.0, y0 - side * SQRT3 / 2);
        outline.closePath();
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.draw(outline);
        // the vertices: p = e_1, e_2, e_3
        centred(g, "p = e1", x0, y0 + 14, Font.PLAIN);
        centred(g, "p = e2", x0 + side, y0 + 14, Font.PLAIN);
        centred(g, "p = e3", x0 + side / 2, (int) (y0 - side * SQRT3 / 2) - 4, Font.PLAIN);
      }
    }
    // one colour bar per scale, beside its rows (a scale's rows are consecutive)
    for (int s = 0; s < scales; s++) {
      int first = -1, last = -1;
      for (int r = 0; r < rows.size(); r++) {
        if (rows.get(r).scale != s) continue;
        if (first < 0) first = r;
        last = r;
      }
      if (first < 0) continue;
      colourBar(g, LEFT + taus.length * panel + 20, top + first * panel + 10,
          (last - first + 1) * panel - 40, range[s], clipped[s]);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static Path2D hexagon(double cx, double cy, double radius) {
    Path2D h = new Path2D.Double();
    for (int k = 0; k < 6; k++) {
      double a = Math.toRadians(30 + 60 * k);
      double x = cx + 1.02 * radius * Math.cos(a), y = cy + 1.02 * radius * Math.sin(a);
      if (k == 0) h.moveTo(x, y);
      else h.lineTo(x, y);
    }
    h.closePath();
    return h;
  }

  private static void centred(Graphics2D g, String s, int x, int y, int style) {
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, style, style == Font.BOLD ? 14 : 11));
    FontMetrics fm = g.getFontMetrics();
    g.drawString(s, x - fm.stringWidth(s) / 2, y);
  }

  private static void colourBar(Graphics2D g, int x, int y, int h, double range,
      boolean clipped) {
    for (int i = 0; i < h; i++) {
      g.setColor(colour(1 - 2.0 * i / (h - 1)));
      g.fillRect(x, y + i, 18, 1);
    }
    g.setColor(Color.DARK_GRAY);
    g.drawRect(x, y, 18, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int k = 0; k <= 4; k++) {
      double v = range * (1 - k / 2.0);
      int ty = y + (int) Math.round(k / 4.0 * h);
      g.drawLine(x + 18, ty, x + 22, ty);
      String text = String.format(Locale.ROOT, "%+.2f", v);
      if (clipped && k == 0) text = ">= " + text;
      if (clipped && k == 4) text = "<= " + text;
      g.drawString(text, x + 25, ty + 4);
    }
  }

  /** A red-white-blue diverging scale; v in [-1, 1]. */
  static Color colour(double v) {
    double[][] anchors = {
      {-1, 33, 102, 172}, {-0.5, 103, 169, 207}, {0, 247, 247, 247}, {0.5, 239, 138, 98},
      {1, 178, 24, 43}};
    double x = Math.max(-1, Math.min(1, Double.isNaN(v) ? 0 : v));
    for (int i = 1; i < anchors.length; i++) {
      if (x <= anchors[i][0]) {
        double[] a = anchors[i - 1], b = anchors[i];
        double f = (x - a[0]) / (b[0] - a[0]);
        return new Color((int) Math.round(a[1] + f * (b[1] - a[1])),
            (int) Math.round(a[2] + f * (b[2] - a[2])), (int) Math.round(a[3] + f * (b[3] - a[3])));
      }
    }
    return new Color(178, 24, 43);
  }
}
