package io.fqdnjob.migration;

/**
 * One thing the migration check found.
 *
 * @param severity whether it blocks the switch, needs action, or is only worth knowing
 * @param check the short name of the check that found it, e.g. {@code controller-running}
 * @param subject the object it is about, e.g. {@code deployment ns/name}
 * @param message what was found and what it means, for a person
 * @param fix what to do about it, or {@code null} when nothing needs doing
 */
public record Finding(
    Finding.Severity severity, String check, String subject, String message, String fix) {

  /** How much a finding matters to the switch. */
  public enum Severity {
    /** Switching now would have two writers fight, or lose data: do not switch yet. */
    BLOCKS,
    /** Must be dealt with before the switch is complete (or before the controller is removed). */
    ACTION,
    /** Worth knowing; does not change the exit code. */
    NOTE;

    /** Returns whether a finding of this severity makes the check fail (exit code 12). */
    public boolean fails() {
      return this != NOTE;
    }
  }
}
