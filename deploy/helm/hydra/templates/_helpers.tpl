{{- define "hydra.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hydra.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "hydra.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hydra.image" -}}
{{- $registry := (.Values.global | default dict).imageRegistry | default .Values.image.registry -}}
{{- if $registry -}}{{ $registry }}/{{- end -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "hydra.ports" -}}
{{- $serve := .Values.hydra.config.serve | default dict -}}
{{- $public := ($serve.public | default dict).port | default 4444 -}}
{{- $admin := ($serve.admin | default dict).port | default 4445 -}}
{{- dict "public" $public "admin" $admin | toJson -}}
{{- end -}}

{{/* The config file: hydra.config without the dsn and secrets, which travel in the Secret. */}}
{{- define "hydra.configFile" -}}
{{- toYaml (omit .Values.hydra.config "dsn" "secrets") -}}
{{- end -}}

{{- define "hydra.env" -}}
- name: ROOST_OAUTH2_DSN
  valueFrom:
    secretKeyRef: {name: {{ include "hydra.fullname" . }}, key: dsn}
- name: ROOST_OAUTH2_SECRETS_SYSTEM
  valueFrom:
    secretKeyRef: {name: {{ include "hydra.fullname" . }}, key: secretsSystem}
- name: ROOST_OAUTH2_SECRETS_PAGINATION
  valueFrom:
    secretKeyRef: {name: {{ include "hydra.fullname" . }}, key: secretsPagination}
{{- with .Values.deployment.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "hydra.mounts" -}}
- {name: config, mountPath: /etc/config, readOnly: true}
- {name: data, mountPath: /var/lib/roost}
{{- end -}}

{{- define "hydra.volumes" -}}
- name: config
  configMap:
    name: {{ include "hydra.fullname" . }}-config
- name: data
  emptyDir: {}
{{- end -}}

{{- define "hydra.migrateArgs" -}}
["migrate", "up", "oauth2", "--yes", "--config", "/etc/config/hydra.yaml", "--data-dir", "/var/lib/roost"]
{{- end -}}

{{- define "hydra.spread" -}}
{{- if .Values.deployment.topologySpreadConstraints -}}
{{ toYaml .Values.deployment.topologySpreadConstraints }}
{{- else -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "hydra.selector" . | nindent 6 }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "hydra.selector" . | nindent 6 }}
{{- end -}}
{{- end -}}
