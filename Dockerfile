# etcd-backup image: docs/kubernetes.md ("The image") says how to build, scan and push it.
# Not built in this repository's CI (no container engine there): review it by reading.
#
#   docker build -t ghcr.io/etcd-backup/etcd-backup:0.1.0 .

# An etcd binary for restore drills (`etcd-backup drill --drill-etcd /usr/local/bin/etcd`),
# from etcd's official image.
FROM gcr.io/etcd-development/etcd:v3.5.30 AS etcd

FROM eclipse-temurin:21-jdk-noble AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -pl cli -am package -DskipTests -Dcds.skip=true

# Java 21+: its ChaCha20-Poly1305 intrinsics make age encryption ~8x faster than 17's
# (/work/shared/design/LIBRARIES.md, "Throughput").
FROM eclipse-temurin:21-jre-noble
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="etcd-backup" \
      org.opencontainers.image.description="Verified, encrypted etcd backups to S3 or a directory, and native restore" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/etcd-backup/etcd-backup" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /src/cli/target/etcd-backup.jar /opt/etcd-backup/lib/etcd-backup.jar
COPY --from=build /src/cli/src/main/cds/classlist /opt/etcd-backup/lib/classlist
COPY --from=build /src/bin/etcd-backup /opt/etcd-backup/bin/etcd-backup
COPY --from=etcd /usr/local/bin/etcd /usr/local/bin/etcd
# The class-data archive must be made by the JRE that maps it: this one, not the build's JDK.
# bin/etcd-backup maps <jar without .jar>.jsa when it is there.
RUN java -Xshare:dump -XX:SharedClassListFile=/opt/etcd-backup/lib/classlist \
        -XX:SharedArchiveFile=/opt/etcd-backup/lib/etcd-backup.jsa -Xlog:disable -Xlog:all=error:stderr \
        -cp /opt/etcd-backup/lib/etcd-backup.jar \
 && ln -s /opt/etcd-backup/bin/etcd-backup /usr/local/bin/etcd-backup \
 && etcd-backup --version && etcd --version
ENV ETCD_BACKUP_JAR=/opt/etcd-backup/lib/etcd-backup.jar
# Non-root, numeric (Kubernetes' runAsNonRoot can check a number only); the chart sets the same.
USER 65532:65532
ENTRYPOINT ["etcd-backup"]
CMD ["--help"]
