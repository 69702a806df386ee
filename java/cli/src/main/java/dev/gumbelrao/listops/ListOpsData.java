package dev.gumbelrao.listops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded generator of the ListOps data set (Nangia &amp; Bowman 2018), following the rules of
 * the published generator {@code python/spinn/data/listops/make_data.py} of nyu-mll/spinn, so that
 * the latent-tree experiments can make their data here instead of downloading it.
 *
 * <p>The rules (see {@code java/cli/LISTOPS-DATA.md} for the line numbers): the operators are
 * {@code [MIN}, {@code [MAX}, {@code [MED} (the median, {@code int(np.median)}: for an even count
 * the mean of the two middle values truncated) and {@code [SM} (the sum modulo 10), over the
 * digits 0 to 9. A node at depth below {@link #MAX_DEPTH} (the root is at depth 1) is an operator
 * with probability {@link #OPERATOR_P} = 0.25 (spinn's {@code VALUE_P}: its node is a digit when
 * {@code random() > VALUE_P}) and otherwise a uniform digit; a node at depth {@link #MAX_DEPTH} is
 * always a digit. An operator has a uniform number of arguments from {@link #MIN_ARGS} to
 * {@link #MAX_ARGS}, each drawn by the same rule one level deeper, and then a uniform operator.
 * The root may itself be a bare digit.
 *
 * <p>The random stream is {@link SplittableRandom}'s, not Python's {@code random}, so the examples
 * differ from the released files but follow the same distribution per draw; the splits' length
 * distribution also depends on how many unique expressions are drawn (see {@link #generate}).
 */
public final class ListOpsData {
  /** The probability that a node above the maximum depth is an operator (spinn's VALUE_P). */
  public static final double OPERATOR_P = 0.25;
  /** The fewest arguments of an operator ({@code random.randint(2, MAX_ARGS)}). */
  public static final int MIN_ARGS = 2;
  /** The most arguments of an operator (spinn's MAX_ARGS, inclusive). */
  public static final int MAX_ARGS = 5;
  /** The deepest level of a tree, the root being level 1: a node there is always a digit. */
  public static final int MAX_DEPTH = 20;
  /** The number of classes: the value of an expression is a digit. */
  public static final int NUM_LABELS = 10;

  /**
   * The tokens the model reads, ids 0 to 14: the digits, one token per operator opening as in
   * spinn's token form, and the closing bracket; the parentheses of the spinn string are dropped.
   */
  public static final List<String> VOCABULARY = List.of("0", "1", "2", "3", "4", "5", "6", "7",
      "8", "9", "[MIN", "[MAX", "[MED", "[SM", "]");
  /** The id of the closing bracket {@code "]"}. */
  public static final int CLOSE = 14;

  private static final Map<String, Integer> IDS = new HashMap<>();

  static {
    for (int i = 0; i < VOCABULARY.size(); i++) {
      IDS.put(VOCABULARY.get(i), i);
    }
  }

  private ListOpsData() {}

  /** The four operators of the published generator (its FIRST and LAST are commented out). */
  public enum Operator {
    MIN("[MIN"), MAX("[MAX"), MED("[MED"), SM("[SM");

    private final String token;

    Operator(String token) {
      this.token = token;
    }

    /** The operator's opening token, e.g. {@code "[MAX"}, as in spinn's string form. */
    public String token() {
      return token;
    }

    /** The operator's vocabulary id (10 to 13). */
    public int id() {
      return 10 + ordinal();
    }

    /**
     * The operator applied to {@code args}, as spinn's {@code to_value}: MED is
     * {@code int(np.median(args))}, so for an even count the mean of the two middle values
     * truncated toward zero (MED 1 2 = 1, MED 2 3 5 8 = 4); SM is the sum modulo 10.
     *
     * @throws IllegalArgumentException when {@code args} is empty or holds a non-digit
     */
    public int apply(int... args) {
      if (args == null || args.length == 0) {
        throw new IllegalArgumentException("args: an operator needs at least one argument");
      }
      for (int a : args) {
        if (a < 0 || a > 9) {
          throw new IllegalArgumentException("args: " + a + " is not a digit 0-9");
        }
      }
      switch (this) {
        case MIN:
          return Arrays.stream(args).min().getAsInt();
        case MAX:
          return Arrays.stream(args).max().getAsInt();
        case SM:
          return Arrays.stream(args).sum() % 10;
        default:
          int[] s = args.clone();
          Arrays.sort(s);
          int n = s.length;
          // non-negative values: integer division truncates like int() of the float median
          return (s[(n - 1) / 2] + s[n / 2]) / 2;
      }
    }
  }

  /** A ListOps expression tree: a {@link Digit} leaf or an {@link Apply} of an operator. */
  public sealed interface Tree permits Digit, Apply {}

  /**
   * A digit leaf.
   *
   * @param value the digit, 0 to 9
   */
  public record Digit(int value) implements Tree {
    /** Checks that {@code value} is a digit, so that every tree evaluates to a label. */
    public Digit {
      if (value < 0 || value > 9) {
        throw new IllegalArgumentException("value: " + value + " is not a digit 0-9");
      }
    }
  }

  /**
   * An operator applied to its arguments, in order.
   *
   * @param op the operator
   * @param args the arguments, at least one (the generator gives 2 to 5; parsed files may hold
   *     other counts, which {@link #evaluate} accepts as spinn's {@code to_value} does)
   */
  public record Apply(Operator op, List<Tree> args) implements Tree {
    /** Checks the operator and arguments and keeps an unmodifiable copy of the list. */
    public Apply {
      if (op == null) {
        throw new IllegalArgumentException("op: null");
      }
      if (args == null || args.isEmpty()) {
        throw new IllegalArgumentException("args: an operator needs at least one argument");
      }
      args = List.copyOf(args);
    }
  }

  /**
   * One example as a model reads it.
   *
   * @param tokens the vocabulary ids of the expression without its parentheses (prefix order)
   * @param label the value of the expression, 0 to 9
   * @param expression the spinn string form, with its left-branching parentheses
   */
  public record Example(int[] tokens, int label, String expression) {
    /** Checks the ids and the label and keeps a copy of {@code tokens}. */
    public Example {
      if (tokens == null || tokens.length == 0) {
        throw new IllegalArgumentException("tokens: an example needs at least one token");
      }
      for (int t : tokens) {
        if (t < 0 || t >= VOCABULARY.size()) {
          throw new IllegalArgumentException("tokens: id " + t + " is outside the vocabulary");
        }
      }
      if (label < 0 || label >= NUM_LABELS) {
        throw new IllegalArgumentException("label: " + label + " is not a digit 0-9");
      }
      if (expression == null) {
        throw new IllegalArgumentException("expression: null");
      }
      tokens = tokens.clone();
    }

    /** A copy of the token ids, so that the example stays immutable. */
    @Override
    public int[] tokens() {
      return tokens.clone();
    }

    /** The number of tokens (without parentheses): the length the max-length filter uses. */
    public int length() {
      return tokens.length;
    }

    /** The id of token {@code i}, without copying the array. */
    public int token(int i) {
      return tokens[i];
    }

    /** Equal when the token ids, the label and the expression are equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof Example e && label == e.label && Arrays.equals(tokens, e.tokens)
          && expression.equals(e.expression);
    }

    /** A hash of the token ids, the label and the expression, consistent with equals. */
    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(tokens), label, expression);
    }

    /** The released-file form {@code label TAB expression}. */
    @Override
    public String toString() {
      return label + "\t" + expression;
    }
  }

  /**
   * Train, validation and test examples, pairwise disjoint by expression.
   *
   * @param train the training examples
   * @param valid the validation examples
   * @param test the test examples
   */
  public record Splits(List<Example> train, List<Example> valid, List<Example> test) {
    /** Keeps unmodifiable copies of the three lists. */
    public Splits {
      train = List.copyOf(train);
      valid = List.copyOf(valid);
      test = List.copyOf(test);
    }
  }

  /**
   * The vocabulary id of {@code token}.
   *
   * @throws IllegalArgumentException when {@code token} is not in {@link #VOCABULARY}
   */
  public static int tokenId(String token) {
    Integer id = token == null ? null : IDS.get(token);
    if (id == null) {
      throw new IllegalArgumentException("token: '" + token + "' is not a ListOps token "
          + VOCABULARY);
    }
    return id;
  }

  /**
   * A random tree by the published rules, the root at depth 1 (spinn's
   * {@code generate_tree(1)}): the draws are made in spinn's order (the node kind, then the
   * argument count, the arguments and the operator; or the digit).
   *
   * @throws IllegalArgumentException when {@code rng} is null
   */
  public static Tree randomTree(SplittableRandom rng) {
    if (rng == null) {
      throw new IllegalArgumentException("rng: null");
    }
    return randomTree(rng, 1);
  }

  private static Tree randomTree(SplittableRandom rng, int depth) {
    double r = depth < MAX_DEPTH ? rng.nextDouble() : 1.0;
    if (r > OPERATOR_P) {
      return new Digit(rng.nextInt(10));
    }
    int n = rng.nextInt(MIN_ARGS, MAX_ARGS + 1);
    List<Tree> args = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      args.add(randomTree(rng, depth + 1));
    }
    Operator op = Operator.values()[rng.nextInt(Operator.values().length)];
    return new Apply(op, args);
  }

  /**
   * The value of {@code tree}, the label of its example, as spinn's {@code to_value}.
   *
   * @throws IllegalArgumentException when {@code tree} is null
   */
  public static int evaluate(Tree tree) {
    if (tree == null) {
      throw new IllegalArgumentException("tree: null");
    }
    if (tree instanceof Digit d) {
      return d.value();
    }
    Apply a = (Apply) tree;
    int[] v = new int[a.args().size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = evaluate(a.args().get(i));
    }
    return a.op().apply(v);
  }

  /**
   * The number of levels of {@code tree}, a digit being 1: at most {@link #MAX_DEPTH} for a
   * generated tree.
   *
   * @throws IllegalArgumentException when {@code tree} is null
   */
  public static int depth(Tree tree) {
    if (tree == null) {
      throw new IllegalArgumentException("tree: null");
    }
    if (tree instanceof Digit) {
      return 1;
    }
    int max = 0;
    for (Tree t : ((Apply) tree).args()) {
      max = Math.max(max, depth(t));
    }
    return 1 + max;
  }

  /**
   * The number of tokens of {@code tree} without parentheses: one per digit, two per operator
   * (its opening and its {@code "]"}).
   *
   * @throws IllegalArgumentException when {@code tree} is null
   */
  public static int tokenCount(Tree tree) {
    if (tree == null) {
      throw new IllegalArgumentException("tree: null");
    }
    if (tree instanceof Digit) {
      return 1;
    }
    int n = 2;
    for (Tree t : ((Apply) tree).args()) {
      n += tokenCount(t);
    }
    return n;
  }

  /**
   * The token ids of {@code tree} in prefix order, without parentheses: what the model reads.
   *
   * @throws IllegalArgumentException when {@code tree} is null
   */
  public static int[] tokens(Tree tree) {
    int[] out = new int[tokenCount(tree)];
    int end = writeTokens(tree, out, 0);
    assert end == out.length;
    return out;
  }

  private static int writeTokens(Tree tree, int[] out, int at) {
    if (tree instanceof Digit d) {
      out[at] = d.value();
      return at + 1;
    }
    Apply a = (Apply) tree;
    out[at++] = a.op().id();
    for (Tree t : a.args()) {
      at = writeTokens(t, out, at);
    }
    out[at] = CLOSE;
    return at + 1;
  }

  /**
   * The spinn string form of {@code tree} (its {@code to_string}): an operator with arguments
   * a1..an is bracketed left-branching, {@code "( ( ( [MAX a1 ) a2 ) ] )"} for two, one pair per
   * argument plus one for the closing bracket; a bare digit is just the digit.
   *
   * @throws IllegalArgumentException when {@code tree} is null
   */
  public static String toSpinnString(Tree tree) {
    if (tree == null) {
      throw new IllegalArgumentException("tree: null");
    }
    StringBuilder sb = new StringBuilder();
    writeSpinn(tree, sb);
    return sb.toString();
  }

  private static void writeSpinn(Tree tree, StringBuilder sb) {
    if (tree instanceof Digit d) {
      sb.append(d.value());
      return;
    }
    Apply a = (Apply) tree;
    sb.append("( ".repeat(a.args().size() + 1)).append(a.op().token());
    for (Tree t : a.args()) {
      sb.append(' ');
      writeSpinn(t, sb);
      sb.append(" )");
    }
    sb.append(" ] )");
  }

  /**
   * The example of {@code tree}: its token ids, its value as label, its spinn string.
   *
   * @throws IllegalArgumentException when {@code tree} is null
   */
  public static Example example(Tree tree) {
    return new Example(tokens(tree), evaluate(tree), toSpinnString(tree));
  }

  /**
   * The tree of prefix token ids (an example's tokens), to check or evaluate an example.
   *
   * @throws IllegalArgumentException when {@code tokens} is null, holds an unknown id or is not
   *     exactly one well-formed expression
   */
  public static Tree treeOf(int[] tokens) {
    if (tokens == null) {
      throw new IllegalArgumentException("tokens: null");
    }
    int[] pos = {0};
    Tree t = readTree(tokens, pos);
    if (pos[0] != tokens.length) {
      throw new IllegalArgumentException("tokens: " + (tokens.length - pos[0])
          + " tokens left after a complete expression");
    }
    return t;
  }

  private static Tree readTree(int[] tokens, int[] pos) {
    if (pos[0] >= tokens.length) {
      throw new IllegalArgumentException("tokens: the expression ends early");
    }
    int id = tokens[pos[0]++];
    if (id >= 0 && id <= 9) {
      return new Digit(id);
    }
    if (id < 10 || id > 13) {
      throw new IllegalArgumentException("tokens: id " + id + " at " + (pos[0] - 1)
          + " is not a digit or an operator");
    }
    List<Tree> args = new ArrayList<>();
    while (pos[0] < tokens.length && tokens[pos[0]] != CLOSE) {
      args.add(readTree(tokens, pos));
    }
    if (pos[0] >= tokens.length) {
      throw new IllegalArgumentException("tokens: an operator is not closed by ']'");
    }
    pos[0]++;
    if (args.isEmpty()) {
      throw new IllegalArgumentException("tokens: an operator without arguments");
    }
    return new Apply(Operator.values()[id - 10], args);
  }

  /**
   * The tree of a spinn string form, e.g. {@code "( ( ( [MAX 2 ) 9 ) ] )"}.
   *
   * @throws IllegalArgumentException when {@code expression} is null, holds an unknown token, is
   *     not one well-formed expression, or is not bracketed exactly as spinn's {@code to_string}
   */
  public static Tree parseExpression(String expression) {
    if (expression == null) {
      throw new IllegalArgumentException("expression: null");
    }
    String norm = String.join(" ", expression.trim().split("\\s+"));
    List<Integer> ids = new ArrayList<>();
    for (String s : norm.split(" ")) {
      if (!s.equals("(") && !s.equals(")")) {
        ids.add(tokenId(s));
      }
    }
    Tree t = treeOf(ids.stream().mapToInt(Integer::intValue).toArray());
    if (!toSpinnString(t).equals(norm)) {
      throw new IllegalArgumentException("expression: not bracketed as spinn's to_string: "
          + abbreviate(norm));
    }
    return t;
  }

  /**
   * The example of a line of a released file, {@code "label TAB expression"}, keeping the
   * released label (not the evaluated one) so that the two can be compared.
   *
   * @throws IllegalArgumentException when {@code spinnLine} is null, has no tab, a label that is
   *     not a digit, or an expression {@link #parseExpression} refuses
   */
  public static Example parse(String spinnLine) {
    if (spinnLine == null) {
      throw new IllegalArgumentException("spinnLine: null");
    }
    String line = spinnLine.strip();
    int tab = line.indexOf('\t');
    if (tab < 0) {
      throw new IllegalArgumentException("spinnLine: no tab between label and expression: "
          + abbreviate(line));
    }
    String label = line.substring(0, tab).strip();
    if (label.length() != 1 || label.charAt(0) < '0' || label.charAt(0) > '9') {
      throw new IllegalArgumentException("spinnLine: label '" + label + "' is not a digit 0-9");
    }
    Tree t = parseExpression(line.substring(tab + 1));
    return new Example(tokens(t), label.charAt(0) - '0', toSpinnString(t));
  }

  /**
   * Seeded train, validation and test splits of unique expressions of at most {@code maxLength}
   * tokens (without parentheses).
   *
   * <p>Trees are drawn by {@link #randomTree} from one {@link SplittableRandom} of {@code seed};
   * a tree is kept when it is short enough and its expression was not drawn before (spinn, too,
   * collects a set of unique expressions), until {@code train + valid + test} are kept. The kept
   * expressions are then shuffled with the same random stream and cut into the three splits in
   * that order, so the splits are disjoint and follow one distribution (filling the splits one
   * after the other would leave the later splits fewer short expressions, the short ones being
   * used up first). The result is a function of all five arguments: other sizes give other
   * splits. Uniqueness makes short expressions rarer than in single draws, the more so the more
   * examples are asked: the released test file (spinn's test_d20s.tsv) was cut from a set of
   * 100,000 (DATA_POINTS when it was committed), whose lengths a pool of 100,000 here matches,
   * while a pool of some 23,000 gives somewhat shorter expressions (java/cli/LISTOPS-DATA.md).
   *
   * @throws IllegalArgumentException when {@code maxLength} is below 1, a size is negative, all
   *     are zero, or after 200 draws per example asked too few unique expressions were found
   *     (the space of expressions of at most {@code maxLength} tokens is too small for the sizes)
   */
  public static Splits generate(long seed, int maxLength, int train, int valid, int test) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength: " + maxLength + " is below 1");
    }
    if (train < 0 || valid < 0 || test < 0) {
      throw new IllegalArgumentException("train, valid, test: sizes must not be negative, got "
          + train + ", " + valid + ", " + test);
    }
    long total = (long) train + valid + test;
    if (total == 0 || total > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("train + valid + test: " + total
          + " is not between 1 and " + Integer.MAX_VALUE / 2);
    }
    int n = (int) total;
    long maxDraws = 200L * n;
    SplittableRandom rng = new SplittableRandom(seed);
    Set<String> seen = new HashSet<>(2 * n);
    List<Example> kept = new ArrayList<>(n);
    long draws = 0;
    while (kept.size() < n) {
      if (draws == maxDraws) {
        throw new IllegalArgumentException("train + valid + test: " + n + " unique expressions"
            + " of at most " + maxLength + " tokens asked, only " + kept.size() + " found in "
            + maxDraws + " draws; ask fewer or allow longer ones (maxLength)");
      }
      draws++;
      Tree t = randomTree(rng, 1);
      if (tokenCount(t) > maxLength) {
        continue;
      }
      int[] ids = tokens(t);
      // the prefix token ids determine the spinn string, so they serve as the key
      StringBuilder key = new StringBuilder(ids.length);
      for (int id : ids) {
        key.append((char) ('a' + id));
      }
      if (seen.add(key.toString())) {
        kept.add(new Example(ids, evaluate(t), toSpinnString(t)));
      }
    }
    for (int i = n - 1; i > 0; i--) {
      Collections.swap(kept, i, rng.nextInt(i + 1));
    }
    return new Splits(kept.subList(0, train), kept.subList(train, train + valid),
        kept.subList(train + valid, n));
  }

  /**
   * A short text of the length distribution (min, median, max, counts of at most 10, 25 and 50
   * tokens without parentheses) and of the label counts of {@code examples}, for the data note
   * and for humans.
   *
   * @throws IllegalArgumentException when {@code examples} is null or empty
   */
  public static String describe(List<Example> examples) {
    if (examples == null || examples.isEmpty()) {
      throw new IllegalArgumentException("examples: null or empty");
    }
    int n = examples.size();
    int[] len = new int[n];
    int[] labels = new int[NUM_LABELS];
    for (int i = 0; i < n; i++) {
      len[i] = examples.get(i).length();
      labels[examples.get(i).label()]++;
    }
    Arrays.sort(len);
    double median = (len[(n - 1) / 2] + len[n / 2]) / 2.0;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "n=%d length min %d median %s max %d;", n, len[0],
        median == Math.rint(median) ? Integer.toString((int) median) : Double.toString(median),
        len[n - 1]));
    for (int cut : new int[] {10, 25, 50}) {
      int c = 0;
      for (int l : len) {
        c += l <= cut ? 1 : 0;
      }
      sb.append(String.format(Locale.ROOT, " <=%d: %d (%.1f%%)", cut, c, 100.0 * c / n));
      sb.append(cut == 50 ? ";" : ",");
    }
    sb.append(" labels");
    for (int k = 0; k < NUM_LABELS; k++) {
      sb.append(String.format(Locale.ROOT, " %d:%d (%.1f%%)", k, labels[k], 100.0 * labels[k]
          / n));
    }
    return sb.toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
