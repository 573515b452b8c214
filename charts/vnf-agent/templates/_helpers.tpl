{{- /*
Names and labels, as `helm create` scaffolds them. Names are cut to 50 characters (not 63)
because "-sprout-leader" is appended for the Lease and label values stop at 63.
*/ -}}

{{- /* vnf-agent.name: the chart name, or nameOverride. */ -}}
{{- define "vnf-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- /* vnf-agent.fullname: "<release>-<chart>" (or just the release when it already contains the chart name). */ -}}
{{- define "vnf-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- /* vnf-agent.chart: "<chart>-<version>" for the helm.sh/chart label. */ -}}
{{- define "vnf-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* vnf-agent.selectorLabels: the stable labels selectors use (never the version). */ -}}
{{- define "vnf-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vnf-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- /* vnf-agent.labels: the recommended labels on every object. */ -}}
{{- define "vnf-agent.labels" -}}
helm.sh/chart: {{ include "vnf-agent.chart" . }}
{{ include "vnf-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "vnf-agent.name" . }}
{{- end }}

{{- /* vnf-agent.serviceAccountName: the ServiceAccount every pod runs as. */ -}}
{{- define "vnf-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vnf-agent.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- /* vnf-agent.tokenSecretName: the Secret holding the sidecar's bearer token. */ -}}
{{- define "vnf-agent.tokenSecretName" -}}
{{- default (printf "%s-token" (include "vnf-agent.fullname" .)) .Values.token.existingSecret }}
{{- end }}

{{- /* vnf-agent.image: the sidecar image reference; the tag defaults to appVersion. */ -}}
{{- define "vnf-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- /*
vnf-agent.workloadName: "<fullname>-<workload>", the name shared by a workload's Deployment,
Service, ConfigMap, VnfCluster and PodDisruptionBudget. Called with (dict "root" $ "workload" "sprout").
*/ -}}
{{- define "vnf-agent.workloadName" -}}
{{- printf "%s-%s" (include "vnf-agent.fullname" .root) .workload }}
{{- end }}

{{- /* vnf-agent.workloadSelectorLabels: the selector of one workload's pods. Same dict as above. */ -}}
{{- define "vnf-agent.workloadSelectorLabels" -}}
{{ include "vnf-agent.selectorLabels" .root }}
app.kubernetes.io/component: {{ .workload }}
{{- end }}

{{- /* vnf-agent.workloadLabels: every label of one workload's objects. Same dict as above. */ -}}
{{- define "vnf-agent.workloadLabels" -}}
{{ include "vnf-agent.labels" .root }}
app.kubernetes.io/component: {{ .workload }}
{{- end }}

{{- /* vnf-agent.workloads: the enabled workload keys, as a JSON list (fromJsonArray to use it). */ -}}
{{- define "vnf-agent.workloads" -}}
{{- $enabled := list }}
{{- range $key := list "sprout" "bono" }}
{{- if (index $.Values $key).enabled }}
{{- $enabled = append $enabled $key }}
{{- end }}
{{- end }}
{{- toJson $enabled }}
{{- end }}

{{- /*
vnf-agent.terminationGracePeriodSeconds: drain timeout + the sidecar's own stop + 5 s for the
preStop round trip and the kubelet's SIGKILL slack, so the kubelet never kills a pod mid-drain.
Called with (dict "drainTimeoutSeconds" N "shutdownTimeoutSeconds" M).
*/ -}}
{{- define "vnf-agent.terminationGracePeriodSeconds" -}}
{{- add (int .drainTimeoutSeconds) (int .shutdownTimeoutSeconds) 5 }}
{{- end }}
