package dev.gumbelrao.listops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gumbelrao.listops.ListOpsData.Apply;
import dev.gumbelrao.listops.ListOpsData.Digit;
import dev.gumbelrao.listops.ListOpsData.Example;
import dev.gumbelrao.listops.ListOpsData.Operator;
import dev.gumbelrao.listops.ListOpsData.Splits;
import dev.gumbelrao.listops.ListOpsData.Tree;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ListOpsDataTest {
  /**
   * 30 lines of the released ListOps test file, data/listops/test.tsv of github.com/chijames/GST
   * at commit 267ab3aa202d7a0cfd5b5861bd3dcad87faefd9f (blob 8e25a83b), lines 1-7, 9-15, 17, 19,
   * 21, 31, 36, 50, 57, 67, 69, 87, 190, 228, 271, 400, 4259 and 9899: the one bare digit, flat
   * lists of each operator, MED of 2 and 4 arguments, and lengths 1 to 652 tokens and depths 1
   * to 20 (lines 9, 21 and 9899 reach depth 20).
   */
  private static final String SAMPLE = "/listops/released-sample.tsv";

  private static List<String> sample() throws IOException {
    List<String> lines = new ArrayList<>();
    try (InputStream in = ListOpsDataTest.class.getResourceAsStream(SAMPLE);
        BufferedReader r = new BufferedReader(new InputStreamReader(in,
            StandardCharsets.US_ASCII))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          lines.add(line);
        }
      }
    }
    return lines;
  }

  @Test
  void theEvaluatorGivesTheReleasedLabels() throws IOException {
    List<String> lines = sample();
    assertEquals(30, lines.size());
    Set<Operator> ops = EnumSet.noneOf(Operator.class);
    int shortest = Integer.MAX_VALUE, longest = 0, deepest = 0;
    for (String line : lines) {
      Example e = ListOpsData.parse(line);
      Tree t = ListOpsData.treeOf(e.tokens());
      assertEquals(e.label(), ListOpsData.evaluate(t), line);
      // the spinn string is rebuilt exactly, and the label is the released one
      assertEquals(line, e.toString());
      assertEquals(e.length(), ListOpsData.tokenCount(t));
      collectOps(t, ops);
      shortest = Math.min(shortest, e.length());
      longest = Math.max(longest, e.length());
      deepest = Math.max(deepest, ListOpsData.depth(t));
    }
    assertEquals(EnumSet.allOf(Operator.class), ops);
    assertEquals(1, shortest);
    assertTrue(longest > 500, "longest " + longest);
    assertEquals(ListOpsData.MAX_DEPTH, deepest);
  }

  @Test
  void medianTruncatesAsIntOfNumpyMedian() {
    assertEquals(1, Operator.MED.apply(1, 2));
    assertEquals(4, Operator.MED.apply(2, 3, 5, 8));
    assertEquals(4, Operator.MED.apply(8, 5, 2, 3));
    assertEquals(3, Operator.MED.apply(9, 0, 3));
    assertEquals(8, Operator.MED.apply(9, 8));
    assertEquals(0, Operator.MED.apply(0, 1));
    assertEquals(1, Operator.MIN.apply(4, 1, 7));
    assertEquals(7, Operator.MAX.apply(4, 1, 7));
    assertEquals(2, Operator.SM.apply(4, 1, 7));
    Tree t = ListOpsData.parseExpression("( ( ( ( ( [MED 2 ) 3 ) 5 ) 8 ) ] )");
    assertEquals(4, ListOpsData.evaluate(t));
    assertEquals(1, ListOpsData.evaluate(ListOpsData.parseExpression("( ( ( [MED 1 ) 2 ) ] )")));
  }

  @Test
  void theStringFormIsSpinnsLeftBranchingBracketing() {
    Tree t = new Apply(Operator.MAX, List.of(new Digit(2), new Digit(9)));
    assertEquals("( ( ( [MAX 2 ) 9 ) ] )", ListOpsData.toSpinnString(t));
    assertEquals("7", ListOpsData.toSpinnString(new Digit(7)));
    Example e = ListOpsData.example(t);
    assertArrayEquals(new int[] {11, 2, 9, 14}, e.tokens());
    assertEquals(9, e.label());
    assertEquals(t, ListOpsData.treeOf(e.tokens()));
    assertEquals(t, ListOpsData.parseExpression(e.expression()));
  }

  @Test
  void tokenIdsRoundTrip() {
    assertEquals(15, ListOpsData.VOCABULARY.size());
    for (int i = 0; i < ListOpsData.VOCABULARY.size(); i++) {
      assertEquals(i, ListOpsData.tokenId(ListOpsData.VOCABULARY.get(i)));
    }
    for (Operator op : Operator.values()) {
      assertEquals(op.token(), ListOpsData.VOCABULARY.get(op.id()));
    }
    assertEquals("]", ListOpsData.VOCABULARY.get(ListOpsData.CLOSE));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.tokenId("("));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.tokenId("MAX"));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.tokenId(null));
  }

  @Test
  void theSameSeedGivesTheSameSplitsAndAnotherSeedOthers() {
    Splits a = ListOpsData.generate(7, 25, 300, 50, 80);
    Splits b = ListOpsData.generate(7, 25, 300, 50, 80);
    Splits c = ListOpsData.generate(8, 25, 300, 50, 80);
    assertEquals(a, b);
    assertNotEquals(a.train(), c.train());
    assertNotEquals(a.test(), c.test());
  }

  @Test
  void generatedExamplesFollowThePublishedRules() {
    int maxLength = 25;
    Splits s = ListOpsData.generate(1, maxLength, 2000, 200, 400);
    assertEquals(2000, s.train().size());
    assertEquals(200, s.valid().size());
    assertEquals(400, s.test().size());
    Set<String> seen = new HashSet<>();
    int[] argCounts = new int[ListOpsData.MAX_ARGS + 1];
    for (List<Example> split : List.of(s.train(), s.valid(), s.test())) {
      for (Example e : split) {
        assertTrue(seen.add(e.expression()), "repeated across or within splits: " + e);
        assertTrue(e.length() <= maxLength, e.toString());
        Tree t = ListOpsData.treeOf(e.tokens());
        assertTrue(ListOpsData.depth(t) <= ListOpsData.MAX_DEPTH);
        assertEquals(e.label(), ListOpsData.evaluate(t));
        assertEquals(e.expression(), ListOpsData.toSpinnString(t));
        assertEquals(e, ListOpsData.parse(e.toString()));
        countArgs(t, argCounts);
      }
    }
    for (int k = ListOpsData.MIN_ARGS; k <= ListOpsData.MAX_ARGS; k++) {
      assertTrue(argCounts[k] > 0, "no operator with " + k + " arguments");
    }
  }

  /** Unfiltered draws reach the maximum depth, never pass it, and root digits appear. */
  @Test
  void randomTreesStopAtTheMaximumDepth() {
    SplittableRandom rng = new SplittableRandom(3);
    int deepest = 0, digits = 0, draws = 20_000;
    for (int i = 0; i < draws; i++) {
      Tree t = ListOpsData.randomTree(rng);
      deepest = Math.max(deepest, ListOpsData.depth(t));
      digits += t instanceof Digit ? 1 : 0;
    }
    assertEquals(ListOpsData.MAX_DEPTH, deepest);
    // a root is a digit with probability 0.75 (spinn: digit when random() > VALUE_P = 0.25)
    assertEquals(0.75, (double) digits / draws, 0.02);
  }

  @Test
  void aTooSmallSpaceOfExpressionsIsRefused() {
    // only 10 expressions have a single token: the bare digits
    Splits ten = ListOpsData.generate(1, 1, 10, 0, 0);
    assertEquals(10, ten.train().size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ListOpsData.generate(1, 3, 8, 2, 1));
    assertTrue(e.getMessage().contains("only 10 found"), e.getMessage());
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.generate(1, 0, 10, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.generate(1, 25, -1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.generate(1, 25, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.parse("7 ( ( [MAX 7 ) ] )"));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.parse("x\t3"));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.parse("3\t[MAX 3 ]"));
    assertThrows(IllegalArgumentException.class,
        () -> ListOpsData.parse("3\t( ( ( [MAX 2 ) 3 ) ] ) 4"));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.treeOf(new int[] {11, 2}));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.treeOf(new int[] {14}));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.evaluate(null));
    assertThrows(IllegalArgumentException.class, () -> new Digit(10));
    assertThrows(IllegalArgumentException.class, () -> new Example(new int[] {15}, 0, "x"));
    assertThrows(IllegalArgumentException.class, () -> new Example(new int[] {1}, 10, "1"));
    assertThrows(IllegalArgumentException.class, () -> ListOpsData.describe(List.of()));
    assertThrows(IllegalArgumentException.class, () -> Operator.SM.apply());
  }

  @Test
  void describeCountsLengthsAndLabels() {
    List<Example> ex = List.of(ListOpsData.example(new Digit(3)),
        ListOpsData.example(ListOpsData.parseExpression("( ( ( [MAX 2 ) 9 ) ] )")));
    String d = ListOpsData.describe(ex);
    assertTrue(d.startsWith("n=2 length min 1 median 2.5 max 4;"), d);
    assertTrue(d.contains("<=10: 2 (100.0%)"), d);
    assertTrue(d.contains(" 3:1 (50.0%)") && d.contains(" 9:1 (50.0%)"), d);
    assertFalse(d.contains(" 0:1"), d);
  }

  private static void collectOps(Tree t, Set<Operator> ops) {
    if (t instanceof Apply a) {
      ops.add(a.op());
      a.args().forEach(c -> collectOps(c, ops));
    }
  }

  private static void countArgs(Tree t, int[] counts) {
    if (t instanceof Apply a) {
      int k = a.args().size();
      assertTrue(k >= ListOpsData.MIN_ARGS && k <= ListOpsData.MAX_ARGS, "arguments: " + k);
      counts[k]++;
      a.args().forEach(c -> countArgs(c, counts));
    }
  }
}
