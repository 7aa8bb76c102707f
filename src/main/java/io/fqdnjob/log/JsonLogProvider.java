package io.fqdnjob.log;

import java.time.Clock;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of {@code --log-format json}: every event becomes one JSON line on standard
 * error ({@link JsonLineWriter} lists the fields), with the levels of {@link LogLevels}.
 *
 * <p>It is not registered in {@code META-INF/services}, where slf4j-simple is: SLF4J loads it only
 * when {@link #select()} names it in the {@code slf4j.provider} system property before the first
 * logger is made, and then looks for no other provider, so it never warns of two.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
  /** The system property by which SLF4J (2.0.9 and later) takes a provider's class name. */
  static final String PROVIDER_PROPERTY = "slf4j.provider";

  /**
   * SLF4J's own messages below this level are not written: it would announce the provider named by
   * {@link #PROVIDER_PROPERTY} in a line of text among the JSON lines.
   */
  static final String INTERNAL_VERBOSITY_PROPERTY = "slf4j.internal.verbosity";

  private ILoggerFactory loggerFactory;
  private final IMarkerFactory markerFactory = new BasicMarkerFactory();
  private final MDCAdapter mdcAdapter = new NOPMDCAdapter();

  /** Public and without arguments: SLF4J makes it by reflection. */
  public JsonLogProvider() {}

  /**
   * Makes SLF4J log through this provider, levels as the system properties say now ({@link
   * LogLevels}).
   *
   * @throws IllegalStateException when a logger was made before: SLF4J chose its provider then
   */
  public static void select() {
    System.setProperty(PROVIDER_PROPERTY, JsonLogProvider.class.getName());
    System.setProperty(INTERNAL_VERBOSITY_PROPERTY, "WARN");
    ILoggerFactory chosen = LoggerFactory.getILoggerFactory();
    if (!(chosen instanceof JsonLoggerFactory)) {
      throw new IllegalStateException(
          "JSON logs were chosen after SLF4J had started with " + chosen.getClass().getName());
    }
  }

  @Override
  public void initialize() {
    loggerFactory =
        new JsonLoggerFactory(
            LogLevels.fromSystemProperties(), new JsonLineWriter(System.err, Clock.systemUTC()));
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggerFactory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markerFactory;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdcAdapter;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }
}
