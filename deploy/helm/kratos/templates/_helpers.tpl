{{- define "kratos.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kratos.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kratos.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kratos.image" -}}
{{- $registry := (.Values.global | default dict).imageRegistry | default .Values.image.registry -}}
{{- if $registry -}}{{ $registry }}/{{- end -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "kratos.ports" -}}
{{- $serve := .Values.kratos.config.serve | default dict -}}
{{- $public := ($serve.public | default dict).port | default 4433 -}}
{{- $admin := ($serve.admin | default dict).port | default 4434 -}}
{{- dict "public" $public "admin" $admin | toJson -}}
{{- end -}}

{{/* The config file: kratos.config without the dsn and secrets, which travel in the Secret. */}}
{{- define "kratos.configFile" -}}
{{- toYaml (omit .Values.kratos.config "dsn" "secrets") -}}
{{- end -}}

{{- define "kratos.env" -}}
- name: ROOST_IDENTITY_DSN
  valueFrom:
    secretKeyRef: {name: {{ include "kratos.fullname" . }}, key: dsn}
- name: ROOST_IDENTITY_SECRETS_DEFAULT
  valueFrom:
    secretKeyRef: {name: {{ include "kratos.fullname" . }}, key: secretsDefault}
- name: ROOST_IDENTITY_SECRETS_COOKIE
  valueFrom:
    secretKeyRef: {name: {{ include "kratos.fullname" . }}, key: secretsCookie}
{{- with .Values.deployment.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kratos.mounts" -}}
- {name: config, mountPath: /etc/config, readOnly: true}
- {name: data, mountPath: /var/lib/roost}
{{- end -}}

{{- define "kratos.volumes" -}}
- name: config
  configMap:
    name: {{ include "kratos.fullname" . }}-config
- name: data
  emptyDir: {}
{{- end -}}

{{- define "kratos.migrateArgs" -}}
["migrate", "up", "identity", "--yes", "--config", "/etc/config/kratos.yaml", "--data-dir", "/var/lib/roost"]
{{- end -}}

{{- define "kratos.spread" -}}
{{- if .Values.deployment.topologySpreadConstraints -}}
{{ toYaml .Values.deployment.topologySpreadConstraints }}
{{- else -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "kratos.selector" . | nindent 6 }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "kratos.selector" . | nindent 6 }}
{{- end -}}
{{- end -}}
