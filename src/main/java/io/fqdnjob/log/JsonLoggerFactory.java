package io.fqdnjob.log;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/** The loggers of {@link JsonLogProvider}: one per name, all writing through one writer. */
final class JsonLoggerFactory implements ILoggerFactory {
  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
  private final LogLevels levels;
  private final JsonLineWriter writer;

  JsonLoggerFactory(LogLevels levels, JsonLineWriter writer) {
    this.levels = levels;
    this.writer = writer;
  }

  @Override
  public Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, n -> new JsonLogger(n, levels.threshold(n), writer));
  }
}
