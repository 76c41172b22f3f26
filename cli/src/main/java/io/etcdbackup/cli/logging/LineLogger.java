package io.etcdbackup.cli.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One named logger writing through {@link LogLines}. */
final class LineLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  LineLogger(String name) {
    this.name = name;
  }

  @Override
  public boolean isTraceEnabled() {
    return LogLines.enabled(name, Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return LogLines.enabled(name, Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return LogLines.enabled(name, Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return LogLines.enabled(name, Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return LogLines.enabled(name, Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
    LogLines.write(name, level, MessageFormatter.basicArrayFormat(pattern, args), t);
  }
}
