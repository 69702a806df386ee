package example;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The library as a client uses it: short training runs of a discrete autoencoder through every
 * estimator, on the CPU and JAVA backends, on plain arrays and through DJL; and the README's
 * examples are this project's code.
 */
class ConsumerTest {
  private static final int PIXELS = 24, VARIABLES = 4, ARITY = 8, BATCH = 32, STEPS = 300;

  private static List<Estimator> estimators() {
    return List.of(Estimators.straightThrough(0.5f), Estimators.straightThroughGumbelSoftmax(0.5f),
        Estimators.gumbelSoftmax(0.5f), Estimators.gumbelRao(10, 0.5f),
        Estimators.gumbelRao(100, 0.5f), Estimators.reinforce());
  }

  private static Backend open(BackendKind backend) {
    Assumptions.assumeTrue(Backends.status(backend).available(),
        () -> Backends.status(backend).toString());
    return Backend.open(backend);
  }

  /**
   * From about 17-19 nats per example at the start the loss at the argmax code must fall below
   * 8 nats: the 8 prototypes need 3 of the 12 bits the code has, and their 5% flips cost about
   * 4.8 nats (24 H(0.05)).
   */
  @ParameterizedTest
  @EnumSource(value = BackendKind.class, names = {"CPU", "JAVA"})
  void aDiscreteAutoencoderTrainsOnArraysWithEveryEstimator(BackendKind backend) {
    try (Backend gr = open(backend)) {
      for (Estimator estimator : estimators()) {
        Patterns data = new Patterns(8, PIXELS, 0.05, 1);
        DiscreteAutoencoder model = new DiscreteAutoencoder(PIXELS, VARIABLES, ARITY, 0.1f, 0.9f,
            2);
        NoiseStream noise = new NoiseStream(3);
        float[] test = data.batch(512);
        double before = model.loss(test, 512);
        for (int s = 0; s < STEPS; s++) model.step(gr, estimator, data.batch(BATCH), BATCH,
            noise.next());
        double after = model.loss(test, 512);
        System.out.printf("%s %s: %.2f -> %.2f nats%n", backend, estimator, before, after);
        assertTrue(after < 8 && after < before, estimator + ": " + before + " -> " + after);
      }
    }
  }

  /**
   * The same model as DJL blocks with the library's SamplerBlock, trained by DJL's Trainer: a
   * loop of one backward call per step (GR-MC100, ST-GS, REINFORCE, RLOO-4), and EasyTrain.fit
   * for a pathwise and a score-function estimator; the loss at the most probable code must
   * fall below 8 nats as on arrays.
   */
  @Test
  void theSameModelTrainsInDjlsTrainerWithEveryKindOfEstimator() throws Exception {
    for (Estimator estimator : List.of(Estimators.gumbelRao(100, 0.5f),
        Estimators.straightThroughGumbelSoftmax(0.5f), Estimators.reinforce(),
        Estimators.rloo(4))) {
      Patterns data = new Patterns(8, PIXELS, 0.05, 1);
      float[] test = data.batch(512);
      float lr = estimator.name().startsWith("R") ? 0.02f : 0.1f;
      try (DjlAutoencoder model = new DjlAutoencoder(PIXELS, VARIABLES, ARITY, estimator, lr, 4)) {
        double before = model.loss(test);
        for (int s = 0; s < STEPS; s++) model.step(data.batch(BATCH));
        double after = model.loss(test);
        System.out.printf("DJL Trainer, %s: %.2f -> %.2f nats%n", estimator, before, after);
        assertTrue(after < 8 && after < before, estimator + ": " + before + " -> " + after);
      }
    }
    for (Estimator estimator : List.of(Estimators.gumbelRao(10, 0.5f), Estimators.rloo(4))) {
      Patterns data = new Patterns(8, PIXELS, 0.05, 1);
      float[] test = data.batch(512);
      float lr = estimator.name().startsWith("R") ? 0.02f : 0.1f;
      try (DjlAutoencoder model = new DjlAutoencoder(PIXELS, VARIABLES, ARITY, estimator, lr, 5)) {
        double before = model.loss(test);
        model.fit(data.batch(BATCH * 30), BATCH, 10);
        double after = model.loss(test);
        System.out.printf("EasyTrain.fit, %s: %.2f -> %.2f nats%n", estimator, before, after);
        assertTrue(after < 8 && after < before, estimator + ": " + before + " -> " + after);
      }
    }
  }

  /**
   * The quick start runs on every backend that is here and gives the JAVA backend's gradient to
   * float rounding (so the same D); each row's gradient sums to zero (J(s)^T g is orthogonal to
   * the ones vector) and is not zero (the upstream differs between classes).
   */
  @ParameterizedTest
  @EnumSource(value = BackendKind.class, names = {"AUTO", "CPU", "JAVA"})
  void theQuickStartGivesTheJavaBackendsGradient(BackendKind backend) {
    Assumptions.assumeTrue(Backends.status(backend).available(),
        () -> Backends.status(backend).toString());
    assertGradientOfQuickStart(QuickStart.gradient(backend));
  }

