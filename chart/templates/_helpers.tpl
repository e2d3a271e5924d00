{{/* Names, labels and the list of workloads every per-service template ranges over. */}}

{{- define "crowdcrunch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "crowdcrunch.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "crowdcrunch.version" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{/* Labels shared by every object of the release. */}}
{{- define "crowdcrunch.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "crowdcrunch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "crowdcrunch.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of every pod of the release. */}}
{{- define "crowdcrunch.releaseSelector" -}}
app.kubernetes.io/name: {{ include "crowdcrunch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector of one component's pods. Call with (dict "root" $ "name" "orders"). */}}
{{- define "crowdcrunch.selector" -}}
{{ include "crowdcrunch.releaseSelector" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Service / ServiceAccount name of a component. Call with (dict "root" $ "name" "orders"). */}}
{{- define "crowdcrunch.componentName" -}}
{{- printf "%s-%s" (include "crowdcrunch.fullname" .root) .name -}}
{{- end -}}

{{/* In-cluster DNS name of a component's Service. */}}
{{- define "crowdcrunch.host" -}}
{{- printf "%s.%s.svc.cluster.local" (include "crowdcrunch.componentName" .) .root.Release.Namespace -}}
{{- end -}}

{{/* Istio identity (SPIFFE principal) of a component's ServiceAccount. */}}
{{- define "crowdcrunch.principal" -}}
{{- printf "%s/ns/%s/sa/%s" .root.Values.istio.trustDomain .root.Release.Namespace (include "crowdcrunch.componentName" .) -}}
{{- end -}}

{{/*
The workloads, as YAML: the gateway first, then the subgraphs in a fixed order. Each entry
carries its port, its kind and its settings (workloadDefaults merged with its overrides), so that
one template per object kind serves all six services.
*/}}
{{- define "crowdcrunch.components" -}}
{{- $v := .Values -}}
components:
  - name: gateway
    kind: gateway
    port: {{ $v.gateway.port }}
    settings: {{ mergeOverwrite (deepCopy $v.workloadDefaults) (deepCopy $v.gateway.overrides) | toJson }}
{{- range $name := list "customers" "orders" "payments" "fulfillment" "returns" }}
{{- $s := index $v.subgraphs $name }}
  - name: {{ $name }}
    kind: subgraph
    port: {{ $s.port }}
    settings: {{ mergeOverwrite (deepCopy $v.workloadDefaults) (deepCopy $s.overrides) | toJson }}
{{- end }}
{{- end -}}

{{- define "crowdcrunch.componentList" -}}
{{- (include "crowdcrunch.components" . | fromYaml).components | toJson -}}
{{- end -}}

{{/* Name of the Secret and key holding DATABASE_URL. */}}
{{- define "crowdcrunch.dbSecretName" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else -}}
{{- printf "%s-database" (include "crowdcrunch.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The "restricted" Pod Security Standard, container level. */}}
{{- define "crowdcrunch.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The "restricted" Pod Security Standard, pod level. Call with the uid. */}}
{{- define "crowdcrunch.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Fail early on a configuration that cannot work. */}}
{{- define "crowdcrunch.validate" -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.database.existingSecret) -}}
{{- fail "set database.existingSecret to the Secret holding DATABASE_URL (or enable the dev postgresql)" -}}
{{- end -}}
{{- end -}}
