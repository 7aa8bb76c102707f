package io.fqdnjob.cli;

import io.fqdnjob.job.Lifecycle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --heartbeat-file}: the time of the loop's last progress, in seconds since the epoch, for a
 * liveness probe to compare with its own clock. Written whole (a new file moved over the old), at
 * most every two seconds.
 */
final class HeartbeatFile implements Lifecycle.Heartbeat {
  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatFile.class);
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(2);

  private final Path file;
  private Instant written;
  private boolean warned;

  HeartbeatFile(Path file) {
    this.file = file;
  }

  @Override
  public synchronized void beat(Instant now) {
    if (written != null && now.isBefore(written.plus(MIN_INTERVAL))) {
      return;
    }
    written = now;
    Path next = file.resolveSibling(file.getFileName() + ".next");
    try {
      Files.writeString(next, now.getEpochSecond() + "\n", StandardCharsets.US_ASCII);
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (!warned) {
        warned = true;
        LOG.warn("could not write --heartbeat-file {}: {}", file, e.toString());
      }
    }
  }
}
