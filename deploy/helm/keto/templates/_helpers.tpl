{{- define "keto.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "keto.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "keto.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keto.image" -}}
{{- $registry := (.Values.global | default dict).imageRegistry | default .Values.image.registry -}}
{{- if $registry -}}{{ $registry }}/{{- end -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The config file: keto.config without the dsn, which travels in the Secret. */}}
{{- define "keto.configFile" -}}
{{- $cfg := omit .Values.keto.config "dsn" -}}
{{- toYaml $cfg -}}
{{- end -}}

{{- define "keto.env" -}}
- name: ROOST_PERMISSIONS_DSN
  valueFrom:
    secretKeyRef:
      name: {{ include "keto.fullname" . }}
      key: dsn
- name: ROOST_PERMISSIONS_SECRETS_PAGINATION
  valueFrom:
    secretKeyRef:
      name: {{ include "keto.fullname" . }}
      key: secretsPagination
{{- with .Values.deployment.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "keto.migrateArgs" -}}
["migrate", "up", "permissions", "--yes", "--config", "/etc/config/keto.yaml", "--data-dir", "/var/lib/roost"]
{{- end -}}

{{- define "keto.spread" -}}
{{- if .Values.deployment.topologySpreadConstraints -}}
{{ toYaml .Values.deployment.topologySpreadConstraints }}
{{- else -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "keto.selector" . | nindent 6 }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "keto.selector" . | nindent 6 }}
{{- end -}}
{{- end -}}
