package dev.gumbelrao.testing;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

/**
 * Runs the test once on each backend of {@link TestBackends#all()}, given to it open (and closed
 * after it) as its {@link Backend} parameter, and as a {@link BackendKind} parameter where it
 * takes one. A backend that cannot run here (CUDA without a device or kernels; CPU without the
 * native library) is reported as a skipped run with its reason, never silently dropped.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@ExtendWith(EveryBackend.Runs.class)
public @interface EveryBackend {

  /** The runs of a test: one per backend. */
  final class Runs implements TestTemplateInvocationContextProvider {
    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
      return true;
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(
        ExtensionContext context) {
      return TestBackends.all().map(Run::new);
    }
  }

  /**
   * One run: skipped, with the reason, where the backend is unavailable; else given the backend,
   * opened when the test asks for it and closed after the test.
   */
  final class Run implements TestTemplateInvocationContext, ExecutionCondition,
      ParameterResolver, AfterEachCallback {
    private final BackendKind kind;
    private Backend opened;

    Run(BackendKind kind) {
      this.kind = kind;
    }

    @Override
    public String getDisplayName(int invocationIndex) {
      return "[" + invocationIndex + "] " + kind;
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
      return List.of(this);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      BackendStatus status = Backends.status(kind);
      return status.available() ? ConditionEvaluationResult.enabled(status.toString())
          : ConditionEvaluationResult.disabled(status.toString());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      Class<?> type = parameter.getParameter().getType();
      return type == Backend.class || type == BackendKind.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      if (parameter.getParameter().getType() == BackendKind.class) return kind;
      if (opened == null) opened = Backend.open(kind);
      return opened;
    }

    @Override
    public void afterEach(ExtensionContext context) {
      if (opened != null) opened.close();
      opened = null;
    }
  }
}
