package dev.gumbelrao;

/** Thrown by {@link GumbelRao#create(Backend)} for a backend that cannot run here; the message says why. */
public final class BackendUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  BackendUnavailableException(BackendStatus status) {
    super(status.toString());
  }
}
