package dev.gumbelrao.bench;


import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

/**
 * The report's PNG: element-samples/s (log scale) against K (log scale), one line per arity, one
 * panel per backend (rows) and operation (columns). Operations without K (sample, ST-GS) run at
 * K = 1 only, so their panels plot against arity instead, as one line. All panels share the y
 * scale, so heights compare across backends.
 */
final class Plot {
  private Plot() {}

  private static final int PANEL_WIDTH = 400;
  private static final int PANEL_HEIGHT = 290;
  private static final int HEADER = 92;
  private static final int MARGIN_LEFT = 66;
  private static final int MARGIN_RIGHT = 14;
  private static final int MARGIN_TOP = 28;
  private static final int MARGIN_BOTTOM = 46;

  /** One colour per arity, the same in every panel (in the order of the sweep's arities). */
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };

  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
  private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
  private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

  static void write(Path png, List<Report.Case> all, Machine machine) throws IOException {
    List<Report.Case> cases = all.stream()
        .filter(c -> !c.small() && c.elementSamples() > 0).toList();
    List<String> sources = Report.SOURCES.stream()
        .filter(s -> cases.stream().anyMatch(c -> c.source().equals(s))).toList();
    // the later estimators have their own table in the report, not panels here
    List<Operation> ops = Operation.values().stream().filter(op -> !op.successor)
        .filter(op -> cases.stream().anyMatch(c -> c.operation().equals(op.id))).toList();
    List<Integer> arities = cases.stream().map(Report.Case::arity).distinct().sorted().toList();
    int columns = Math.max(1, ops.size());
    int rows = Math.max(1, sources.size());
    int width = Math.max(columns * PANEL_WIDTH, 900);
    int height = HEADER + rows * PANEL_HEIGHT;

    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);

    g.setColor(Color.BLACK);
    g.setFont(TITLE);
    g.drawString("gumbel-rao: element-samples/s (rows x arity x K per second), "
        + machine.date(), 16, 26);
    g.setFont(TEXT);
    g.drawString(machine.describe(), 16, 48);
    legend(g, arities, 16, 74);

    if (cases.isEmpty()) {
      g.drawString("no throughput results in this file", 16, HEADER + 30);
    } else {
      double yMin = Math.floor(Math.log10(cases.stream()
          .mapToDouble(Report.Case::elementSamples).min().orElseThrow()));
      double yMax = Math.ceil(Math.log10(cases.stream()
          .mapToDouble(Report.Case::elementSamples).max().orElseThrow()));
      if (yMax <= yMin) yMax = yMin + 1;
      for (int row = 0; row < sources.size(); row++) {
        for (int column = 0; column < ops.size(); column++) {
          String source = sources.get(row);
          Operation op = ops.get(column);
          List<Report.Case> panel = Report.select(cases,
              c -> c.source().equals(source) && c.operation().equals(op.id));
          if (panel.isEmpty()) continue;
          panel(g, panel, Report.sourceTitle(source) + ": " + op.title, arities, yMin, yMax,
              column * PANEL_WIDTH, HEADER + row * PANEL_HEIGHT);
        }
      }
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static void legend(Graphics2D g, List<Integer> arities, int x, int y) {
    g.setFont(TEXT);
    g.setColor(Color.BLACK);
    g.drawString("arity:", x, y);
    int at = x + g.getFontMetrics().stringWidth("arity:") + 12;
    for (int i = 0; i < arities.size(); i++) {
      g.setColor(COLORS[i % COLORS.length]);
      g.setStroke(new BasicStroke(2.5f));
      g.drawLine(at, y - 5, at + 22, y - 5);
      g.fill(new Ellipse2D.Double(at + 8, y - 8, 6, 6));
      g.setColor(Color.BLACK);
      String label = String.valueOf(arities.get(i));
      g.drawString(label, at + 27, y);
      at += 27 + g.getFontMetrics().stringWidth(label) + 18;
    }
  }

  /**
   * One panel at (left, top). x is log10 K for operations that take K, else log2 arity; y is
   * log10 element-samples/s over [yMin, yMax] decades.
   */
  private static void panel(Graphics2D g, List<Report.Case> panel, String title,
      List<Integer> arities, double yMin, double yMax, int left, int top) {
    TreeSet<Integer> ks = panel.stream().map(Report.Case::k)
        .collect(Collectors.toCollection(TreeSet::new));
    boolean againstK = Operation.of(panel.get(0).operation()).usesK;
    TreeSet<Integer> xValues = againstK ? ks : panel.stream().map(Report.Case::arity)
        .collect(Collectors.toCollection(TreeSet::new));
    double base = againstK ? 10 : 2;
    // Half a decade (or one doubling) of room at each end keeps end points off the frame.
    double pad = againstK ? 0.3 : 0.6;
    double xLo = log(xValues.first(), base) - pad;
    double xHi = log(xValues.last(), base) + pad;

    int x0 = left + MARGIN_LEFT;
    int x1 = left + PANEL_WIDTH - MARGIN_RIGHT;
    int y0 = top + PANEL_HEIGHT - MARGIN_BOTTOM;
    int y1 = top + MARGIN_TOP;
    Scale scale = new Scale(xLo, xHi, yMin, yMax, x0, x1, y0, y1, base);

    g.setFont(PANEL_TITLE);
    g.setColor(Color.BLACK);
    String heading = againstK ? title : title + " (K = " + ks.first() + ")";
    g.drawString(heading, x0, top + 18);

    g.setFont(TICKS);
    FontMetrics metrics = g.getFontMetrics();
    g.setStroke(new BasicStroke(1f));
    for (int decade = (int) yMin; decade <= (int) yMax; decade++) {
      int y = scale.y(Math.pow(10, decade));
      g.setColor(new Color(0xe4e4e4));
      g.drawLine(x0, y, x1, y);
      g.setColor(Color.DARK_GRAY);
      String label = decadeLabel(decade);
      g.drawString(label, x0 - 6 - metrics.stringWidth(label), y + 4);
    }
    for (int value : xValues) {
      int x = scale.x(value);
      g.setColor(new Color(0xe4e4e4));
      g.drawLine(x, y0, x, y1);
      g.setColor(Color.DARK_GRAY);
      String label = String.valueOf(value);
      g.drawString(label, x - metrics.stringWidth(label) / 2, y0 + 15);
    }
    g.setColor(Color.BLACK);
    g.drawRect(x0, y1, x1 - x0, y0 - y1);
    String xLabel = againstK ? "K (samples per element)" : "arity";
    g.drawString(xLabel, (x0 + x1 - metrics.stringWidth(xLabel)) / 2, y0 + 32);

    g.setStroke(new BasicStroke(2f));
    if (againstK) {
      for (int i = 0; i < arities.size(); i++) {
        int arity = arities.get(i);
        List<Report.Case> line = panel.stream().filter(c -> c.arity() == arity).toList();
        drawLine(g, line, c -> c.k(), scale, COLORS[i % COLORS.length]);
      }
    } else {
      drawLine(g, panel, c -> c.arity(), scale, Color.DARK_GRAY);
      for (Report.Case c : panel) {
        int i = arities.indexOf(c.arity());
        dot(g, scale.x(c.arity()), scale.y(c.elementSamples()), COLORS[i % COLORS.length]);
      }
    }
  }

  private interface XValue {
    int of(Report.Case c);
  }

  private static void drawLine(Graphics2D g, List<Report.Case> line, XValue x, Scale scale,
      Color color) {
    if (line.isEmpty()) return;
    List<Report.Case> sorted = new ArrayList<>(line);
    sorted.sort((a, b) -> Integer.compare(x.of(a), x.of(b)));
    Path2D path = new Path2D.Double();
    for (int i = 0; i < sorted.size(); i++) {
      Report.Case c = sorted.get(i);
      double px = scale.x(x.of(c));
      double py = scale.y(c.elementSamples());
      if (i == 0) path.moveTo(px, py);
      else path.lineTo(px, py);
    }
    g.setColor(color);
    g.draw(path);
    for (Report.Case c : sorted) dot(g, scale.x(x.of(c)), scale.y(c.elementSamples()), color);
  }

  private static void dot(Graphics2D g, int x, int y, Color color) {
    g.setColor(color);
    g.fill(new Ellipse2D.Double(x - 3.5, y - 3.5, 7, 7));
  }

  /** 10^decade as "1 M", "10 M", "100 M", "1 G". */
  private static String decadeLabel(int decade) {
    String[] prefixes = {"", " k", " M", " G", " T"};
    int group = Math.max(0, Math.min(prefixes.length - 1, Math.floorDiv(decade, 3)));
    return (long) Math.pow(10, decade - 3 * group) + prefixes[group];
  }

  private static double log(double value, double base) {
    return Math.log(value) / Math.log(base);
  }

  /** Data to pixels: x in log base {@code base}, y in log10. */
  private record Scale(double xLo, double xHi, double yLo, double yHi, int x0, int x1, int y0,
      int y1, double base) {
    int x(double value) {
      return (int) Math.round(x0 + (log(value, base) - xLo) / (xHi - xLo) * (x1 - x0));
    }

    int y(double value) {
      return (int) Math.round(y0 + (Math.log10(value) - yLo) / (yHi - yLo) * (y1 - y0));
    }
  }
}
