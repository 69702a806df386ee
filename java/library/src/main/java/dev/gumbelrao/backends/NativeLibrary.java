package dev.gumbelrao.backends;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.zip.ZipEntry;

/**
 * Loads the JNI library of {@link NativeRuntime} and {@link NativeOperations} from the jar it
 * ships in (the library jar's platform classifier jar, e.g. {@code gumbel-rao-*-linux-x86_64.jar},
 * or a shaded application jar), found on the class path as
 * {@code dev/gumbelrao/backends/<platform>/libjnigumbelrao.so}, extracting it once per
 * version of the library: to {@code ~/.cache/gumbel-rao/<version>-<crc>/<platform>/} (the
 * directory is {@code gumbelrao.cache.dir} when that system property is set), named by the jar
 * entry's CRC and size, so any jar that holds the same library (the library jar, the CLI jar, a
 * shaded application jar) reuses one copy, and a rebuilt SNAPSHOT gets a new one. A library on
 * the file system (a build directory) loads in place.
 */
final class NativeLibrary {
  private NativeLibrary() {}

  static final String NAME = "libjnigumbelrao.so";
  static final String FOLDER = "dev/gumbelrao/backends/";

  /** linux-x86_64 or linux-arm64, as the build names its platform folders. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
        : arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : arch;
    return (os.startsWith("linux") ? "linux" : os.replace(' ', '_')) + "-" + cpu;
  }

  /**
   * Loads the natives of this platform: the CUDA build ({@code <platform>-gpu/}, the
   * {@code linux-x86_64-gpu} jar) when it is on the class path, else the CPU-only build
   * ({@code <platform>/}). {@code -Dgumbelrao.native.gpu=false} passes over the former.
   */
  static void load() {
    // By the class loader, not the class: in a named module Class.getResource looks only in
    // this module, and the natives ship in classifier jars of their own. The platform folders
    // are not package names, so the resources are not encapsulated.
    ClassLoader loader = NativeLibrary.class.getClassLoader();
    boolean gpu = !"false".equalsIgnoreCase(System.getProperty("gumbelrao.native.gpu"));
    URL url = null;
    String cpu = FOLDER + platform() + "/" + NAME;
    for (String resource : gpu ? new String[] {FOLDER + platform() + "-gpu/" + NAME, cpu}
        : new String[] {cpu}) {
      url = loader == null ? ClassLoader.getSystemResource(resource) : loader.getResource(resource);
      if (url != null) break;
    }
    if (url == null) {
      throw new UnsatisfiedLinkError("no native library for " + platform() + " on the class path "
          + "(looked for " + cpu + ": add the dependency dev.gumbelrao:gumbel-rao with "
          + "classifier " + platform() + " (CPU) or " + platform() + "-gpu (CPU and CUDA), or "
          + "dev.gumbelrao:gumbel-rao-platform)");
    }
    try {
      System.load(file(url).getAbsolutePath());
    } catch (IOException | URISyntaxException e) {
      UnsatisfiedLinkError error = new UnsatisfiedLinkError("could not extract " + url + ": "
          + e);
      error.initCause(e);
      throw error;
    }
  }

  private static File file(URL url) throws IOException, URISyntaxException {
    if (url.getProtocol().equals("file")) return new File(url.toURI());
    URLConnection connection = url.openConnection();
    long size = -1, crc = -1;
    if (connection instanceof JarURLConnection) {
      ZipEntry entry = ((JarURLConnection) connection).getJarEntry();
      size = entry.getSize();
      crc = entry.getCrc();
    }
    String version = NativeLibrary.class.getPackage().getImplementationVersion();
    String key = (version == null ? "dev" : version) + "-"
        + (crc >= 0 ? String.format("%08x-%d", crc, size) : "unknown");
    Path dir = cacheRoot().resolve(key).resolve(new File(new File(url.getPath()).getParent())
        .getName());
    Path target = dir.resolve(NAME);
    if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
      return target.toFile();
    }
    Files.createDirectories(dir);
    // Extract next to the target and move it in place: a concurrent JVM sees either no file or
    // a complete one.
    Path part = Files.createTempFile(dir, NAME, ".part");
    try (InputStream in = connection.getInputStream()) {
      Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(part);
    }
    return target.toFile();
  }

  private static Path cacheRoot() {
    String dir = System.getProperty("gumbelrao.cache.dir");
    if (dir != null && !dir.isEmpty()) return Path.of(dir);
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("gumbel-rao");
  }
}
