package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiException;

/**
 * The DNS Service of {@code --dns-from-service} exists but has no endpoint at all: every replica is
 * gone. A passing outage, not a configuration error: the run fails, writes nothing, and the next
 * run reads the Service again.
 */
public final class DnsServiceUnavailableException extends ApiException {
  private final String message;

  DnsServiceUnavailableException(String message) {
    super(message);
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
