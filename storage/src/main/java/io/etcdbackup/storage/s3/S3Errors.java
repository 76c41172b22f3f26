package io.etcdbackup.storage.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import javax.net.ssl.SSLException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns SDK exceptions into {@link IOException}s whose message names the object
 * ({@code s3://bucket/key}), the operation and the S3 error code. SDK messages never carry
 * credentials, and neither do ours.
 */
final class S3Errors {
  private S3Errors() {}

  static IOException io(String object, String operation, Throwable t) {
    if (t instanceof AbortedException || t instanceof InterruptedException) {
      InterruptedIOException e = new InterruptedIOException(object + ": " + operation + " interrupted");
      e.initCause(t);
      return e;
    }
    return new IOException(message(object, operation, t), t);
  }

  static String message(String object, String operation, Throwable t) {
    StringBuilder m = new StringBuilder(object).append(": ").append(operation).append(" failed: ");
    if (t instanceof AwsServiceException e) {
      String code = errorCode(e);
      m.append(code == null ? "HTTP " + e.statusCode() : code + " (HTTP " + e.statusCode() + ")");
      String detail = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
      if (detail != null && !detail.isBlank()) {
        m.append(": ").append(detail);
      }
      return m.toString();
    }
    SSLException tls = cause(t, SSLException.class);
    if (tls != null) {
      return m.append("TLS with the endpoint failed (").append(tls.getMessage())
          .append("); if it uses a private CA, pass that CA's certificates with --s3-ca-bundle").toString();
    }
    m.append(t.getMessage());
    Throwable root = rootCause(t);
    if (root != t && root.getMessage() != null && !String.valueOf(t.getMessage()).contains(root.getMessage())) {
      m.append(" (").append(root.getClass().getSimpleName()).append(": ").append(root.getMessage()).append(')');
    }
    return m.toString();
  }

  /** The S3 error code ({@code NoSuchKey}, {@code BadDigest}...), if the response carried one. */
  static String errorCode(AwsServiceException e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  static boolean isNotFound(SdkException e) {
    return e instanceof AwsServiceException s && s.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(s));
  }

  /** The store does not implement the operation: 501, as S3-compatible stores answer for what they lack. */
  static boolean isNotImplemented(SdkException e) {
    return e instanceof AwsServiceException s && (s.statusCode() == 501 || "NotImplemented".equals(errorCode(s)));
  }

  /** The S3 error code, or {@code HTTP <status>} when the response carried none: for reports. */
  static String codeOrStatus(AwsServiceException e) {
    String code = errorCode(e);
    return code == null || code.isBlank() ? "HTTP " + e.statusCode() : code;
  }

  /**
   * Whether trying again may succeed: throttling, server errors, S3's request timeout, or an I/O
   * failure on the way (reset connection), but not TLS trust failures or interrupts.
   */
  static boolean isRetryable(Throwable t) {
    if (t instanceof AbortedException) {
      return false;
    }
    if (t instanceof AwsServiceException e) {
      // 501 NotImplemented (e.g. SSE on a store without it) is an answer, not an outage.
      return e.isThrottlingException() || (e.statusCode() >= 500 && e.statusCode() != 501)
          || e.statusCode() == 408 || "RequestTimeout".equals(errorCode(e));
    }
    if (t instanceof SdkClientException) {
      return cause(t, IOException.class) != null && cause(t, SSLException.class) == null;
    }
    return t instanceof SdkException e && e.retryable();
  }

  private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}
