package io.fqdnjob.testbed;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving integration tests a {@link TestBed}.
 *
 * <ul>
 *   <li>Once per JVM it runs {@code scripts/testbed.sh up --node} ({@code up} without a node when
 *       {@code FQDN_TESTBED_NODE=0}), reusing a bed that is already running as it is, and reads the
 *       addresses with {@code scripts/testbed.sh env}. After the last test it runs {@code
 *       scripts/testbed.sh down}, but only if this JVM started the bed and {@code
 *       FQDN_TESTBED_KEEP} is not {@code 1}; a bed started by hand is left running for the next
 *       build.
 *   <li>Each test class gets a fresh namespace, created before its first test and deleted after its
 *       last. {@code @Nested} classes get their own.
 *   <li>A {@code TestBed} parameter is resolved for tests, lifecycle methods ({@code @BeforeAll},
 *       {@code @BeforeEach}, ...) and constructors.
 * </ul>
 *
 * <p>The repository root comes from {@code FQDN_PROJECT_DIR} (set by the Failsafe configuration) or
 * from walking up from the working directory to {@code pom.xml}.
 */
public final class TestBedExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(TestBedExtension.class);
  private static final Duration NAMESPACE_READY_TIMEOUT = Duration.ofSeconds(60);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Creates the extension; JUnit does this for {@code @ExtendWith}. */
  public TestBedExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    // Create the class's namespace up front so that its cost is not charged to the first test.
    bedFor(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestBed.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return bedFor(context);
  }

  private static TestBed bedFor(ExtensionContext context) {
    BedProcesses processes =
        context
            .getRoot()
            .getStore(STORE)
            .getOrComputeIfAbsent(
                BedProcesses.class, key -> BedProcesses.start(), BedProcesses.class);
    ExtensionContext classContext = classContext(context);
    return classContext
        .getStore(STORE)
        .getOrComputeIfAbsent(
            ClassNamespace.class,
            key -> ClassNamespace.create(processes, classContext.getRequiredTestClass()),
            ClassNamespace.class)
        .bed();
  }

  /** The context of the innermost test class around {@code context}. */
  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext current = context;
    while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
      current = current.getParent().get();
    }
    return current;
  }

  /** A test class's namespace; JUnit closes it (deleting the namespace) after the class. */
  private record ClassNamespace(TestBed bed) implements AutoCloseable {
    static ClassNamespace create(BedProcesses processes, Class<?> testClass) {
      String name = namespaceName(testClass);
      CoreV1Api core = new CoreV1Api(processes.adminClient());
      V1Namespace namespace =
          new V1Namespace()
              .metadata(
                  new V1ObjectMeta()
                      .name(name)
                      .labels(Map.of("fqdn-job.test/bed", "true"))
                      .annotations(Map.of("fqdn-job.test/class", testClass.getName())));
      try {
        core.createNamespace(namespace).execute();
        waitForDefaultServiceAccount(core, name);
      } catch (ApiException e) {
        throw new TestBedException(
            "could not create namespace "
                + name
                + " for "
                + testClass.getName()
                + ": HTTP "
                + e.getCode()
                + " "
                + e.getResponseBody(),
            e);
      }
      return new ClassNamespace(new TestBed(processes, name));
    }

    /**
     * Tests may mint tokens for {@code default} or create pods right away, as on a real cluster,
     * where the service account controller creates it within moments.
     */
    private static void waitForDefaultServiceAccount(CoreV1Api core, String namespace)
        throws ApiException {
      Instant deadline = Instant.now().plus(NAMESPACE_READY_TIMEOUT);
      while (true) {
        try {
          core.readNamespacedServiceAccount("default", namespace).execute();
          return;
        } catch (ApiException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
        if (Instant.now().isAfter(deadline)) {
          throw new TestBedException(
              "ServiceAccount default did not appear in namespace "
                  + namespace
                  + " within "
                  + NAMESPACE_READY_TIMEOUT.toSeconds()
                  + " s; is kube-controller-manager running? See its log in the bed's logs folder");
        }
        sleepBriefly();
      }
    }

    /** Deletes the namespace without waiting; the namespace controller empties it. */
    @Override
    public void close() throws ApiException {
      try {
        new CoreV1Api(bed.client())
            .deleteNamespace(bed.namespace())
            .body(new V1DeleteOptions().propagationPolicy("Background"))
            .execute();
      } catch (ApiException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** {@code it-<class>-<random>}, a valid namespace name of at most 63 characters. */
  static String namespaceName(Class<?> testClass) {
    String base = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    base = base.replaceAll("^-+|-+$", "");
    if (base.length() > 40) {
      base = base.substring(0, 40);
    }
    return "it-" + base + "-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted while waiting for the test bed", e);
    }
  }
}
