package dev.gumbelrao.backends;

/**
 * One array of an operation, as native/operations.txt describes it: the name its errors use, its
 * role, its element type and its length as the description writes it ("rows * arity").
 */
public record ArrayParameter(String name, Role role, ElementType type, String lengthText) {
  /** Whether the operation reads the array, writes it, or may be given none to write. */
  public enum Role {
    INPUT,
    OUTPUT,
    OPTIONAL_OUTPUT
  }

  static ArrayParameter input(String name, ElementType type, String length) {
    return new ArrayParameter(name, Role.INPUT, type, length);
  }

  static ArrayParameter output(String name, ElementType type, String length) {
    return new ArrayParameter(name, Role.OUTPUT, type, length);
  }

  static ArrayParameter optionalOutput(String name, ElementType type, String length) {
    return new ArrayParameter(name, Role.OPTIONAL_OUTPUT, type, length);
  }

  public boolean output() {
    return role != Role.INPUT;
  }
}
