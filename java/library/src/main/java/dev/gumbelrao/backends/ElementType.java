package dev.gumbelrao.backends;

/** The element type of an operation's array: both are 4 bytes. */
public enum ElementType {
  FLOAT32,
  INT32
}
