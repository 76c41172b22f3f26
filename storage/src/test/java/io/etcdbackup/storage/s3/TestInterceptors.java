package io.etcdbackup.storage.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/** Interceptors at the SDK's edge that watch what a store sends, or break it on purpose. Test code only. */
final class TestInterceptors {
  private TestInterceptors() {}

  /** One request as it went on the wire, and what came back. */
  record Sent(String operation, Integer partNumber, Map<String, List<String>> headers,
      Map<String, List<String>> responseHeaders, int status) {
    String header(String name) {
      return first(headers, name);
    }

    String responseHeader(String name) {
      return first(responseHeaders, name);
    }

    private static String first(Map<String, List<String>> headers, String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  /**
   * Records every HTTP exchange a store makes (SDK retries included), counts API calls per
   * operation (one per call, whatever the SDK retried inside it), and the most part uploads that
   * ever ran at once.
   */
  static final class Recorder implements ExecutionInterceptor {
    final List<Sent> sent = new CopyOnWriteArrayList<>();
    /** Every API call's request, as the store built it. */
    final List<SdkRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final AtomicInteger partsRunning = new AtomicInteger();
    private final AtomicInteger maxPartsRunning = new AtomicInteger();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
      calls.computeIfAbsent(operation(context.request()), k -> new AtomicInteger()).incrementAndGet();
      requests.add(context.request());
      if (context.request() instanceof UploadPartRequest) {
        maxPartsRunning.accumulateAndGet(partsRunning.incrementAndGet(), Math::max);
      }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
      Integer part = context.request() instanceof UploadPartRequest p ? p.partNumber() : null;
      sent.add(new Sent(operation(context.request()), part, context.httpRequest().headers(),
          context.httpResponse().headers(), context.httpResponse().statusCode()));
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
      partEnded(context.request());
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
      partEnded(context.request());
    }

    private void partEnded(SdkRequest request) {
      if (request instanceof UploadPartRequest) {
        partsRunning.decrementAndGet();
      }
    }

    int calls(String operation) {
      AtomicInteger n = calls.get(operation);
      return n == null ? 0 : n.get();
    }

    int maxPartsRunning() {
      return maxPartsRunning.get();
    }

    List<Sent> sent(String operation) {
      return sent.stream().filter(s -> s.operation().equals(operation)).toList();
    }

    List<String> operations() {
      return sent.stream().map(Sent::operation).toList();
    }

    <T extends SdkRequest> List<T> requests(Class<T> type) {
      return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  /** Fails the first {@code times} attempts to upload part {@code part} with {@code error}; counts attempts. */
  static final class FailPart implements ExecutionInterceptor {
    private final int part;
    private final AtomicInteger remaining;
    private final Supplier<RuntimeException> error;
    final AtomicInteger attempts = new AtomicInteger();

    FailPart(int part, int times, Supplier<RuntimeException> error) {
      this.part = part;
      this.remaining = new AtomicInteger(times);
      this.error = error;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof UploadPartRequest p && p.partNumber() == part) {
        attempts.incrementAndGet();
        if (remaining.getAndDecrement() > 0) {
          throw error.get();
        }
      }
      return context.request();
    }
  }

  /** An I/O failure on the way, as a reset connection: retryable. */
  static RuntimeException connectionReset() {
    return SdkClientException.builder().message("injected: connection reset")
        .cause(new IOException("Connection reset (injected)")).build();
  }

  /** A failure that trying again cannot cure. */
  static RuntimeException permanentFault() {
    return SdkClientException.builder().message("injected: permanent fault").build();
  }

  /** Replaces the SHA-256 that part {@code part} announces, as if its bytes had been corrupted on the way. */
  static final class WrongChecksum implements ExecutionInterceptor {
    private final int part;
    private final String wrong;

    WrongChecksum(int part, String wrongSha256Base64) {
      this.part = part;
      this.wrong = wrongSha256Base64;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof UploadPartRequest p && p.partNumber() == part) {
        return p.toBuilder().checksumSHA256(wrong).build();
      }
      return context.request();
    }
  }

  /** Holds every part upload until {@link #release()}; a thread interrupted while held fails its part. */
  static final class HoldParts implements ExecutionInterceptor {
    private final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger held = new AtomicInteger();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
      if (context.request() instanceof UploadPartRequest) {
        held.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw SdkClientException.create("part upload interrupted while held", e);
        }
      }
    }

    void release() {
      release.countDown();
    }
  }

  /** Cuts every object download short after {@code limit} bytes, as a dropped connection would. */
  static final class TruncateDownloads implements ExecutionInterceptor {
    private final int limit;

    TruncateDownloads(int limit) {
      this.limit = limit;
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
        ExecutionAttributes attributes) {
      if (!(context.request() instanceof GetObjectRequest)) {
        return context.responseBody();
      }
      return context.responseBody().map(body -> {
        try (body) {
          return new ByteArrayInputStream(body.readNBytes(limit));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  /**
   * S3 refusing to delete one object of a {@code DeleteObjects} request, as it does where a bucket
   * policy denies it ({@code AccessDenied}): the key is taken out of the request (so S3Proxy keeps
   * it) and an {@code <Error>} for it is put into the response, in the form of S3's result.
   */
  static final class RefuseDelete implements ExecutionInterceptor {
    private final String objectKey;
    private final String code;

    RefuseDelete(String objectKey, String code) {
      this.objectKey = objectKey;
      this.code = code;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof DeleteObjectsRequest r) {
        List<ObjectIdentifier> others = r.delete().objects().stream().filter(o -> !o.key().equals(objectKey)).toList();
        return r.toBuilder().delete(r.delete().toBuilder().objects(others).build()).build();
      }
      return context.request();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
        ExecutionAttributes attributes) {
      if (!(context.request() instanceof DeleteObjectsRequest)) {
        return context.responseBody();
      }
      return context.responseBody().map(body -> {
        try (body) {
          String xml = new String(body.readAllBytes(), StandardCharsets.UTF_8);
          String error = "<Error><Key>" + objectKey + "</Key><Code>" + code + "</Code><Message>injected: "
              + code + "</Message></Error>";
          // A quiet result with no error is <DeleteResult .../> or <DeleteResult ...></DeleteResult>.
          String injected = xml.contains("</DeleteResult>")
              ? xml.replace("</DeleteResult>", error + "</DeleteResult>")
              : xml.replaceFirst("<DeleteResult([^>]*)/>", "<DeleteResult$1>" + error + "</DeleteResult>");
          if (injected.equals(xml)) {
            throw new IllegalStateException("no DeleteResult in " + xml);
          }
          return new ByteArrayInputStream(injected.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  /** A store without the batch delete API: every {@code DeleteObjects} is answered 501 NotImplemented. */
  static final class NoBatchDelete implements ExecutionInterceptor {
    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof DeleteObjectsRequest) {
        throw S3Exception.builder().statusCode(501)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("NotImplemented")
                .errorMessage("injected: A header you provided implies functionality that is not implemented").build())
            .build();
      }
      return context.request();
    }
  }

  /** Asks for {@code size} multipart uploads a page, so that a few uploads make several pages. */
  static final class UploadsPageSize implements ExecutionInterceptor {
    private final int size;

    UploadsPageSize(int size) {
      this.size = size;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof ListMultipartUploadsRequest r) {
        return r.toBuilder().maxUploads(size).build();
      }
      return context.request();
    }
  }

  static String operation(SdkRequest request) {
    String name = request.getClass().getSimpleName();
    return name.endsWith("Request") ? name.substring(0, name.length() - "Request".length()) : name;
  }
}
