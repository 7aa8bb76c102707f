package io.fqdnjob.kube;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the first API request of the process at debug level, as it leaves: its timestamp minus the
 * process start is the start-up cost of a run (scripts/bench.sh reads it). Enable it alone with
 * {@code -Dorg.slf4j.simpleLogger.log.io.fqdnjob.kube.FirstRequestLog=debug}; {@code -v} enables it
 * too. Every later request costs one volatile read.
 */
final class FirstRequestLog implements Interceptor {
  private static final Logger LOG = LoggerFactory.getLogger(FirstRequestLog.class);

  private final AtomicBoolean seen = new AtomicBoolean();

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!seen.get() && seen.compareAndSet(false, true) && LOG.isDebugEnabled()) {
      LOG.debug("first API request: {} {}", request.method(), request.url().encodedPath());
    }
    return chain.proceed(request);
  }

  /** Returns whether a request went through this interceptor; for tests. */
  boolean seen() {
    return seen.get();
  }
}
