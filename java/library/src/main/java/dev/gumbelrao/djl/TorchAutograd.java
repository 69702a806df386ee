package dev.gumbelrao.djl;

import ai.djl.ndarray.NDArray;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The two autograd calls of DJL's PyTorch engine that its public API does not offer: a backward
 * pass that keeps the graph for a later one (DJL's {@code GradientCollector.backward} always
 * frees it), and a leaf's gradient that is absent until a backward pass has reached it (DJL's
 * {@code getGradient()} returns zeros then, which hides a loss that never reached the leaf).
 * Both through {@code ai.djl.pytorch.jni.JniUtils} by reflection: the PyTorch engine is an
 * optional, runtime dependency of the caller.
 */
final class TorchAutograd {
  private TorchAutograd() {}

  private static final String JNI = "ai.djl.pytorch.jni.JniUtils";

  /**
   * Runs backward from the scalar (or any) {@code target} with a gradient of ones.
   *
   * @param keepGraph keep the graph's saved tensors for a later backward pass through it
   */
  static void backward(NDArray target, boolean keepGraph) {
    NDArray ones = target.getManager().ones(target.getShape(), target.getDataType());
    try {
      invoke("backward", target.getClass(), target, ones, keepGraph, false);
    } finally {
      ones.close();
    }
  }

  /**
   * Whether {@code e} is PyTorch's refusal of a backward pass from a tensor that autograd did not
   * record (a loss that depends on no array requiring a gradient). DJL offers no safe test
   * beforehand: its {@code hasGradient()} is false for every non-leaf, and the native grad_fn
   * name dereferences a null pointer on a leaf.
   */
  static boolean isUnrecorded(RuntimeException e) {
    String m = e.getMessage();
    return m != null && m.contains("does not require grad and does not have a grad_fn");
  }

  /** The leaf's gradient, or null when no backward pass has written one. */
  static NDArray gradientOrNull(NDArray leaf) {
    return (NDArray) invoke("getGradient", leaf.getClass(), leaf);
  }

  private static Object invoke(String name, Class<?> arrayClass, Object... args) {
    Method m = method(name, arrayClass);
    try {
      return m.invoke(null, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) throw (RuntimeException) cause;
      if (cause instanceof Error) throw (Error) cause;
      throw new IllegalStateException(cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + JNI + "." + name, e);
    }
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, Method> METHODS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static Method method(String name, Class<?> arrayClass) {
    Method m = METHODS.get(name);
    if (m != null && m.getParameterTypes()[0] == arrayClass) return m;
    m = lookUp(name, arrayClass);
    METHODS.put(name, m);
    return m;
  }

  private static Method lookUp(String name, Class<?> arrayClass) {
    if (!arrayClass.getName().equals("ai.djl.pytorch.engine.PtNDArray")) {
      throw new IllegalStateException("the sampler's backward pass needs DJL's PyTorch engine "
          + "(ai.djl.pytorch:pytorch-engine): the arrays are " + arrayClass.getName());
    }
    try {
      Class<?> jni = Class.forName(JNI, true, arrayClass.getClassLoader());
      return name.equals("backward")
          ? jni.getMethod(name, arrayClass, arrayClass, boolean.class, boolean.class)
          : jni.getMethod(name, arrayClass);
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException("DJL's PyTorch engine has no " + JNI + "." + name
          + " of the expected form (DJL 0.36's): " + e, e);
    }
  }
}
