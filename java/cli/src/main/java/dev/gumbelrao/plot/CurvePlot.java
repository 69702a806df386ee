package dev.gumbelrao.plot;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * The PNG of a validation measure against iteration: one panel per setting, one line per
 * estimator, plain Java2D as the toy's SimplexPlot. The y axis may be clipped some distance
 * above the lowest value of the panel (the VAE's bound: 60 nats, so that REINFORCE's curve does
 * not flatten the others; clipped points are drawn on the top edge).
 */
public final class CurvePlot {
  /** One estimator's curve: (iteration, NLL bound) points, in iteration order. */
  public record Series(String name, double[] x, double[] y) {}

  /** One panel: a title and its curves. */
  public record Panel(String title, List<Series> series) {}

  private static final int W = 520, H = 380, LEFT = 70, GAP = 40, LEGEND = 200;
  /** The y axis: its label and how far above the panel's lowest value it is clipped. */
  public record YAxis(String label, double clip) {}

  /** The VAE's axis: the validation bound, clipped 60 nats above the best. */
  public static final YAxis NLL_BOUND = new YAxis("valid NLL bound (nats)", 60);
  private static final Color[] COLOURS = {
    new Color(31, 119, 180), new Color(214, 39, 40), new Color(127, 127, 127),
    new Color(255, 127, 14), new Color(44, 160, 44), new Color(148, 103, 189),
    new Color(140, 86, 75), new Color(227, 119, 194), new Color(23, 190, 207),
    new Color(188, 189, 34), new Color(0, 0, 0), new Color(100, 100, 255)};

