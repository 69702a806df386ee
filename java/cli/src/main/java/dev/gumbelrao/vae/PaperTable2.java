package dev.gumbelrao.vae;

import java.util.Map;

/**
 * The paper's Table 2 (Paulus, Maddison, Krause, ICLR 2021): best test NLL bounds in nats with
 * M = 5000, selected on validation, for each estimator, arity and batch size (from
 * ../shared/paper.md).
 */
public final class PaperTable2 {
  private static final int[] ARITIES = {2, 4, 8, 16};
  private static final int[] BATCHES = {20, 200};

  // columns: 2-ary B=20, B=200, 4-ary B=20, B=200, 8-ary B=20, B=200, 16-ary B=20, B=200
  private static final Map<String, double[]> ROWS = Map.of(
      "GS", new double[] {98.2, 96.4, 95.7, 93.8, 95.5, 92.3, 96.8, 94.3},
      "REINFORCE", new double[] {202.6, 121.4, 173.7, 122.2, 203.9, 124.9, 169.4, 129.5},
      "ST", new double[] {105.5, 103.1, 106.2, 104.5, 107.2, 105.1, 108.2, 104.5},
      "ST-GS", new double[] {100.7, 97.1, 99.1, 93.7, 98.0, 92.8, 98.8, 92.6},
      "GR-MC10", new double[] {100.7, 97.4, 97.8, 93.8, 97.4, 93.1, 97.9, 92.4},
      "GR-MC100", new double[] {100.6, 96.8, 97.5, 94.0, 96.8, 92.2, 97.3, 92.4},
      "GR-MC1000", new double[] {100.5, 97.0, 97.6, 93.5, 96.5, 92.5, 96.8, 92.2});

  private PaperTable2() {}

  /** The paper's number, or NaN where it has none (an estimator or setting it did not run). */
  public static double nll(String estimator, int arity, int batch) {
    double[] row = ROWS.get(estimator);
    if (row == null) return Double.NaN;
    for (int a = 0; a < ARITIES.length; a++) {
      for (int b = 0; b < BATCHES.length; b++) {
        if (ARITIES[a] == arity && BATCHES[b] == batch) return row[2 * a + b];
      }
    }
    return Double.NaN;
  }
}
