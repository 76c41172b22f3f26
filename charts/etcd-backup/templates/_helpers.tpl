{{/* Names and labels. */}}
{{- define "etcd-backup.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "etcd-backup.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "etcd-backup.labels" -}}
{{ include "etcd-backup.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "etcd-backup.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "etcd-backup.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "etcd-backup.exporterServiceAccountName" -}}
{{- if .Values.exporter.serviceAccount.create -}}
{{- default (printf "%s-exporter" (include "etcd-backup.fullname" .)) .Values.exporter.serviceAccount.name -}}
{{- else -}}
{{- include "etcd-backup.serviceAccountName" . -}}
{{- end -}}
{{- end -}}

{{- define "etcd-backup.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The etcd presets: where each distribution keeps an etcd client certificate on its etcd nodes.
kubeadm: /etc/kubernetes/pki/etcd (kubeadm's certificate layout; healthcheck-client is the
client certificate kubeadm makes for probing etcd). k3s and RKE2: <data-dir>/server/tls/etcd,
the server's own client certificate (server-client.crt), data-dir /var/lib/rancher/k3s and
/var/lib/rancher/rke2 by default. All three listen for clients on https://127.0.0.1:2379.
*/}}
{{- define "etcd-backup.preset" -}}
{{- $p := dict
  "kubeadm" (dict "dir" "/etc/kubernetes/pki/etcd" "ca" "ca.crt" "cert" "healthcheck-client.crt" "key" "healthcheck-client.key" "nodeLabel" "node-role.kubernetes.io/control-plane" "nodeValue" "")
  "k3s" (dict "dir" "/var/lib/rancher/k3s/server/tls/etcd" "ca" "server-ca.crt" "cert" "server-client.crt" "key" "server-client.key" "nodeLabel" "node-role.kubernetes.io/etcd" "nodeValue" "true")
  "rke2" (dict "dir" "/var/lib/rancher/rke2/server/tls/etcd" "ca" "server-ca.crt" "cert" "server-client.crt" "key" "server-client.key" "nodeLabel" "node-role.kubernetes.io/etcd" "nodeValue" "true")
-}}
{{- toJson (get $p .Values.etcd.preset | default dict) -}}
{{- end -}}

{{/* true when the pod reads the etcd certificate from the node (a preset without a Secret). */}}
{{- define "etcd-backup.hostCerts" -}}
{{- if and (ne .Values.etcd.preset "external") (not .Values.etcd.tls.existingSecret) -}}true{{- end -}}
{{- end -}}

{{- define "etcd-backup.onNode" -}}
{{- if ne .Values.etcd.preset "external" -}}true{{- end -}}
{{- end -}}

{{- define "etcd-backup.etcdCertDir" -}}
{{- if include "etcd-backup.hostCerts" . -}}
{{- default (include "etcd-backup.preset" . | fromJson).dir .Values.etcd.presetCertDir -}}
{{- else -}}
/etc/etcd-backup/etcd-tls
{{- end -}}
{{- end -}}

{{/* The etcd files as [ca, cert, key] file names inside etcdCertDir. */}}
{{- define "etcd-backup.etcdCertFiles" -}}
{{- if include "etcd-backup.hostCerts" . -}}
{{- $p := include "etcd-backup.preset" . | fromJson -}}
{{- toJson (list $p.ca $p.cert $p.key) -}}
{{- else -}}
{{- toJson (list "ca.crt" "tls.crt" "tls.key") -}}
{{- end -}}
{{- end -}}

{{- define "etcd-backup.etcdEndpoints" -}}
{{- if .Values.etcd.endpoints -}}
{{- join "," .Values.etcd.endpoints -}}
{{- else if include "etcd-backup.onNode" . -}}
https://127.0.0.1:2379
{{- else -}}
{{- fail "etcd.endpoints is required with etcd.preset=external (the etcd client URLs, https://10.0.0.1:2379)" -}}
{{- end -}}
{{- end -}}

{{/* The store URI, as --to and --from take it. */}}
{{- define "etcd-backup.storeUri" -}}
{{- if eq .Values.store.type "s3" -}}
{{- printf "s3://%s/%s" .Values.store.s3.bucket (trimAll "/" .Values.store.s3.prefix) | trimSuffix "/" -}}
{{- else -}}
/var/lib/etcd-backup/store
{{- end -}}
{{- end -}}

{{/* Store flags (a JSON list of args), shared by snapshot and the exporter. */}}
{{- define "etcd-backup.storeArgs" -}}
{{- $a := list -}}
{{- if eq .Values.store.type "s3" -}}
{{- with .Values.store.s3 -}}
{{- if .region -}}{{- $a = append $a (printf "--s3-region=%s" .region) -}}{{- end -}}
{{- if .endpoint -}}{{- $a = append $a (printf "--s3-endpoint=%s" .endpoint) -}}{{- end -}}
{{- if .pathStyle -}}{{- $a = append $a "--s3-path-style" -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $a -}}
{{- end -}}

{{/* S3 credentials from a Secret, as the AWS SDK's default chain reads them. Arg: dict "secret" name "ctx" . */}}
{{- define "etcd-backup.s3Env" -}}
{{- $v := .ctx.Values -}}
{{- if and (eq $v.store.type "s3") .secret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ $v.store.s3.accessKeyIdKey }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ $v.store.s3.secretAccessKeyKey }}
{{- end }}
{{- end -}}

{{/* Environment shared by every container. */}}
{{- define "etcd-backup.commonEnv" -}}
{{- if .Values.javaOpts }}
- name: JAVA_OPTS
  value: {{ .Values.javaOpts | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* etcd auth from a Secret. */}}
{{- define "etcd-backup.etcdAuthEnv" -}}
{{- with .Values.etcd.auth }}
{{- if .existingSecret }}
- name: ETCD_BACKUP_USER
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .usernameKey }}
- name: ETCD_BACKUP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The sizeLimit of the spool: 2.25 x maxDbSize, in Mi. */}}
{{- define "etcd-backup.spoolSizeLimit" -}}
{{- $m := regexFind "^[0-9]+" .Values.spool.maxDbSize | int -}}
{{- if hasSuffix "Gi" .Values.spool.maxDbSize -}}{{- $m = mul $m 1024 -}}{{- end -}}
{{- printf "%dMi" (add (mul $m 2) (div $m 4)) -}}
{{- end -}}

