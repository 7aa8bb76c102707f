package io.fqdnjob.model;

import java.time.Instant;

/**
 * An address a name has answered with, and when it last did ({@code status.fqdns[].seenAddresses}).
 *
 * @param address a host route, {@code /32} or {@code /128}
 */
public record SeenAddress(String address, Instant lastSeenTime) {}
