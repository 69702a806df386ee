package dev.gumbelrao.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Numbers for people: three significant digits and an SI prefix. */
final class Units {
  private Units() {}

  private static final String[] PREFIXES = {"", "k", "M", "G", "T"};

  /** For JMH's NaN error, which it gives below three measured iterations. */
  private static final String NOT_AVAILABLE = "n/a";

  /** 401000000 gives "401 M", 1.234e9 gives "1.23 G", 20800000 gives "20.8 M". */
  static String si(double value) {
    if (!Double.isFinite(value)) return NOT_AVAILABLE;
    if (value == 0) return "0";
    // Round first, so that 999.7 M becomes 1.00 G rather than 1000 M.
    double rounded = new BigDecimal(value).round(new MathContext(3)).doubleValue();
    int prefix = 0;
    while (prefix < PREFIXES.length - 1 && Math.abs(rounded) >= 1000) {
      rounded /= 1000;
      prefix++;
    }
    return prefix == 0 ? significant(rounded) : significant(rounded) + " " + PREFIXES[prefix];
  }

  /** Three significant digits, plain notation: 1.23, 12.3, 123. */
  static String significant(double value) {
    if (!Double.isFinite(value)) return NOT_AVAILABLE;
    double magnitude = Math.abs(value);
    int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
