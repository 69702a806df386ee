package dev.gumbelrao.bench;

import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;

import java.util.Locale;

/** The backends by the names the {@code backend} parameter takes: java, cpu, cuda. */
final class BackendNames {
  private BackendNames() {}

  static final String ALL = "java,cpu,cuda";

  static BackendKind parse(String name) {
    switch (name) {
      case "java":
        return BackendKind.JAVA;
      case "cpu":
        return BackendKind.CPU;
      case "cuda":
        return BackendKind.CUDA;
      default:
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + ALL);
    }
  }

  static String name(BackendKind backend) {
    return backend.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The backend's status, or an exception whose message is that status when it cannot run here:
   * the runner skips such backends before JMH starts, so this only fires when JMH is driven
   * directly.
   */
  static BackendStatus requireAvailable(String name) {
    BackendStatus status = Backends.status(parse(name));
    if (!status.available()) throw new IllegalStateException(status.toString());
    return status;
  }
}
