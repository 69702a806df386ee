package dev.gumbelrao.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** The start of every figure of the experiments: a white image, its title and the lines under it. */
public final class Canvas {
  /** The figures' title and text fonts. */
  public static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  public static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private Canvas() {}

  /**
   * Fills {@code image} with white and returns its graphics, antialiased, drawing in black with
   * the title at (20, {@code titleY}) and {@code lines} below it in {@link #TEXT}, the first at
   * {@code firstLineY}, one every {@code lineHeight} pixels.
   */
  public static Graphics2D start(BufferedImage image, String title, int titleY, List<String> lines,
      int firstLineY, int lineHeight) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(TITLE);
    g.drawString(title, 20, titleY);
    g.setFont(TEXT);
    for (int i = 0; i < lines.size(); i++) g.drawString(lines.get(i), 20, firstLineY + lineHeight * i);
    return g;
  }
}