  /** Solid for the first round of colours, then dashed, then dotted: 36 distinct series. */
  private static BasicStroke stroke(int k, float width) {
    int round = k / COLOURS.length % 3;
    if (round == 0) return new BasicStroke(width);
    float[] dash = round == 1 ? new float[] {9, 5} : new float[] {2, 4};
    return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, dash, 0);
  }

  private CurvePlot() {}

  /** {@link #write(List, String, String, Path, YAxis)} on the VAE's axis. */
  public static void write(List<Panel> panels, String title, String subtitle, Path png)
      throws IOException {
    write(panels, title, subtitle, png, NLL_BOUND);
  }

  public static void write(List<Panel> panels, String title, String subtitle, Path png,
      YAxis axis) throws IOException {
    if (panels.isEmpty()) throw new IllegalArgumentException("nothing to plot");
    Set<String> names = new LinkedHashSet<>();
    for (Panel p : panels) for (Series s : p.series()) names.add(s.name());
    List<String> legend = new ArrayList<>(names);
    Set<String> clipped = new LinkedHashSet<>();
    for (Panel p : panels) clipped.addAll(clippedIn(p, axis.clip()));
    int cols = Math.min(2, panels.size()), rows = (panels.size() + cols - 1) / cols;
    int width = LEFT + cols * (W + GAP) + LEGEND;
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    pg.setFont(Canvas.TEXT);
    List<String> sub = wrap(subtitle, pg.getFontMetrics(), width - 40);
    pg.dispose();
    int top = 60 + 16 * sub.size() + 10;
    int height = top + rows * (H + GAP) + 20;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.start(image, title, 26, sub, 46, 16);
    for (int i = 0; i < panels.size(); i++) {
      int x0 = LEFT + (i % cols) * (W + GAP), y0 = top + (i / cols) * (H + GAP);
      panel(g, panels.get(i), legend, x0, y0, axis);
    }
    int lx = LEFT + cols * (W + GAP), ly = top + 10;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int k = 0; k < legend.size(); k++) {
      g.setColor(COLOURS[k % COLOURS.length]);
      g.setStroke(stroke(k, 2.5f));
      g.drawLine(lx, ly + 18 * k, lx + 24, ly + 18 * k);
      g.setColor(Color.BLACK);
      g.drawString(legend.get(k) + (clipped.contains(legend.get(k)) ? " (clipped)" : ""),
          lx + 30, ly + 18 * k + 4);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  /** The lowest finite value of a panel: the y axis runs from it to at most the clip above. */
  private static double low(Panel p) {
    double ymin = Double.POSITIVE_INFINITY;
    for (Series s : p.series()) for (double y : s.y()) if (Double.isFinite(y)) ymin = Math.min(ymin, y);
    return ymin;
  }

  private static Set<String> clippedIn(Panel p, double clip) {
    Set<String> out = new LinkedHashSet<>();
    double ymin = low(p);
    for (Series s : p.series()) {
      for (double y : s.y()) if (Double.isFinite(y) && y > ymin + clip) out.add(s.name());
    }
    return out;
  }

  /** Words of {@code text} in lines no wider than {@code width} pixels. */
  private static List<String> wrap(String text, FontMetrics fm, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String w : text.split(" ")) {
      String next = line.length() == 0 ? w : line + " " + w;
      if (fm.stringWidth(next) > width && line.length() > 0) {
        lines.add(line.toString());
        line = new StringBuilder(w);
      } else {
        line = new StringBuilder(next);
      }
    }
    if (line.length() > 0) lines.add(line.toString());
    return lines;
  }

  private static void panel(Graphics2D g, Panel p, List<String> legend, int x0, int y0,
      YAxis axis) {
    double xmax = 1, ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
    for (Series s : p.series()) {
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.y()[i])) continue;
        xmax = Math.max(xmax, s.x()[i]);
        ymin = Math.min(ymin, s.y()[i]);
        ymax = Math.max(ymax, s.y()[i]);
      }
    }
    if (!Double.isFinite(ymin)) {
      ymin = 0;
      ymax = 1;
    }
    ymax = Math.min(ymax, ymin + axis.clip());
    double pad = Math.max(0.5, 0.05 * (ymax - ymin));
    double lo = Math.floor(ymin - pad), hi = Math.ceil(ymax + pad);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.drawString(p.title(), x0, y0 - 8);
    g.setColor(new Color(245, 245, 245));
    g.fillRect(x0, y0, W, H);
    g.setColor(Color.DARK_GRAY);
    g.setStroke(new BasicStroke(1f));
    g.drawRect(x0, y0, W, H);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int k = 0; k <= 5; k++) {
      double yv = lo + (hi - lo) * k / 5;
      int yy = y0 + H - (int) Math.round(H * k / 5.0);
      g.setColor(new Color(220, 220, 220));
      g.drawLine(x0 + 1, yy, x0 + W - 1, yy);
      g.setColor(Color.DARK_GRAY);
      right(g, String.format(Locale.ROOT, "%.1f", yv), x0 - 4, yy + 4);
      double xv = xmax * k / 5;
      int xx = x0 + (int) Math.round(W * k / 5.0);
      centred(g, String.format(Locale.ROOT, "%,.0f", xv), xx, y0 + H + 14);
    }
    centred(g, "iteration", x0 + W / 2, y0 + H + 28);
    g.drawString(axis.label(), x0 + 4, y0 + 14);
    for (Series s : p.series()) {
      int k = legend.indexOf(s.name());
      g.setColor(COLOURS[k % COLOURS.length]);
      g.setStroke(stroke(k, 2f));
      Path2D path = new Path2D.Double();
      boolean started = false;
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.y()[i])) continue;
        double px = x0 + W * s.x()[i] / xmax;
        double py = y0 + H - H * (Math.min(s.y()[i], hi) - lo) / (hi - lo);
        if (!started) path.moveTo(px, py);
        else path.lineTo(px, py);
        started = true;
        g.fillOval((int) px - 2, (int) py - 2, 5, 5);
      }
      g.draw(path);
    }
  }

  private static void centred(Graphics2D g, String s, int x, int y) {
    FontMetrics fm = g.getFontMetrics();
    g.drawString(s, x - fm.stringWidth(s) / 2, y);
  }

  private static void right(Graphics2D g, String s, int x, int y) {
    FontMetrics fm = g.getFontMetrics();
    g.drawString(s, x - fm.stringWidth(s), y);
  }
}
