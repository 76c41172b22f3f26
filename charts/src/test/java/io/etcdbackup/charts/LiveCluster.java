package io.etcdbackup.charts;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the ITs that run a rendered container share: values pointing the chart at a real etcd
 * (mutual TLS, its client certificate in the Secret {@code etcd-client}) and S3Proxy (static keys
 * in the Secret {@code s3-writer}), and those Secrets as {@link LocalPod} takes cluster objects.
 */
final class LiveCluster {
  private LiveCluster() {}

  /** clusterName, the external etcd and the S3 store under {@code prefix}; no encryption value. */
  static Map<String, Object> values(EtcdCluster etcd, S3Server s3, String clusterName, String prefix) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("clusterName", clusterName);
    v.put("etcd.endpoints[0]", etcd.member(0).clientUrl());
    v.put("etcd.tls.existingSecret", "etcd-client");
    v.put("store.s3.bucket", s3.bucket());
    v.put("store.s3.prefix", prefix);
    v.put("store.s3.endpoint", s3.endpoint().toString());
    v.put("store.s3.pathStyle", true);
    v.put("store.s3.region", S3Server.REGION);
    v.put("store.s3.existingSecret", "s3-writer");
    return v;
  }

  /** The Secrets {@link #values} names, as `kubectl create secret` would hold them (a mutable map, to add to). */
  static Map<String, Map<String, byte[]>> objects(EtcdCluster etcd, S3Server s3) throws IOException {
    Map<String, Map<String, byte[]>> objects = new HashMap<>();
    objects.put("secret/etcd-client", Map.of("ca.crt", Files.readAllBytes(etcd.caFile()),
        "tls.crt", Files.readAllBytes(etcd.clientCert().cert()), "tls.key", Files.readAllBytes(etcd.clientCert().key())));
    objects.put("secret/s3-writer", Map.of("AWS_ACCESS_KEY_ID", s3.accessKey().getBytes(StandardCharsets.UTF_8),
        "AWS_SECRET_ACCESS_KEY", s3.secretKey().getBytes(StandardCharsets.UTF_8)));
    return objects;
  }
}
