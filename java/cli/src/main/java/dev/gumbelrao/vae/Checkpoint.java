package dev.gumbelrao.vae;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A training run's whole state at a step boundary: everything the next step reads (parameters,
 * momentum, REINFORCE's baseline, the step, which fixes the data order and the noise key) and
 * the run's record so far (evaluations, timings, divergence). Floats are stored as their bits,
 * so a resumed run continues from exactly the interrupted one's state. Written to a temporary
 * file, forced to the disk and moved over the old one, so an interruption while writing (a
 * kill, a crash) leaves the previous checkpoint intact. A CRC-32C of the whole content ends the
 * file: a damaged file (flipped bytes, a truncation, bytes appended) is refused naming it, and so
 * is a run that has not diverged whose parameters or momentum hold a non-finite value.
 */
final class Checkpoint {
  private static final long MAGIC = 0x4752564145434b31L; // "GRVAECK1"
  /** 2: the CRC-32C trailer (1 had none). */
  private static final int VERSION = 2;

  /**
   * @param divergence null, or why the run stopped early (a non-finite loss, NaN logits)
   * @param stepNanos wall time of the training steps (evaluations and checkpoints excluded)
   * @param estimatorNanos the part of it spent in the estimator's forward and backward passes
   */
  record State(String fingerprint, long step, List<String> names, float[][] parameters,
      float[][] velocities, double baselineValue, long baselineUpdates,
      List<Evaluation> evaluations, String divergence, long timedSteps, long stepNanos,
      long estimatorNanos, double lastLoss) {
    /** Whether it holds the model (false: a search run's record, its weights dropped). */
    boolean hasParameters() {
      return !names.isEmpty();
    }

    /** The record without the weights: what a search run that lost keeps (a few hundred bytes). */
    State recordOnly() {
      return new State(fingerprint, step, List.of(), new float[0][], new float[0][],
          baselineValue, baselineUpdates, evaluations, divergence, timedSteps, stepNanos,
          estimatorNanos, lastLoss);
    }

    /** This state with one more evaluation. */
    State with(Evaluation e) {
      List<Evaluation> ev = new ArrayList<>(evaluations);
      ev.add(e);
      return new State(fingerprint, step, names, parameters, velocities, baselineValue,
          baselineUpdates, List.copyOf(ev), divergence, timedSteps, stepNanos, estimatorNanos,
          lastLoss);
    }
  }

  private Checkpoint() {}

  static void save(Path file, State s) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      CRC32C crc = new CRC32C();
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
          new CheckedOutputStream(Channels.newOutputStream(channel), crc), 1 << 16));
      out.writeLong(MAGIC);
      out.writeInt(VERSION);
      out.writeUTF(s.fingerprint());
      out.writeLong(s.step());
      out.writeInt(s.names().size());
      for (int i = 0; i < s.names().size(); i++) {
        out.writeUTF(s.names().get(i));
        floats(out, s.parameters()[i]);
        floats(out, s.velocities()[i]);
      }
      out.writeDouble(s.baselineValue());
      out.writeLong(s.baselineUpdates());
      out.writeInt(s.evaluations().size());
      for (Evaluation e : s.evaluations()) {
        out.writeLong(e.step());
        out.writeUTF(e.split());
        out.writeInt(e.images());
        out.writeInt(e.samples());
        out.writeDouble(e.nll());
        out.writeDouble(e.seconds());
      }
      out.writeBoolean(s.divergence() != null);
      if (s.divergence() != null) out.writeUTF(s.divergence());
      out.writeLong(s.timedSteps());
      out.writeLong(s.stepNanos());
      out.writeLong(s.estimatorNanos());
      out.writeDouble(s.lastLoss());
      out.flush();
      long sum = crc.getValue();
      out.writeLong(sum);
      out.flush();
      channel.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    // the temporary files of writes that a kill or crash cut short
    try (java.nio.file.DirectoryStream<Path> stale = Files.newDirectoryStream(dir,
        file.getFileName() + "*.tmp")) {
      for (Path p : stale) Files.deleteIfExists(p);
    }
  }

  /**
   * Reads a checkpoint.
   *
   * @throws IllegalArgumentException naming the file, for a file that is not a checkpoint of
   *     this version, is truncated or damaged, or holds non-finite parameters of a run that has
   *     not diverged
   */
  static State load(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    // a count read from a damaged file must not size an allocation beyond the file itself
    final long size = Files.size(file);
    try (DataInputStream in = new DataInputStream(new CheckedInputStream(
        new BufferedInputStream(Files.newInputStream(file), 1 << 16), crc))) {
      if (in.readLong() != MAGIC) {
        throw new IllegalArgumentException(file + " is not a vae checkpoint");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException(file + " is a version " + version
            + " checkpoint; this build reads version " + VERSION);
      }
      String fingerprint = in.readUTF();
      long step = in.readLong();
      int n = count(in, size);
      List<String> names = new ArrayList<>();
      float[][] params = new float[n][], vel = new float[n][];
      for (int i = 0; i < n; i++) {
        names.add(in.readUTF());
        params[i] = floats(in, size);
        vel[i] = floats(in, size);
      }
      double baseline = in.readDouble();
      long updates = in.readLong();
      int ne = count(in, size);
      List<Evaluation> evals = new ArrayList<>();
      for (int i = 0; i < ne; i++) {
        evals.add(new Evaluation(in.readLong(), in.readUTF(), in.readInt(), in.readInt(),
            in.readDouble(), in.readDouble()));
      }
      String divergence = in.readBoolean() ? in.readUTF() : null;
      State s = new State(fingerprint, step, names, params, vel, baseline, updates, evals,
          divergence, in.readLong(), in.readLong(), in.readLong(), in.readDouble());
      long computed = crc.getValue();
      if (in.readLong() != computed || in.read() != -1) {
        throw new IllegalArgumentException(file + " is damaged: its content does not match its "
            + "CRC-32C (delete it to start the run again)");
      }
      if (divergence == null) {
        for (int i = 0; i < n; i++) {
          finite(file, names.get(i), "parameter", params[i]);
          finite(file, names.get(i), "momentum of", vel[i]);
        }
      }
      return s;
    } catch (EOFException | java.io.UTFDataFormatException e) {
      throw new IllegalArgumentException(file + " is truncated or damaged (delete it to start "
          + "the run again)");
    }
  }

  private static void finite(Path file, String name, String what, float[] v) {
    for (int j = 0; j < v.length; j++) {
      if (!Float.isFinite(v[j])) {
        throw new IllegalArgumentException(file + ": " + what + " " + name + " holds " + v[j]
            + " at " + j + " in a run that has not diverged (delete the file to start the run "
            + "again)");
      }
    }
  }

  private static void floats(DataOutputStream out, float[] v) throws IOException {
    out.writeInt(v.length);
    for (float f : v) out.writeInt(Float.floatToRawIntBits(f));
  }

  /** A count of items of at least 4 bytes each in a file of {@code size} bytes. */
  private static int count(DataInputStream in, long size) throws IOException {
    int n = in.readInt();
    if (n < 0 || 4L * n > size) throw new EOFException();
    return n;
  }

  private static float[] floats(DataInputStream in, long size) throws IOException {
    float[] v = new float[count(in, size)];
    for (int i = 0; i < v.length; i++) v[i] = Float.intBitsToFloat(in.readInt());
    return v;
  }
}
