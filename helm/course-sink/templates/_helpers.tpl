{{- define "course-sink.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "course-sink.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "course-sink.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "course-sink.selectorLabels" -}}
app.kubernetes.io/name: {{ include "course-sink.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "course-sink.labels" -}}
helm.sh/chart: {{ include "course-sink.chart" . }}
{{ include "course-sink.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: course-sink
{{- end }}

{{/* Labels of one component; call with (dict "root" $ "component" "consume"). */}}
{{- define "course-sink.componentLabels" -}}
{{ include "course-sink.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "course-sink.componentSelectorLabels" -}}
{{ include "course-sink.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "course-sink.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "course-sink.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "course-sink.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "course-sink.secretName" -}}
{{- default (include "course-sink.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Non-secret env, without empty values so the service's own defaults apply. */}}
{{- define "course-sink.configData" -}}
{{- range $key, $value := .Values.config }}
{{- if ne (toString $value) "" }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- define "course-sink.secretData" -}}
{{- range $key, $value := .Values.secrets.values }}
{{- if ne (toString $value) "" }}
{{ $key }}: {{ toString $value | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Changing config or chart-managed secrets changes these, which rolls the pods. */}}
{{- define "course-sink.checksumAnnotations" -}}
checksum/config: {{ include "course-sink.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include "course-sink.secretData" . | sha256sum }}
{{- end }}
{{- end }}

{{/* Refuses value combinations that would deploy a broken or unsafe release. */}}
{{- define "course-sink.validate" -}}
{{- $graceMs := int (default "25000" .Values.config.SHUTDOWN_GRACE_MS) }}
{{- if le (mul (int .Values.terminationGracePeriodSeconds) 1000) $graceMs }}
{{- fail (printf "terminationGracePeriodSeconds (%v s) must exceed SHUTDOWN_GRACE_MS (%v ms), or pods are killed before they commit their offsets" .Values.terminationGracePeriodSeconds $graceMs) }}
{{- end }}
{{- if and .Values.autoscaling.enabled .Values.keda.enabled }}
{{- fail "autoscaling.enabled and keda.enabled both scale the consume Deployment; enable only one" }}
{{- end }}
{{- if and .Values.keda.enabled (not .Values.config.EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS) }}
{{- fail "keda.enabled scales on Kafka lag and needs config.EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS" }}
{{- end }}
{{- end }}

{{/* The pod spec shared by the Deployments and the migrate Job; call with (dict "root" $ "component" "consume" "args" (list "consume") "serveHttp" true "resources" ... "scheduling" ... "configMap" "..." "secret" "..."). */}}
{{- define "course-sink.podSpec" -}}
{{- $root := .root -}}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
serviceAccountName: {{ default (include "course-sink.serviceAccountName" $root) .serviceAccountName }}
automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
{{- with .restartPolicy }}
restartPolicy: {{ . }}
{{- end }}
containers:
  - name: {{ .component }}
    image: {{ include "course-sink.image" $root | quote }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args:
      {{- toYaml .args | nindent 6 }}
    envFrom:
      - configMapRef:
          name: {{ .configMap }}
      - secretRef:
          name: {{ .secret }}
    env:
      - name: DATA_DIR
        value: /data
      {{- with $root.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- if .serveHttp }}
    ports:
      - name: http
        containerPort: {{ int (default "8080" $root.Values.config.HTTP_PORT) }}
        protocol: TCP
    livenessProbe:
      {{- toYaml $root.Values.livenessProbe | nindent 6 }}
    readinessProbe:
      {{- toYaml $root.Values.readinessProbe | nindent 6 }}
    startupProbe:
      {{- toYaml $root.Values.startupProbe | nindent 6 }}
    {{- end }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    resources:
      {{- toYaml .resources | nindent 6 }}
    volumeMounts:
      - name: data
        mountPath: /data
      - name: tmp
        mountPath: /tmp
volumes:
  - name: data
    {{- if and $root.Values.persistence.enabled .persistent }}
    persistentVolumeClaim:
      claimName: {{ default (printf "%s-data" (include "course-sink.fullname" $root)) $root.Values.persistence.existingClaim }}
    {{- else }}
    emptyDir:
      sizeLimit: {{ $root.Values.persistence.emptyDirSizeLimit }}
    {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: {{ $root.Values.tmpSizeLimit }}
{{- with .scheduling }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
