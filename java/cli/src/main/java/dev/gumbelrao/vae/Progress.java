package dev.gumbelrao.vae;

/** Reports progress: {@code done} of {@code total} and a line saying what runs now. */
@FunctionalInterface
public interface Progress {
  Progress NONE = (d, t, w) -> { };

  void update(long done, long total, String what);
}
