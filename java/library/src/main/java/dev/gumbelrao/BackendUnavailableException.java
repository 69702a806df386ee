package dev.gumbelrao;

/** Thrown by {@link Backend#open(BackendKind)} for a backend that cannot run here; the message says why. */
public final class BackendUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public BackendUnavailableException(BackendStatus status) {
    super(status.toString());
  }
}
