{{/* The chart name, or nameOverride. */}}
{{- define "lab-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: fullnameOverride, or <release>-<chart> (just <release>
when the release name already contains the chart name). At most 63 characters (DNS label).
*/}}
{{- define "lab-operator.fullname" -}}
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

{{/* Labels on every object. */}}
{{- define "lab-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "lab-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* What the Deployment and the Service select pods by. */}}
{{- define "lab-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lab-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "lab-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lab-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* labctl's namespace arguments: -A, one -n per watched namespace, or none (the pod's own). */}}
{{- define "lab-operator.namespaceArgs" -}}
{{- if .Values.watchAllNamespaces }}
- --all-namespaces
{{- else if .Values.watchNamespaces }}
- --namespace
{{- range .Values.watchNamespaces }}
- {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
