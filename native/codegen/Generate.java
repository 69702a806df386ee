import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes every layer that only forwards an operation from the one description of the library's
 * operations, native/operations.txt (its header says what is written and why a generator).
 *
 * <pre>
 *   java native/codegen/Generate.java c    native/operations.txt OUT_DIR   (CMake)
 *   java native/codegen/Generate.java java native/operations.txt OUT_DIR   (Maven)
 * </pre>
 *
 * A single source file run by the JDK's source launcher: the build needs nothing the project
 * does not already need. A file is rewritten only when its contents change, so that builds that
 * depend on it do not rerun.
 */
public final class Generate {
  private Generate() {}

  // ------------------------------------------------------------------------------ the model

  enum Role { IN, OUT, OPTIONAL_OUT, SCALAR }

  enum Type {
    F32("float", "float", "FLOAT32"),
    I32("int32_t", "int", "INT32"),
    BOOL("int32_t", "boolean", null);

    final String c, java, element;

    Type(String c, String java, String element) {
      this.c = c;
      this.java = java;
      this.element = element;
    }
  }

  /** An integer expression: sums and products of literals and names. */
  record Expr(String text, List<String> tokens) {
    static Expr parse(String text) {
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < text.length(); ) {
        char ch = text.charAt(i);
        if (Character.isWhitespace(ch)) {
          i++;
        } else if ("+*()".indexOf(ch) >= 0) {
          tokens.add(String.valueOf(ch));
          i++;
        } else if (Character.isLetterOrDigit(ch) || ch == '_') {
          int j = i;
          while (j < text.length()
              && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) j++;
          tokens.add(text.substring(i, j));
          i = j;
        } else {
          throw new IllegalArgumentException("bad character '" + ch + "' in '" + text + "'");
        }
      }
      return new Expr(text.trim(), tokens);
    }

