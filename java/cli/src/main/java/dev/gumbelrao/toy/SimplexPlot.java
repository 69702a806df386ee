package dev.gumbelrao.toy;

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
 * The PNG of the toy experiment: log10 tr Cov(ST-GS) - log10 tr Cov(GR-MCK) over the simplex, one
 * panel per temperature (columns) and per Gumbel-Rao estimator (rows), on one diverging colour
 * scale centred at 0 (red: Gumbel-Rao has the lower variance). Each grid point is drawn as the
 * hexagon of the triangular lattice around it, so the panels tile the simplex.
 */
public final class SimplexPlot {
  private static final int PANEL = 300, SIDE = 250, LEFT = 120, TOP = 80, BAR = 110, BOTTOM = 30;
  private static final double SQRT3 = Math.sqrt(3);

  private SimplexPlot() {}

  public static void write(ToyResult result, Path png) throws IOException {
    int stgs = result.indexOf("ST-GS");
    if (stgs < 0) throw new IllegalArgumentException("the run has no ST-GS to compare against");
    List<Integer> rows = new ArrayList<>();
    List<ToyEstimator> es = result.config().estimators();
    for (int e = 0; e < es.size(); e++) {
      if (es.get(e).kind() == ToyEstimator.Kind.GUMBEL_RAO) rows.add(e);
    }
    if (rows.isEmpty()) throw new IllegalArgumentException("the run has no Gumbel-Rao estimator");
    float[] taus = result.config().taus();
    int np = result.points().size();

    double range = 0;
    for (int t = 0; t < taus.length; t++) {
      for (int e : rows) {
        for (int p = 0; p < np; p++) range = Math.max(range, Math.abs(diff(result, t, e, stgs, p)));
      }
    }
    range = range == 0 ? 1 : range;

    int width = LEFT + taus.length * PANEL + BAR, height = TOP + rows.size() * PANEL + BOTTOM;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString("log10 tr Cov(ST-GS) - log10 tr Cov(GR-MCK) over the simplex "
        + "(red: Gumbel-Rao has lower variance)", 20, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(String.format(Locale.ROOT, "%d grid points, %d draws each, seed %d, %s", np,
        result.config().draws(), result.config().seed(), result.backend()), 20, 48);

    int grid = result.config().grid();
    double radius = SIDE / (double) grid / SQRT3;
    for (int t = 0; t < taus.length; t++) {
      int x0 = LEFT + t * PANEL + (PANEL - SIDE) / 2;
      centred(g, "tau = " + taus[t], LEFT + t * PANEL + PANEL / 2, TOP - 8, Font.BOLD);
      for (int row = 0; row < rows.size(); row++) {
        int e = rows.get(row);
        int y0 = TOP + row * PANEL + (PANEL + (int) (SIDE * SQRT3 / 2)) / 2;
        if (t == 0) {
          g.setColor(Color.BLACK);
          g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
          g.drawString(es.get(e).name(), 12, y0 - (int) (SIDE * SQRT3 / 4));
        }
        for (int p = 0; p < np; p++) {
          double[] pt = result.points().get(p);
          double cx = x0 + SIDE * (pt[1] + pt[2] / 2), cy = y0 - SIDE * SQRT3 / 2 * pt[2];
          g.setColor(colour(diff(result, t, e, stgs, p) / range));
          g.fill(hexagon(cx, cy, radius));
        }
        Path2D outline = new Path2D.Double();
        outline.moveTo(x0, y0);
        outline.lineTo(x0 + SIDE, y0);
        outline.lineTo(x0 + SIDE / 2.0, y0 - SIDE * SQRT3 / 2);
        outline.closePath();
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.draw(outline);
        // the vertices: p = e_1, e_2, e_3
        centred(g, "p = e1", x0, y0 + 14, Font.PLAIN);
        centred(g, "p = e2", x0 + SIDE, y0 + 14, Font.PLAIN);
        centred(g, "p = e3", x0 + SIDE / 2, (int) (y0 - SIDE * SQRT3 / 2) - 4, Font.PLAIN);
      }
    }
    colourBar(g, LEFT + taus.length * PANEL + 20, TOP + 10, rows.size() * PANEL - 40, range);
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static double diff(ToyResult r, int t, int e, int stgs, int p) {
    return r.logTraceCov(t, stgs, p) - r.logTraceCov(t, e, p);
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

  private static void colourBar(Graphics2D g, int x, int y, int h, double range) {
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
      g.drawString(String.format(Locale.ROOT, "%+.2f", v), x + 25, ty + 4);
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
