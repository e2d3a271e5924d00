{{/* Environment of a subgraph container (and its migrate init container). (dict "root" $ "c" component) */}}
{{- define "crowdcrunch.subgraphEnv" -}}
- name: {{ upper .c.name }}_LISTEN
  value: "0.0.0.0:{{ .c.port }}"
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "crowdcrunch.dbSecretName" .root }}
      key: {{ .root.Values.database.existingSecretKey }}
- name: DATABASE_MAX_CONNECTIONS
  value: {{ .root.Values.database.maxConnections | quote }}
- name: SEED
  value: {{ .root.Values.database.seed | quote }}
{{- end -}}

{{/* Logging and OpenTelemetry settings every service reads (the standard OTEL_* variables). */}}
{{- define "crowdcrunch.commonEnv" -}}
- name: RUST_LOG
  value: {{ .c.settings.logLevel | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .c.name | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "service.version={{ include "crowdcrunch.version" .root }},service.namespace=crowdcrunch,k8s.namespace.name={{ .root.Release.Namespace }}"
{{- if .root.Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .root.Values.tracing.otlpEndpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: http/protobuf
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .root.Values.tracing.samplingRatio | quote }}
{{- end }}
{{- with .c.settings.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Where tokens are verified (docs/auth.md): the AUTH_* variables of a subgraph, or the
gateway's [authentication] as CROWDCRUNCH_GATEWAY__AUTHENTICATION__* when .gateway is true.
Nothing when no JWKS is configured (the services then serve anonymous requests only). */}}
{{- define "crowdcrunch.authEnv" -}}
{{- $a := .root.Values.auth -}}
{{- if or $a.jwksUrl $a.jwks -}}
{{- $p := ternary "CROWDCRUNCH_GATEWAY__AUTHENTICATION__" "AUTH_" .gateway -}}
{{- if $a.jwks }}
- name: {{ $p }}JWKS_FILE
  value: /etc/crowdcrunch-auth/jwks.json
{{- else }}
- name: {{ $p }}JWKS_URL
  value: {{ $a.jwksUrl | quote }}
{{- end }}
{{- with $a.issuer }}
- name: {{ $p }}ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with $a.audiences }}
- name: {{ ternary (printf "%sAUDIENCES" $p) (printf "%sAUDIENCE" $p) $.gateway }}
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- end -}}