    /** The expression with each name replaced by {@code name}, parenthesised. */
    String emit(Function<String, String> name) {
      StringBuilder b = new StringBuilder("(");
      for (String t : tokens) {
        if (Character.isDigit(t.charAt(0)) || "+*()".contains(t)) {
          b.append(t);
        } else {
          b.append(name.apply(t));
        }
        b.append(' ');
      }
      return b.toString().trim() + ")";
    }
  }

  record Param(Role role, Type type, String name, Expr length, String rule) {
    boolean isArray() {
      return role != Role.SCALAR;
    }

    boolean isOutput() {
      return role == Role.OUT || role == Role.OPTIONAL_OUT;
    }

    String camel() {
      return Generate.camel(name, false);
    }

    String cType() {
      String base = type == Type.F32 ? "float" : "int32_t";
      if (role == Role.IN) return "const " + base + "*";
      if (isOutput()) return base + "*";
      return type.c;
    }
  }

  static final class Op {
    final String name, label, doc;
    boolean binary;
    boolean hasShape;
    boolean key;
    Expr work;
    final List<Param> params = new ArrayList<>();
    final Map<String, Expr> lets = new LinkedHashMap<>();

    Op(String name, String label, String doc) {
      this.name = name;
      this.label = label;
      this.doc = doc;
    }

    String pascal() {
      return Generate.camel(name, true);
    }

    String camel() {
      return Generate.camel(name, false);
    }

    String constant() {
      return name.toUpperCase(Locale.ROOT);
    }

    List<Param> inputs() {
      return params.stream().filter(p -> p.role == Role.IN).toList();
    }

    List<Param> scalars() {
      return params.stream().filter(p -> p.role == Role.SCALAR).toList();
    }

    List<Param> outputs() {
      return params.stream().filter(Param::isOutput).toList();
    }

    /** Arrays in parameter order: inputs, then outputs. */
    List<Param> arrays() {
      List<Param> a = new ArrayList<>(inputs());
      a.addAll(outputs());
      return a;
    }

    Param scalar(String n) {
      for (Param p : scalars()) if (p.name.equals(n)) return p;
      return null;
    }
  }

  static String camel(String snake, boolean upperFirst) {
    StringBuilder b = new StringBuilder();
    boolean up = upperFirst;
    for (char ch : snake.toCharArray()) {
      if (ch == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(ch) : ch);
        up = false;
      }
    }
    return b.toString();
  }

  // ----------------------------------------------------------------------------- the parser

  static List<Op> parse(Path spec) throws IOException {
    List<Op> ops = new ArrayList<>();
    Op op = null;
    int lineNo = 0;
    for (String raw : Files.readAllLines(spec, StandardCharsets.UTF_8)) {
      lineNo++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String where = spec + ":" + lineNo + ": ";
      try {
        if (!Character.isWhitespace(raw.charAt(0))) {
          // operation NAME (LABEL): doc
          if (!line.startsWith("operation ")) throw new IllegalArgumentException("expected 'operation'");
          int colon = line.indexOf(':');
          String head = line.substring("operation ".length(), colon).strip();
          int paren = head.indexOf('(');
          String name = head.substring(0, paren).strip();
          String label = head.substring(paren + 1, head.indexOf(')')).strip();
          op = new Op(name, label, line.substring(colon + 1).strip());
          ops.add(op);
          continue;
        }
        if (op == null) throw new IllegalArgumentException("a parameter outside an operation");
        String[] w = line.split("\\s+", 4);
        switch (w[0]) {
          case "shape" -> {
            op.hasShape = true;
            op.binary = switch (w[1]) {
              case "categorical" -> false;
              case "binary" -> true;
              default -> throw new IllegalArgumentException("shape: " + w[1]);
            };
          }
          case "in", "out", "out?" -> {
            Role role = w[0].equals("in") ? Role.IN : w[0].equals("out") ? Role.OUT
                : Role.OPTIONAL_OUT;
            Type type = type(w[1]);
            if (type == Type.BOOL) throw new IllegalArgumentException("bool arrays");
            op.params.add(new Param(role, type, w[2], Expr.parse(w[3]), null));
          }
          case "scalar" -> op.params.add(new Param(Role.SCALAR, type(w[1]), w[2], null, w[3]));
          case "key" -> op.key = true;
          case "let" -> {
            String[] kv = line.substring(3).split("=", 2);
            op.lets.put(kv[0].strip(), Expr.parse(kv[1]));
          }
          case "work" -> op.work = Expr.parse(line.substring(4));
          default -> throw new IllegalArgumentException("unknown line '" + w[0] + "'");
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(where + e.getMessage(), e);
      }
    }
    for (Op o : ops) {
      if (!o.hasShape || o.work == null || o.outputs().isEmpty()) {
        throw new IllegalArgumentException(o.name + ": needs shape, work and an output");
      }
      for (Param p : o.scalars()) rule(p);
    }
    return ops;
  }

  static Type type(String s) {
    return switch (s) {
      case "f32" -> Type.F32;
      case "i32" -> Type.I32;
      case "bool" -> Type.BOOL;
      default -> throw new IllegalArgumentException("type " + s);
    };
  }

  /** A scalar's rule: {kind, argument, letter}. */
  static String[] rule(Param p) {
    String r = p.rule;
    if (r.startsWith("count>=")) {
      String[] a = r.substring("count>=".length()).split(":");
      if (p.type != Type.I32 || a.length != 2) throw new IllegalArgumentException(r);
      return new String[] {"count", a[0], a[1]};
    }
    switch (r) {
      case "temperature", "finite", "finite>=0" -> {
        if (p.type != Type.F32) throw new IllegalArgumentException(r + " on " + p.type);
        return new String[] {r, null, null};
      }
      case "flag" -> {
        if (p.type != Type.BOOL) throw new IllegalArgumentException(r + " on " + p.type);
        return new String[] {r, null, null};
      }
      default -> throw new IllegalArgumentException("rule " + r);
    }
  }

  // ------------------------------------------------------------------------------ utilities

  static final String GENERATED = "Generated from native/operations.txt by "
      + "native/codegen/Generate.java: do not edit.";

  static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) return;
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  /** A name of an expression in C++, given how to spell the call's fields. */
  static String cName(Op op, String n, String prefix) {
    if (n.equals("rows")) return "(int64_t)" + prefix + "rows";
    if (n.equals("arity")) return op.binary ? "(int64_t)1" : "(int64_t)" + prefix + "arity";
    if (op.lets.containsKey(n)) return op.lets.get(n).emit(m -> cName(op, m, prefix));
    Param p = op.scalar(n);
    if (p == null) throw new IllegalArgumentException(op.name + ": unknown name " + n);
    if (p.type == Type.BOOL) return "(int64_t)(" + prefix + n + " != 0)";
    return "(int64_t)" + prefix + n;
  }

  static String javaName(Op op, String n) {
    if (n.equals("rows")) return "(long) rows";
    if (n.equals("arity")) return op.binary ? "1L" : "(long) arity";
    if (op.lets.containsKey(n)) return op.lets.get(n).emit(m -> javaName(op, m));
    Param p = op.scalar(n);
    if (p == null) throw new IllegalArgumentException(op.name + ": unknown name " + n);
    if (p.type == Type.BOOL) return "(" + p.camel() + " ? 1L : 0L)";
    return "(long) " + p.camel();
  }

  /** The length text of messages: the let names kept ("draws * rows"). */
  static String lengthText(Param p) {
    return String.join(" ", p.length.tokens()).replace("( ", "(").replace(" )", ")");
  }

  /** C parameters of an operation, after the place. */
  static List<String> cParams(Op op) {
    List<String> out = new ArrayList<>();
    for (Param p : op.inputs()) out.add(p.cType() + " " + p.name);
    out.add("int64_t rows");
    if (!op.binary) out.add("int32_t arity");
    for (Param p : op.scalars()) out.add(p.cType() + " " + p.name);
    if (op.key) {
      out.add("uint64_t seed");
      out.add("uint32_t offset");
      out.add("uint32_t first_row");
    }
    for (Param p : op.outputs()) out.add(p.cType() + " " + p.name);
    return out;
  }

  /** Argument names in C order (what cParams declares). */
  static List<String> cArgs(Op op) {
    List<String> out = new ArrayList<>();
    for (String p : cParams(op)) out.add(p.substring(p.lastIndexOf(' ') + 1));
    return out;
  }

  static String wrap(String head, List<String> items, String tail, int indent) {
    StringBuilder b = new StringBuilder(head);
    int col = head.length() - head.lastIndexOf('\n') - 1;
    String pad = " ".repeat(indent);
    for (int i = 0; i < items.size(); i++) {
      String s = items.get(i) + (i + 1 < items.size() ? ", " : tail);
      if (col + s.length() > 100 && i > 0) {
        b.setLength(b.length() - (b.charAt(b.length() - 1) == ' ' ? 1 : 0));
        b.append('\n').append(pad);
        col = indent;
      }
      b.append(s);
      col += s.length();
    }
    return b.toString();
  }

  /** Every array name of every operation, in first-use order (gr_array). */
  static List<String> arrayNames(List<Op> ops) {
    List<String> names = new ArrayList<>();
    for (Op o : ops) for (Param p : o.arrays()) if (!names.contains(p.name)) names.add(p.name);
    return names;
  }

  /** Every scalar of every operation by name (one type per name). */
  static Map<String, Param> scalarNames(List<Op> ops) {
    Map<String, Param> m = new LinkedHashMap<>();
    for (Op o : ops) {
      for (Param p : o.scalars()) {
        Param old = m.putIfAbsent(p.name, p);
        if (old != null && old.type != p.type) {
          throw new IllegalArgumentException("scalar " + p.name + " has two types");
        }
      }
    }
    return m;
  }

  // ======================================================================================= C

  static void c(List<Op> ops, Path out) throws IOException {
    write(out.resolve("gumbel_rao/operations.h"), cHeader(ops));
    write(out.resolve("operations_internal.h"), cInternal(ops));
    write(out.resolve("operations.cpp"), cEntryPoints(ops));
    write(out.resolve("operations_cuda_staged.cu"), cStaged(ops));
    write(out.resolve("operations_no_cuda.cpp"), cNoCuda(ops));
  }

  static String cHeader(List<Op> ops) {
    StringBuilder b = new StringBuilder();
    b.append("/* The operations of the native library: one entry point each, for every place. ")
        .append(GENERATED).append("\n *\n")
        .append(" * Conventions (gumbel_rao.h): a batch is `rows` rows of `arity` classes, row-major"
            + " float32 logits;\n"
            + " * (seed, offset, first_row) select the noise, first_row the index of row 0 in"
            + " the whole batch\n * (0 unless a batch is split over calls; first_row + rows <="
            + " 2^32); the return value is a\n * gr_status: 0, the lowest bad row and its\n"
            + " * code, GR_INVALID_ARGUMENT for a shape, scalar or missing array the description"
            + " rules out, or\n"
            + " * GR_CUDA_ERROR with the cudaError_t. `place` says where the call runs (NULL:"
            + " the CPU).\n */\n")
        .append("#ifndef GUMBEL_RAO_OPERATIONS_H\n#define GUMBEL_RAO_OPERATIONS_H\n\n")
        .append("#include <stdint.h>\n\n#include \"gumbel_rao/gumbel_rao.h\"\n\n")
        .append("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    b.append("typedef enum gr_operation {\n");
    for (Op o : ops) b.append("  GR_OP_").append(o.constant()).append(",\n");
    b.append("  GR_OPERATION_COUNT\n} gr_operation;\n\n");
    for (Op o : ops) {
      b.append("/* ").append(o.doc).append(" */\n");
      b.append(wrap("int64_t gr_" + o.name + "(", concat("const gr_place* place", cParams(o)),
          ");\n\n", 4));
    }
    // the table for generic callers
    List<String> arrays = arrayNames(ops);
    b.append("/* ---------------------------------------------------------------- the table\n"
        + " * For callers that treat every operation alike (the CUDA harness, the NVTX test):"
        + " arrays by name,\n * the union of every operation's scalars, and gr_invoke. */\n");
    b.append("typedef enum gr_array {\n");
    for (String a : arrays) b.append("  GR_ARRAY_").append(a.toUpperCase(Locale.ROOT)).append(",\n");
    b.append("  GR_ARRAY_COUNT\n} gr_array;\n\n");
    b.append("typedef struct gr_arguments {\n  void* arrays[GR_ARRAY_COUNT];  /* by gr_array;"
        + " inputs are only read */\n  int64_t rows;\n  int32_t arity;  /* ignored by the binary"
        + " operations */\n");
    for (Param p : scalarNames(ops).values()) {
      b.append("  ").append(p.type.c).append(' ').append(p.name).append(";\n");
    }
    b.append("  uint64_t seed;\n  uint32_t offset;\n  uint32_t first_row;\n} gr_arguments;\n\n");
    b.append("enum gr_parameter_role { GR_PARAMETER_INPUT, GR_PARAMETER_OUTPUT, "
        + "GR_PARAMETER_OPTIONAL_OUTPUT };\n");
    b.append("enum gr_element_type { GR_FLOAT32, GR_INT32 };\n\n");
    b.append("typedef struct gr_array_parameter {\n  gr_array array;\n  int32_t role;"
        + "          /* gr_parameter_role */\n  int32_t type;          /* gr_element_type */\n"
        + "  const char* length;    /* as the description writes it, e.g. \"rows * arity\" */\n"
        + "} gr_array_parameter;\n\n");
    b.append("typedef struct gr_operation_info {\n  const char* name;       /* \"gumbel_rao_backward\" */\n"
        + "  const char* label;      /* the harness's short name, \"gr\" */\n"
        + "  const char* doc;\n  int32_t binary;         /* one logit per row (arity 1) */\n"
        + "  int32_t has_key;\n  const char* samples;    /* the letter of its `samples` scalar"
        + " (\"K\", \"S\"), or NULL */\n  int32_t has_tau;\n  int32_t has_gap;\n"
        + "  int32_t has_baseline;\n  int32_t has_draws;       /* the binary draws n (binary_sample, arms) */\n  int32_t array_count;\n"
        + "  const gr_array_parameter* arrays;  /* inputs, then outputs */\n"
        + "} gr_operation_info;\n\n");
    b.append("/* The description of `op` (NULL outside [0, GR_OPERATION_COUNT)). */\n"
        + "const gr_operation_info* gr_operation_describe(gr_operation op);\n"
        + "/* The operation named `name` (gr_operation_info.name), or -1. */\n"
        + "int32_t gr_operation_find(const char* name);\n"
        + "/* The elements array `a` of operation `op` takes for `args` (the length of the"
        + " description), or -1\n * when `op` has no such array. */\n"
        + "int64_t gr_array_length(gr_operation op, gr_array a, const gr_arguments* args);\n"
        + "/* gr_<op>(place, ...) with the arguments taken from `args`. */\n"
        + "int64_t gr_invoke(gr_operation op, const gr_place* place, const gr_arguments* args);\n\n");
    b.append("#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
    return b.toString();
  }

  static List<String> concat(String first, List<String> rest) {
    List<String> l = new ArrayList<>();
    l.add(first);
    l.addAll(rest);
    return l;
  }

  static String cInternal(List<Op> ops) {
    StringBuilder b = new StringBuilder();
    b.append("// What each backend implements for the generated entry points (operations.cpp). ")
        .append(GENERATED).append("\n#pragma once\n\n#include <stdint.h>\n\n")
        .append("#include \"gumbel_rao/math.h\"\n#include \"gumbel_rao/operations.h\"\n\n")
        .append("namespace gr {\n\n")
        .append("// An operation's arguments, in the order of its entry point.\nnamespace op {\n");
    for (Op o : ops) {
      b.append("struct ").append(o.pascal()).append(" {\n");
      for (String p : cParams(o)) b.append("  ").append(p).append(";\n");
      if (o.key) {
        b.append("  // The noise key of the call (math.h): seed, stream offset, row base.\n"
            + "  GR_HD NoiseKey key() const { return noise_key(seed, offset, first_row); }\n");
      }
      b.append("};\n");
    }
    b.append("}  // namespace op\n\n");
    b.append("// The CPU backend (native/src/cpu/operations.cpp): runs the call; returns its"
        + " gr_status.\n// Called with the arguments checked and rows > 0.\nnamespace cpu {\n");
    for (Op o : ops) {
      b.append("int64_t ").append(o.name).append("(const op::").append(o.pascal()).append("& c);\n");
    }
    b.append("}  // namespace cpu\n\n");
    b.append("// The CUDA backend (cuda/*.cu): queues the call on `stream` (a cudaStream_t) with"
        + " data errors\n// reported to `status` (may be NULL); returns the cudaError_t of"
        + " queuing. Called with the\n// arguments checked and 0 < rows <= INT32_MAX."
        + " staged_<name> (operations_cuda_staged.cu) runs\n// it on host memory through device"
        + " `device`. A build without CUDA links operations_no_cuda.cpp.\nnamespace cuda {\n");
    for (Op o : ops) {
      b.append("int32_t ").append(o.name).append("(const op::").append(o.pascal())
          .append("& c, uint64_t* status, void* stream);\n");
      b.append("int64_t staged_").append(o.name).append("(int32_t device, const op::")
          .append(o.pascal()).append("& c);\n");
    }
    b.append("}  // namespace cuda\n\n}  // namespace gr\n");
    return b.toString();
  }

  /** The checks of an entry point: the C condition that rejects the call. */
  static String cInvalid(Op o) {
    List<String> bad = new ArrayList<>();
    bad.add("rows < 0");
    if (!o.binary) bad.add("arity < 1");
    for (Param p : o.scalars()) {
      String[] r = rule(p);
      switch (r[0]) {
        case "count" -> bad.add(p.name + " < " + r[1]);
        case "temperature" -> bad.add("!(" + p.name + " > 0.0f && " + p.name + " <= FLT_MAX)");
        case "finite" -> bad.add("!(" + p.name + " >= -FLT_MAX && " + p.name + " <= FLT_MAX)");
        case "finite>=0" -> bad.add("!(" + p.name + " >= 0.0f && " + p.name + " <= FLT_MAX)");
        case "flag" -> bad.add("(" + p.name + " != 0 && " + p.name + " != 1)");
        default -> throw new AssertionError(r[0]);
      }
    }
    // the noise numbers rows first_row .. first_row + rows - 1 in a 32-bit counter word
    if (o.key) bad.add("(uint64_t)first_row + (uint64_t)rows > 4294967296ull");
    List<String> required = new ArrayList<>();
    for (Param p : o.arrays()) if (p.role != Role.OPTIONAL_OUT) required.add("!" + p.name);
    bad.add("(rows > 0 && (" + String.join(" || ", required) + "))");
    return String.join(" || ", bad);
  }

  static String cEntryPoints(List<Op> ops) {
    StringBuilder b = new StringBuilder();
    b.append("// The entry points of gumbel_rao/operations.h: the checks, the NVTX range, the"
        + " dispatch by place.\n// ").append(GENERATED).append("\n")
        .append("#include <float.h>\n#include <string.h>\n\n")
        .append("#include \"gumbel_rao/nvtx_ranges.h\"\n#include \"operations_internal.h\"\n\n")
        .append("namespace {\n\n")
        .append("constexpr int64_t kInvalid = (int64_t)GR_INVALID_ARGUMENT << 40;\n\n")
        .append("int32_t kind_of(const gr_place* place) { return place ? place->kind : GR_ON_CPU; }\n\n")
        .append("// The backend a range names: \"cpu\", \"cuda host\" (host memory staged), \"cuda\".\n")
        .append("const char* range_name(int32_t kind) {\n"
            + "  return kind == GR_ON_CUDA ? \"cuda\" : kind == GR_ON_CUDA_STAGED ? \"cuda host\" : \"cpu\";\n}\n\n")
        .append("int64_t cuda_status(int32_t error) {\n"
            + "  return error == 0 ? (int64_t)GR_OK : gr_status_make(GR_CUDA_ERROR, error);\n}\n\n")
        .append("}  // namespace\n\nextern \"C\" {\n\n");
    for (Op o : ops) {
      Param samples = o.scalar("samples"), tau = o.scalar("tau");
      b.append(wrap("int64_t gr_" + o.name + "(", concat("const gr_place* place", cParams(o)),
          ") {\n", 4));
      b.append("  const int32_t on = kind_of(place);\n");
      b.append("  GR_NVTX_RANGE(\"").append(o.name).append("\", range_name(on), rows, ")
          .append(o.binary ? "1" : "arity").append(", ")
          .append(samples != null ? "samples" : "0").append(", ")
          .append(tau != null ? "tau" : "0.0f").append(");\n");
      b.append("  if (").append(cInvalid(o)).append(")\n    return kInvalid;\n");
      b.append("  if (on == GR_ON_CUDA && rows > INT32_MAX) return kInvalid;\n");
      b.append("  if (rows == 0) return GR_OK;\n");
      b.append("  const gr::op::").append(o.pascal()).append(" c{")
          .append(String.join(", ", cArgs(o))).append("};\n");
      b.append("  switch (on) {\n")
          .append("    case GR_ON_CPU: return gr::cpu::").append(o.name).append("(c);\n")
          .append("    case GR_ON_CUDA_STAGED: return gr::cuda::staged_").append(o.name)
          .append("(place->device, c);\n")
          .append("    case GR_ON_CUDA: return cuda_status(gr::cuda::").append(o.name)
          .append("(c, place->status, place->stream));\n")
          .append("    default: return kInvalid;\n  }\n}\n\n");
    }
    // the table
    List<String> arrays = arrayNames(ops);
    for (Op o : ops) {
      b.append("static const gr_array_parameter k").append(o.pascal()).append("Arrays[] = {\n");
      for (Param p : o.arrays()) {
        b.append("    {GR_ARRAY_").append(p.name.toUpperCase(Locale.ROOT)).append(", ")
            .append(p.role == Role.IN ? "GR_PARAMETER_INPUT" : p.role == Role.OUT
                ? "GR_PARAMETER_OUTPUT" : "GR_PARAMETER_OPTIONAL_OUTPUT")
            .append(", ").append(p.type == Type.F32 ? "GR_FLOAT32" : "GR_INT32").append(", \"")
            .append(lengthText(p)).append("\"},\n");
      }
      b.append("};\n");
    }
    b.append("\nstatic const gr_operation_info kOperations[GR_OPERATION_COUNT] = {\n");
    for (Op o : ops) {
      Param samples = o.scalar("samples");
      b.append("    {\"").append(o.name).append("\", \"").append(o.label).append("\", \"")
          .append(o.doc.replace("\\", "\\\\").replace("\"", "\\\"")).append("\", ")
          .append(o.binary ? 1 : 0).append(", ").append(o.key ? 1 : 0).append(", ")
          .append(samples == null ? "NULL" : "\"" + rule(samples)[2] + "\"").append(", ")
          .append(o.scalar("tau") != null ? 1 : 0).append(", ")
          .append(o.scalar("gap") != null ? 1 : 0).append(", ")
          .append(o.scalar("baseline") != null ? 1 : 0).append(", ")
          .append(o.scalar("draws") != null ? 1 : 0).append(", ")
          .append(o.arrays().size()).append(", k").append(o.pascal()).append("Arrays},\n");
    }
    b.append("};\n\n");
    b.append("const gr_operation_info* gr_operation_describe(gr_operation op) {\n"
        + "  return op >= 0 && op < GR_OPERATION_COUNT ? &kOperations[op] : NULL;\n}\n\n");
    b.append("int32_t gr_operation_find(const char* name) {\n"
        + "  for (int32_t i = 0; i < GR_OPERATION_COUNT; ++i)\n"
        + "    if (strcmp(kOperations[i].name, name) == 0) return i;\n  return -1;\n}\n\n");
    b.append("int64_t gr_array_length(gr_operation op, gr_array a, const gr_arguments* args) {\n"
        + "  switch (op) {\n");
    for (Op o : ops) {
      b.append("    case GR_OP_").append(o.constant()).append(":\n      switch (a) {\n");
      for (Param p : o.arrays()) {
        b.append("        case GR_ARRAY_").append(p.name.toUpperCase(Locale.ROOT))
            .append(": return ").append(p.length.emit(n -> cName(o, n, "args->")))
            .append(";\n");
      }
      b.append("        default: return -1;\n      }\n");
    }
    b.append("    default: return -1;\n  }\n}\n\n");
    b.append("int64_t gr_invoke(gr_operation op, const gr_place* place, const gr_arguments* args) {\n"
        + "  switch (op) {\n");
    for (Op o : ops) {
      List<String> args = new ArrayList<>();
      for (Param p : o.inputs()) {
        args.add("(" + p.cType() + ")args->arrays[GR_ARRAY_" + p.name.toUpperCase(Locale.ROOT)
            + "]");
      }
      args.add("args->rows");
      if (!o.binary) args.add("args->arity");
      for (Param p : o.scalars()) args.add("args->" + p.name);
      if (o.key) {
        args.add("args->seed");
        args.add("args->offset");
        args.add("args->first_row");
      }
      for (Param p : o.outputs()) {
        args.add("(" + p.cType() + ")args->arrays[GR_ARRAY_" + p.name.toUpperCase(Locale.ROOT)
            + "]");
      }
      b.append(wrap("    case GR_OP_" + o.constant() + ":\n      return gr_" + o.name + "(",
          concat("place", args), ");\n", 10));
    }
    b.append("    default: return kInvalid;\n  }\n}\n\n}  // extern \"C\"\n");
    if (arrays.isEmpty()) throw new AssertionError();
    return b.toString();
  }

  static String cStaged(List<Op> ops) {
    StringBuilder b = new StringBuilder();
    b.append("// Host memory through the calling thread's staging of device `device`"
        + " (cuda/host_staging.h): inputs\n// copied in, gr_<name> on the device place, outputs"
        + " copied back. ").append(GENERATED).append("\n")
        .append("#include \"host_staging.h\"\n#include \"operations_internal.h\"\n\n")
        .append("namespace gr {\nnamespace cuda {\n\n");
    for (Op o : ops) {
      b.append("int64_t staged_").append(o.name).append("(int32_t device, const op::")
          .append(o.pascal()).append("& c) {\n");
      List<String> names = new ArrayList<>();
      for (Param p : o.arrays()) {
        String bytes = "staging::bytes(" + p.length.emit(n -> cName(o, n, "c.")) + ")";
        if (p.role == Role.OPTIONAL_OUT) bytes = "c." + p.name + " ? " + bytes + " : 0";
        b.append("  staging::Array ").append(p.name).append("{")
            .append(p.role == Role.IN ? "c." + p.name + ", nullptr" : "nullptr, c." + p.name)
            .append(", ").append(bytes).append("};\n");
        names.add("&" + p.name);
      }
      b.append("  return staging::run(device, {").append(String.join(", ", names))
          .append("}, [&](char* dev, uint64_t* status, void* stream) {\n")
          .append("    const gr_place place{GR_ON_CUDA, device, stream, status};\n");
      List<String> args = new ArrayList<>();
      args.add("&place");
      for (Param p : o.inputs()) {
        args.add("staging::at<" + (p.type == Type.F32 ? "const float" : "const int32_t") + ">(dev, "
            + p.name + ")");
      }
      args.add("c.rows");
      if (!o.binary) args.add("c.arity");
      for (Param p : o.scalars()) args.add("c." + p.name);
      if (o.key) {
        args.add("c.seed");
        args.add("c.offset");
        args.add("c.first_row");
      }
      for (Param p : o.outputs()) {
        args.add("staging::at<" + (p.type == Type.F32 ? "float" : "int32_t") + ">(dev, "
            + p.name + ")");
      }
      b.append(wrap("    return gr_" + o.name + "(", args, ");\n", 8));
      b.append("  });\n}\n\n");
    }
    b.append("}  // namespace cuda\n}  // namespace gr\n");
    return b.toString();
  }

  static String cNoCuda(List<Op> ops) {
    StringBuilder b = new StringBuilder();
    b.append("// The CUDA side of a build without CUDA: every call answers cudaErrorNoDevice"
        + " (the Java layer never\n// makes one when the probe says CUDA is absent). ")
        .append(GENERATED).append("\n#include \"operations_internal.h\"\n\n")
        .append("namespace gr {\nnamespace cuda {\n\nnamespace {\n"
            + "constexpr int32_t kNoDevice = 100;  // cudaErrorNoDevice\n}  // namespace\n\n");
    for (Op o : ops) {
      b.append("int32_t ").append(o.name).append("(const op::").append(o.pascal())
          .append("&, uint64_t*, void*) { return kNoDevice; }\n");
      b.append("int64_t staged_").append(o.name).append("(int32_t, const op::")
          .append(o.pascal()).append("&) {\n  return gr_status_make(GR_CUDA_ERROR, kNoDevice);\n}\n");
    }
    b.append("\n}  // namespace cuda\n}  // namespace gr\n");
    return b.toString();
  }

  // ==================================================================================== Java

  static final String PKG = "dev.gumbelrao.backends";

  static void java(List<Op> ops, Path out) throws IOException {
    Path dir = out.resolve(PKG.replace('.', '/'));
    write(dir.resolve("Operation.java"), javaOperation(ops));
    write(dir.resolve("Calls.java"), javaCalls(ops));
    write(dir.resolve("JavaOperations.java"), javaOperations(ops));
    write(dir.resolve("NativeOperations.java"), javaNative(ops));
  }

  static String javaHead(String doc) {
    return "package " + PKG + ";\n\n" + doc + "\n";
  }

  static String javaOperation(List<Op> ops) {
    StringBuilder b = new StringBuilder(javaHead(""));
    b.append("import java.util.List;\n\n")
        .append("/**\n * The library's operations, each as data: its name in the C interface,"
            + " its arrays (inputs, then\n * outputs) and whether its rows are binary variables."
            + " " + GENERATED + "\n */\n")
        .append("public enum Operation {\n");
    for (int i = 0; i < ops.size(); i++) {
      Op o = ops.get(i);
      b.append("  /** ").append(o.doc.replace("<", "&lt;").replace(">", "&gt;")).append(" */\n");
      List<String> arrays = new ArrayList<>();
      for (Param p : o.arrays()) {
        String f = "ArrayParameter." + (p.role == Role.IN ? "input"
            : p.role == Role.OUT ? "output" : "optionalOutput");
        arrays.add(f + "(\"" + p.camel() + "\", ElementType." + p.type.element + ", \""
            + lengthText(p) + "\")");
      }
      b.append(wrap("  " + o.constant() + "(\"" + o.name + "\", " + o.binary + ", " + o.key
          + ", List.of(", arrays, "))" + (i + 1 < ops.size() ? ",\n" : ";\n\n"), 6));
    }
    b.append("  private final String cName;\n  private final boolean binary, keyed;\n"
        + "  private final List<ArrayParameter> arrays;\n\n"
        + "  Operation(String cName, boolean binary, boolean keyed, List<ArrayParameter> arrays) {\n"
        + "    this.cName = cName;\n    this.binary = binary;\n    this.keyed = keyed;\n"
        + "    this.arrays = arrays;\n  }\n\n"
        + "  /** The name of its C entry point without the prefix: gr_{@code cName()}. */\n"
        + "  public String cName() {\n    return cName;\n  }\n\n"
        + "  /** Whether its rows are binary variables of one logit each (arity 1). */\n"
        + "  public boolean binary() {\n    return binary;\n  }\n\n"
        + "  /** Whether it takes a noise key. */\n"
        + "  public boolean keyed() {\n    return keyed;\n  }\n\n"
        + "  /** Its arrays in the order of {@link Call#arrays()}: inputs, then outputs. */\n"
        + "  public List<ArrayParameter> arrays() {\n    return arrays;\n  }\n}\n");
    return b.toString();
  }

  static String javaCalls(List<Op> ops) {
    StringBuilder b = new StringBuilder(javaHead(""));
    b.append("import dev.gumbelrao.NoiseKey;\n\n")
        .append("/**\n * One record per operation: a call's arguments, in the order of its entry"
            + " point (inputs, shape,\n * scalars, key, outputs). " + GENERATED + "\n */\n")
        .append("public final class Calls {\n  private Calls() {}\n");
    for (Op o : ops) {
      List<String> fields = new ArrayList<>();
      for (Param p : o.inputs()) fields.add("Memory " + p.camel());
      fields.add("int rows");
      if (!o.binary) fields.add("int arity");
      for (Param p : o.scalars()) fields.add(p.type.java + " " + p.camel());
      if (o.key) fields.add("NoiseKey key");
      for (Param p : o.outputs()) fields.add("Memory " + p.camel());
      b.append("\n  /** ").append(o.doc.replace("<", "&lt;").replace(">", "&gt;"))
          .append(" */\n");
      b.append(wrap("  public record " + o.pascal() + "(", fields, ") implements Call {\n", 6));
      b.append("    @Override\n    public Operation operation() {\n      return Operation.")
          .append(o.constant()).append(";\n    }\n\n");
      if (o.binary) {
        b.append("    @Override\n    public int arity() {\n      return 1;\n    }\n\n");
      }
      if (!o.key) {
        b.append("    @Override\n    public NoiseKey key() {\n      return null;\n    }\n\n");
      }
      List<String> arrays = new ArrayList<>();
      for (Param p : o.arrays()) arrays.add(p.camel());
      b.append("    @Override\n    public Memory[] arrays() {\n      return new Memory[] {")
          .append(String.join(", ", arrays)).append("};\n    }\n\n");
      List<String> rebuilt = new ArrayList<>();
      int ai = 0;
      for (Param p : o.inputs()) rebuilt.add("a[" + ai++ + "]");
      rebuilt.add("rows");
      if (!o.binary) rebuilt.add("arity");
      for (Param p : o.scalars()) rebuilt.add(p.camel());
      if (o.key) rebuilt.add("key");
      for (Param p : o.outputs()) rebuilt.add("a[" + ai++ + "]");
      b.append("    @Override\n    public ").append(o.pascal()).append(" with(Memory[] a) {\n");
      b.append(wrap("      return new " + o.pascal() + "(", rebuilt, ");\n", 10));
      b.append("    }\n\n");
      b.append("    @Override\n    public long length(int array) {\n      switch (array) {\n");
      int i = 0;
      for (Param p : o.arrays()) {
        b.append("        case ").append(i++).append(": return ")
            .append(p.length.emit(n -> javaName(o, n))).append(";\n");
      }
      b.append("        default: throw new IndexOutOfBoundsException(array);\n      }\n    }\n\n");
      b.append("    @Override\n    public long work() {\n      return ")
          .append(o.work.emit(n -> javaName(o, n))).append(";\n    }\n\n");
      b.append("    @Override\n    public void checkScalars() {\n");
      for (Param p : o.scalars()) {
        String[] r = rule(p);
        switch (r[0]) {
          case "count" -> b.append("      Checks.count(").append(p.camel()).append(", ")
              .append(r[1]).append(", \"").append(p.camel()).append(" (").append(r[2])
              .append(")\");\n");
          case "temperature" -> b.append("      Checks.tau(").append(p.camel()).append(");\n");
          case "finite" -> b.append("      Checks.finite(").append(p.camel()).append(", \"")
              .append(p.camel()).append("\");\n");
          case "finite>=0" -> b.append("      Checks.finiteNonNegative(").append(p.camel())
              .append(", \"").append(p.camel()).append("\");\n");
          case "flag" -> { }
          default -> throw new AssertionError(r[0]);
        }
      }
      b.append("    }\n  }\n");
    }
    b.append("}\n");
    return b.toString();
  }

  static String javaOperations(List<Op> ops) {
    StringBuilder b = new StringBuilder(javaHead(""));
    b.append("/**\n * What a backend that implements every operation in Java provides (the JAVA"
        + " backend): one method\n * per operation, each returning a status. " + GENERATED
        + "\n */\npublic interface JavaOperations {\n");
    for (Op o : ops) {
      b.append("  long ").append(o.camel()).append("(Calls.").append(o.pascal()).append(" c);\n\n");
    }
    b.append("  /** Runs {@code c} by its operation's method. */\n"
        + "  default long run(Call c) {\n    switch (c.operation()) {\n");
    for (Op o : ops) {
      b.append("      case ").append(o.constant()).append(": return ").append(o.camel())
          .append("((Calls.").append(o.pascal()).append(") c);\n");
    }
    b.append("      default: throw new AssertionError(c.operation());\n    }\n  }\n}\n");
    return b.toString();
  }

  static String javaNative(List<Op> ops) {
    StringBuilder b = new StringBuilder(javaHead(""));
    b.append("import org.bytedeco.javacpp.annotation.Cast;\n"
        + "import org.bytedeco.javacpp.annotation.Const;\n"
        + "import org.bytedeco.javacpp.annotation.CriticalRegion;\n"
        + "import org.bytedeco.javacpp.annotation.Name;\n"
        + "import org.bytedeco.javacpp.annotation.Properties;\n\n");
    b.append("/**\n * The JNI binding of gumbel_rao/operations.h, compiled by JavaCPP: each"
        + " operation with Java arrays\n * (a critical region: the JVM hands the arrays over"
        + " without copying and holds off garbage\n * collection for the call) and with"
        + " addresses (direct buffers, staging, device memory). The place is\n * the address of"
        + " a gr_place, 0 for the CPU. Not an API: {@link Arguments} checks every call first.\n"
        + " * " + GENERATED + "\n */\n")
        .append("@Properties(inherit = NativeRuntime.class)\npublic final class NativeOperations {\n"
            + "  static {\n    NativeLibrary.load();\n  }\n\n  private NativeOperations() {}\n");
    for (Op o : ops) {
      for (boolean arrays : new boolean[] {true, false}) {
        List<String> params = new ArrayList<>();
        params.add("@Cast(\"const gr_place*\") long place");
        for (Param p : o.inputs()) params.add(javaNativeArray(p, arrays));
        params.add("long rows");
        if (!o.binary) params.add("int arity");
        for (Param p : o.scalars()) params.add((p.type == Type.F32 ? "float " : "int ") + p.camel());
        if (o.key) {
          params.add("@Cast(\"uint64_t\") long seed");
          params.add("@Cast(\"uint32_t\") int offset");
          params.add("@Cast(\"uint32_t\") int firstRow");
        }
        for (Param p : o.outputs()) params.add(javaNativeArray(p, arrays));
        b.append("\n");
        if (arrays) b.append("  @CriticalRegion\n");
        b.append("  @Name(\"gr_").append(o.name).append("\")\n");
        b.append(wrap("  static native long " + o.camel() + "(", params, ");\n", 6));
      }
    }
    // dispatchers
    b.append("\n  /** Runs {@code c} with every array a Java array (a critical region). */\n"
        + "  public static long critical(long place, Call c) {\n    switch (c.operation()) {\n");
    for (Op o : ops) b.append(javaNativeCase(o, true));
    b.append("      default: throw new AssertionError(c.operation());\n    }\n  }\n");
    b.append("\n  /** Runs {@code c} with its arrays at {@code addresses} (0 for an absent"
        + " optional output). */\n"
        + "  public static long addressed(long place, Call c, long[] addresses) {\n"
        + "    switch (c.operation()) {\n");
    for (Op o : ops) b.append(javaNativeCase(o, false));
    b.append("      default: throw new AssertionError(c.operation());\n    }\n  }\n}\n");
    return b.toString();
  }

  static String javaNativeArray(Param p, boolean arrays) {
    boolean f = p.type == Type.F32;
    if (arrays) {
      if (p.role == Role.IN) return f ? "@Const float[] " + p.camel()
          : "@Cast(\"const int32_t*\") int[] " + p.camel();
      return f ? "float[] " + p.camel() : "@Cast(\"int32_t*\") int[] " + p.camel();
    }
    String c = (p.role == Role.IN ? "const " : "") + (f ? "float" : "int32_t") + "*";
    return "@Cast(\"" + c + "\") long " + p.camel();
  }

  static String javaNativeCase(Op o, boolean arrays) {
    StringBuilder b = new StringBuilder();
    b.append("      case ").append(o.constant()).append(": {\n");
    b.append("        Calls.").append(o.pascal()).append(" k = (Calls.").append(o.pascal())
        .append(") c;\n");
    List<String> args = new ArrayList<>();
    args.add("place");
    int i = 0;
    for (Param p : o.inputs()) args.add(arrayArg(p, i++, arrays));
    args.add("k.rows()");
    if (!o.binary) args.add("k.arity()");
    for (Param p : o.scalars()) {
      args.add(p.type == Type.BOOL ? "k." + p.camel() + "() ? 1 : 0" : "k." + p.camel() + "()");
    }
    if (o.key) {
      args.add("k.key().seed()");
      args.add("k.key().offsetWord()");
      args.add("k.key().firstRowWord()");
    }
    for (Param p : o.outputs()) args.add(arrayArg(p, i++, arrays));
    b.append(wrap("        return " + o.camel() + "(", args, ");\n", 12));
    b.append("      }\n");
    return b.toString();
  }

  static String arrayArg(Param p, int index, boolean arrays) {
    if (!arrays) return "addresses[" + index + "]";
    String m = "k." + p.camel() + "()";
    String get = p.type == Type.F32 ? ".floatArray()" : ".intArray()";
    return p.role == Role.OPTIONAL_OUT ? m + " == null ? null : " + m + get : m + get;
  }

  // ==================================================================================== main

  public static void main(String[] args) throws IOException {
    if (args.length != 3 || !(args[0].equals("c") || args[0].equals("java"))) {
      System.err.println("usage: java Generate.java c|java native/operations.txt OUT_DIR");
      System.exit(2);
    }
    List<Op> ops;
    try {
      ops = parse(Path.of(args[1]));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(1);
      return;
    }
    if (args[0].equals("c")) c(ops, Path.of(args[2]));
    else java(ops, Path.of(args[2]));
  }
}