  /** The device-memory example gives the JAVA backend's gradient on the quick start's inputs. */
  @Test
  void theDeviceExampleGivesTheJavaBackendsGradient() {
    Assumptions.assumeTrue(Backends.status(BackendKind.CUDA).available(),
        () -> Backends.status(BackendKind.CUDA).toString());
    float[] logits = {0.3f, -0.2f, 1f, 2f, 0f, 0f, 0f, 0f, 0f, -1f, 1f, 0.5f};
    float[] oneHot = new float[12], upstream = new float[12];
    NoiseKey key = new NoiseStream(42).next();
    try (Backend java = Backend.open(BackendKind.JAVA)) {   // the quick start's D and upstream
      Estimators.gumbelRao(100, 0.5f).forward(java, logits, 4, 3, key, oneHot);
    }
    for (int i = 0; i < 12; i++) upstream[i] = oneHot[i] - 0.5f;
    assertGradientOfQuickStart(DeviceStep.gradient(Estimators.gumbelRao(100, 0.5f), logits, 4, 3,
        key, upstream));
  }

  private static void assertGradientOfQuickStart(float[] grad) {
    float[] expected = QuickStart.gradient(BackendKind.JAVA);
    for (int r = 0; r < 4; r++) {
      double sum = 0, norm = 0;
      for (int c = 0; c < 3; c++) {
        int i = 3 * r + c;
        assertEquals(expected[i], grad[i], 1e-5 + 1e-5 * Math.abs(expected[i]), "grad " + i);
        sum += grad[i];
        norm += Math.abs(grad[i]);
      }
      assertEquals(0, sum, 1e-5, "row " + r);
      assertTrue(norm > 1e-3, "row " + r + " has a zero gradient");
    }
  }

  /** The README's keys: one per layer and step, all different, the same for the same seed. */
  @Test
  void theNoiseKeysOfTheReadmeAreDistinctAndRepeatable() {
    NoiseKey[][] keys = QuickStart.layerKeys(42, 100);
    Set<NoiseKey> distinct = new HashSet<>();
    for (NoiseKey[] step : keys) distinct.addAll(List.of(step));
    assertEquals(200, distinct.size());
    assertArrayEquals(keys[99], QuickStart.layerKeys(42, 100)[99]);
  }

  /** Every README code block marked as a snippet is, line for line, the snippet in the source. */
  @Test
  void theReadmesExamplesAreThisProjectsCode() throws IOException {
    Path readme = Path.of(System.getProperty("readme"));
    String text = Files.readString(readme);
    Matcher m = Pattern.compile("<!-- snippet: (\\S+) \\((\\S+)\\) -->\\s*```java\\n(.*?)```",
        Pattern.DOTALL).matcher(text);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      Path source = readme.getParent().resolve(m.group(2));
      assertEquals(snippet(Files.readString(source), m.group(1)), m.group(3).strip(),
          "README snippet " + m.group(1) + " differs from " + m.group(2));
      checked.add(m.group(1));
    }
    assertEquals(List.of("quick-start", "estimator-step", "noise-keys", "spark-step", "device-step",
        "djl-model", "djl-fit", "djl-step"),
        checked);
  }

  /**
   * The DJL javadoc examples that say they come from DjlAutoencoder are its code: each code line
   * (its comment aside) is a line of that file.
   */
  @Test
  void theDjlJavadocExamplesAreThisProjectsCode() throws IOException {
    Path readme = Path.of(System.getProperty("readme"));
    Path djl = readme.getParent().resolve("java/library/src/main/java/dev/gumbelrao/djl");
    Set<String> source = new HashSet<>();
    for (String line : Files.readString(readme.getParent().resolve(
        "java/consumer/src/main/java/example/DjlAutoencoder.java")).split("\n")) {
      source.add(code(line));
    }
    int checked = 0;
    for (String file : List.of("SamplerBlock.java", "SamplerTrainer.java", "SampleLoss.java")) {
      String text = Files.readString(djl.resolve(file));
      int at = text.indexOf("DjlAutoencoder");
      assertTrue(at >= 0, file + " has no example from DjlAutoencoder");
      String block = text.substring(at, text.indexOf("}</pre>", at));
      for (String line : block.split("\n")) {
        String c = code(line.replaceFirst("^\\s*\\*", ""));
        if (c.isEmpty() || c.contains("DjlAutoencoder")) continue;
        assertTrue(source.contains(c), file + ": '" + c + "' is not DjlAutoencoder's code");
        checked++;
      }
    }
    assertTrue(checked >= 15, "lines checked: " + checked);
  }

  // a line without its comment and surrounding blanks
  private static String code(String line) {
    int comment = line.indexOf("//");
    return (comment >= 0 ? line.substring(0, comment) : line).strip();
  }

  /** The lines between "// snippet: NAME" and "// end snippet", without their indentation. */
  private static String snippet(String source, String name) {
    String[] lines = source.split("\n");
    int start = -1, end = -1;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].strip().equals("// snippet: " + name)) start = i + 1;
      else if (start >= 0 && end < 0 && lines[i].strip().equals("// end snippet")) end = i;
    }
    assertTrue(start >= 0 && end > start, "no snippet " + name);
    int indent = Integer.MAX_VALUE;
    for (int i = start; i < end; i++) {
      if (!lines[i].isBlank()) indent = Math.min(indent, lines[i].length()
          - lines[i].stripLeading().length());
    }
    StringBuilder out = new StringBuilder();
    for (int i = start; i < end; i++) {
      out.append(lines[i].isBlank() ? "" : lines[i].substring(indent)).append('\n');
    }
    return out.toString().strip();
  }
}
