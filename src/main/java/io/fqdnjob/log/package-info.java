/**
 * Logging for {@code --log-format json}: an SLF4J service provider that writes every log event as
 * one JSON object on one line of standard error. It is chosen at start by name (the {@code
 * slf4j.provider} system property, see {@link io.fqdnjob.log.JsonLogProvider#select()}) and never
 * registered as a service, so text logs stay with slf4j-simple and SLF4J never sees two providers.
 */
package io.fqdnjob.log;