{{/* Pod-level security: non-root, except where the node's root-owned 0600 etcd keys are read. */}}
{{- define "etcd-backup.podSecurityContext" -}}
{{- if include "etcd-backup.hostCerts" . -}}
runAsNonRoot: false
runAsUser: 0
runAsGroup: 0
{{- else -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Non-root pods of the chart (the exporter never reads the node's files). */}}
{{- define "etcd-backup.nonRootPodSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "etcd-backup.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Where the pod runs: a preset puts it on an etcd node, on the host network. */}}
{{- define "etcd-backup.placement" -}}
{{- $p := include "etcd-backup.preset" . | fromJson -}}
{{- if include "etcd-backup.onNode" . }}
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- end }}
{{- $sel := dict -}}
{{- if $p.nodeLabel -}}{{- $_ := set $sel $p.nodeLabel $p.nodeValue -}}{{- end -}}
{{- $sel = merge (deepCopy .Values.nodeSelector) $sel -}}
{{- with $sel }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $tol := list -}}
{{- if include "etcd-backup.onNode" . -}}
{{- $tol = append $tol (dict "key" "node-role.kubernetes.io/control-plane" "operator" "Exists" "effect" "NoSchedule") -}}
{{- if ne .Values.etcd.preset "kubeadm" -}}
{{- $tol = append $tol (dict "key" "node-role.kubernetes.io/etcd" "operator" "Exists" "effect" "NoExecute") -}}
{{- $tol = append $tol (dict "key" "CriticalAddonsOnly" "operator" "Exists") -}}
{{- end -}}
{{- end -}}
{{- $tol = concat $tol .Values.tolerations -}}
{{- with $tol }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* Volumes of a pod that talks to etcd and writes backups (the CronJob's and the daemon's). */}}
{{- define "etcd-backup.backupVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: spool
  emptyDir:
    {{- with .Values.spool.medium }}
    medium: {{ . }}
    {{- end }}
    sizeLimit: {{ include "etcd-backup.spoolSizeLimit" . }}
- name: etcd-tls
{{- if include "etcd-backup.hostCerts" . }}
  hostPath:
    path: {{ include "etcd-backup.etcdCertDir" . }}
    type: Directory
{{- else }}
  secret:
    secretName: {{ .Values.etcd.tls.existingSecret }}
    defaultMode: 288  # 0440: YAML 1.1 reads a leading 0 as octal, YAML 1.2 does not
    items:
      - {key: ca.crt, path: ca.crt}
      - {key: tls.crt, path: tls.crt}
      - {key: tls.key, path: tls.key}
{{- end }}
{{- include "etcd-backup.recipientsVolume" . }}
{{- include "etcd-backup.localStoreVolume" . }}
{{- end -}}

{{- define "etcd-backup.recipientsVolume" -}}
{{- with .Values.encryption.recipientsFrom }}
{{- if .secret }}
- name: age-recipients
  secret:
    secretName: {{ .secret }}
    defaultMode: 292  # 0444
    items:
      - {key: {{ .key }}, path: {{ .key }}}
{{- else if .configMap }}
- name: age-recipients
  configMap:
    name: {{ .configMap }}
    items:
      - {key: {{ .key }}, path: {{ .key }}}
{{- end }}
{{- end }}
{{- end -}}

{{- define "etcd-backup.localStoreVolume" -}}
{{- if eq .Values.store.type "local" }}
- name: store
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-store" (include "etcd-backup.fullname" .)) .Values.store.local.existingClaim }}
{{- end }}
{{- end -}}

{{- define "etcd-backup.backupVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: spool
  mountPath: /var/spool/etcd-backup
- name: etcd-tls
  mountPath: {{ include "etcd-backup.etcdCertDir" . }}
  readOnly: true
{{- if or .Values.encryption.recipientsFrom.secret .Values.encryption.recipientsFrom.configMap }}
- name: age-recipients
  mountPath: /etc/etcd-backup/age
  readOnly: true
{{- end }}
{{- if eq .Values.store.type "local" }}
- name: store
  mountPath: /var/lib/etcd-backup/store
{{- end }}
{{- end -}}

{{/* Connection flags of etcd (a JSON list). */}}
{{- define "etcd-backup.etcdArgs" -}}
{{- $dir := include "etcd-backup.etcdCertDir" . -}}
{{- $f := include "etcd-backup.etcdCertFiles" . | fromJsonArray -}}
{{- toJson (list
  (printf "--endpoints=%s" (include "etcd-backup.etcdEndpoints" .))
  (printf "--cacert=%s/%s" $dir (index $f 0))
  (printf "--cert=%s/%s" $dir (index $f 1))
  (printf "--key=%s/%s" $dir (index $f 2))) -}}
{{- end -}}

{{/* Encryption flags (a JSON list). */}}
{{- define "etcd-backup.encryptionArgs" -}}
{{- $a := list -}}
{{- range .Values.encryption.recipients -}}{{- $a = append $a (printf "--encrypt-to=%s" .) -}}{{- end -}}
{{- if or .Values.encryption.recipientsFrom.secret .Values.encryption.recipientsFrom.configMap -}}
{{- $a = append $a (printf "--recipients-file=/etc/etcd-backup/age/%s" .Values.encryption.recipientsFrom.key) -}}
{{- end -}}
{{- toJson $a -}}
{{- end -}}

{{/* Retention: flag name => value name, in the order of docs/retention.md. */}}
{{- define "etcd-backup.retentionFlags" -}}
{{- toJson (list
  (list "keep-last" "keepLast") (list "keep-within" "keepWithin") (list "keep-hourly" "keepHourly")
  (list "keep-daily" "keepDaily") (list "keep-weekly" "keepWeekly") (list "keep-monthly" "keepMonthly")
  (list "keep-yearly" "keepYearly") (list "max-total-size" "maxTotalSize") (list "min-keep" "minKeep")
  (list "prune-grace" "pruneGrace")) -}}
{{- end -}}

{{/* Retention flags (a JSON list). */}}
{{- define "etcd-backup.retentionArgs" -}}
{{- $r := .Values.retention -}}
{{- $a := list -}}
{{- range (include "etcd-backup.retentionFlags" . | fromJsonArray) -}}
{{- $v := get $r (index . 1) -}}
{{- if and (not (kindIs "invalid" $v)) (ne (toString $v) "") -}}
{{- $a = append $a (printf "--%s=%s" (index . 0) (include "etcd-backup.scalar" $v)) -}}
{{- end -}}
{{- end -}}
{{- toJson $a -}}
{{- end -}}

{{/* The whole snapshot command line after the command (a JSON list). */}}
{{- define "etcd-backup.snapshotArgs" -}}
{{- $v := .Values -}}
{{- $a := list "snapshot" (printf "--to=%s" (include "etcd-backup.storeUri" .)) (printf "--cluster-name=%s" $v.clusterName) -}}
{{- $a = concat $a (include "etcd-backup.etcdArgs" . | fromJsonArray) (include "etcd-backup.storeArgs" . | fromJsonArray) -}}
{{- if and (eq $v.store.type "s3") $v.store.s3.sse -}}
{{- $a = append $a (printf "--s3-sse=%s" $v.store.s3.sse) -}}
{{- with $v.store.s3.sseKmsKeyId -}}{{- $a = append $a (printf "--s3-sse-kms-key-id=%s" .) -}}{{- end -}}
{{- end -}}
{{- $a = concat $a (list "--spool-dir=/var/spool/etcd-backup" (printf "--compression=%s" $v.backup.compression)) -}}
{{- $a = concat $a (include "etcd-backup.encryptionArgs" . | fromJsonArray) -}}
{{- if $v.backup.verifyHashKV -}}{{- $a = append $a "--verify-hashkv" -}}{{- end -}}
{{- $a = append $a (printf "--timeout=%s" $v.backup.timeout) -}}
{{- $a = concat $a (include "etcd-backup.retentionArgs" . | fromJsonArray) -}}
{{- with $v.metrics.pushgateway -}}
{{- $a = concat $a (list (printf "--pushgateway=%s" .) (printf "--expected-interval=%s" $v.backup.expectedInterval)) -}}
{{- with $v.metrics.pushgatewayJob -}}{{- $a = append $a (printf "--pushgateway-job=%s" .) -}}{{- end -}}
{{- end -}}
{{- $a = concat $a $v.backup.extraArgs -}}
{{- toJson $a -}}
{{- end -}}

{{- define "etcd-backup.exporterClusters" -}}
{{- toJson (default (list .Values.clusterName) .Values.exporter.clusterNames) -}}
{{- end -}}

{{/* Whether the Prometheus Operator's kinds should render: enabled, and served (or no autodetect). */}}
{{- define "etcd-backup.monitoringOn" -}}
{{- if and .enabled (or (not .autodetect) (.ctx.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) -}}true{{- end -}}
{{- end -}}

{{/* A value as a flag takes it: whole numbers without a decimal point or an exponent (values
files give numbers as float64, --set as int64). */}}
{{- define "etcd-backup.scalar" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) -}}
{{- int64 . -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}
