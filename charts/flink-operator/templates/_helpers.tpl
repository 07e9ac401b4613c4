{{/* The chart name, unless overridden. */}}
{{- define "flink-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name for its objects. */}}
{{- define "flink-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "flink-operator.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "flink-operator.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "flink-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flink-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flink-operator.labels" -}}
{{ include "flink-operator.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "flink-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "flink-operator.serviceAccountName" -}}
{{- if .Values.operatorServiceAccount.create }}
{{- default (include "flink-operator.fullname" .) .Values.operatorServiceAccount.name }}
{{- else }}
{{- default "default" .Values.operatorServiceAccount.name }}
{{- end }}
{{- end }}

{{- define "flink-operator.webhookServiceName" -}}
{{- printf "%s-webhook-service" (include "flink-operator.fullname" .) }}
{{- end }}

{{- define "flink-operator.webhookConfigurationName" -}}
{{- printf "%s-%s-webhook-configuration" (include "flink-operator.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "flink-operator.webhookCertSecretName" -}}
{{- printf "%s-webhook-cert" (include "flink-operator.fullname" .) }}
{{- end }}

{{/* A RoleBinding binds a ClusterRole when the role's name has a ":" (e.g. "system:..."), as in the Apache chart. */}}
{{- define "flink-operator.roleKind" -}}
{{- ternary "ClusterRole" "Role" (contains ":" .) -}}
{{- end }}

{{- define "flink-operator.operatorRoleName" -}}
{{- default (include "flink-operator.fullname" .) .Values.rbac.operatorRole.name }}
{{- end }}

{{- define "flink-operator.operatorRoleBindingName" -}}
{{- default (include "flink-operator.fullname" .) .Values.rbac.operatorRoleBinding.name }}
{{- end }}

{{- define "flink-operator.jobRoleName" -}}
{{- default (include "flink-operator.fullname" .) .Values.rbac.jobRole.name }}
{{- end }}

{{- define "flink-operator.jobRoleBindingName" -}}
{{- default (include "flink-operator.fullname" .) .Values.rbac.jobRoleBinding.name }}
{{- end }}

{{- define "flink-operator.jobServiceAccountName" -}}
{{- if .Values.jobServiceAccount.create }}
{{- default (include "flink-operator.fullname" .) .Values.jobServiceAccount.name }}
{{- else }}
{{- default "default" .Values.jobServiceAccount.name }}
{{- end }}
{{- end }}

{{- define "flink-operator.leaseName" -}}
{{- printf "%s-lease" (include "flink-operator.fullname" .) }}
{{- end }}

{{/* The namespaces that get Roles: the watched ones, or the release's when all are watched. */}}
{{- define "flink-operator.jobNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
Flattens nested maps to dotted keys into .out: {"a": {"b": 1}} -> {"a.b": 1}. Configuration
sources can then be merged key by key whatever shape each one is written in.
*/}}
{{- define "flink-operator.flatten" -}}
{{- $ctx := . -}}
{{- range $k, $v := .value -}}
{{- $key := ternary $k (printf "%s.%s" $ctx.prefix $k) (eq $ctx.prefix "") -}}
{{- if kindIs "map" $v -}}
{{- include "flink-operator.flatten" (dict "out" $ctx.out "prefix" $key "value" $v) -}}
{{- else -}}
{{- $_ := set $ctx.out $key $v -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
The operator configuration as a JSON map of dotted keys: built-in defaults (when append), then the
flink-conf.yaml and config.yaml overrides of the values, then the keys the chart derives from
other values.
*/}}
{{- define "flink-operator.configurationMap" -}}
{{- $conf := dict -}}
{{- $dc := .Values.defaultConfiguration -}}
{{- if $dc.append }}
{{- include "flink-operator.flatten" (dict "out" $conf "prefix" "" "value" (.Files.Get "conf/config.yaml" | fromYaml)) -}}
{{- end }}
{{- range $file := list "flink-conf.yaml" "config.yaml" }}
{{- with index $dc $file }}
{{- $parsed := fromYaml (toString .) }}
{{- if not (hasKey $parsed "Error") }}
{{- include "flink-operator.flatten" (dict "out" $conf "prefix" "" "value" $parsed) -}}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.watchNamespaces }}
{{- $_ := set $conf "kubernetes.operator.watched.namespaces" (join "," .Values.watchNamespaces) }}
{{- end }}
{{- $_ := set $conf "kubernetes.operator.health.probe.enabled" true }}
{{- $_ := set $conf "kubernetes.operator.health.probe.port" .Values.operatorHealth.port }}
{{- if gt (int .Values.replicas) 1 }}
{{- $_ := set $conf "kubernetes.operator.leader-election.enabled" true }}
{{- $_ := set $conf "kubernetes.operator.leader-election.lease-name" (include "flink-operator.leaseName" .) }}
{{- end }}
{{- if .Values.metrics.port }}
{{- $_ := set $conf "kubernetes.operator.metrics.reporter.prom.factory.class" "org.apache.flink.metrics.prometheus.PrometheusReporterFactory" }}
{{- $_ := set $conf "kubernetes.operator.metrics.reporter.prom.port" .Values.metrics.port }}
{{- end }}
{{- if include "flink-operator.webhookEnabled" . }}
{{- $webhooks := include "flink-operator.webhooks" . | fromJson }}
{{- $_ := set $conf "kubernetes.operator.webhook.enabled" true }}
{{- $_ := set $conf "kubernetes.operator.webhook.port" .Values.webhook.port }}
{{- $_ := set $conf "kubernetes.operator.webhook.service.name" (include "flink-operator.webhookServiceName" .) }}
{{- $_ := set $conf "kubernetes.operator.webhook.certificate.secret" (include "flink-operator.webhookCertSecretName" .) }}
{{- $name := include "flink-operator.webhookConfigurationName" . }}
{{- $_ := set $conf "kubernetes.operator.webhook.validating-configuration" (ternary $name "" $webhooks.validator) }}
{{- $_ := set $conf "kubernetes.operator.webhook.mutating-configuration" (ternary $name "" $webhooks.mutator) }}
{{- end }}
{{- toJson $conf -}}
{{- end }}

{{/* The operator configuration as `key: value` lines, sorted. */}}
{{- define "flink-operator.configuration" -}}
{{- $conf := include "flink-operator.configurationMap" . | fromJson -}}
{{- range $k := keys $conf | sortAlpha }}
{{ $k }}: {{ index $conf $k | toJson }}
{{- end }}
{{- end }}

{{/*
Metric reporters the configuration names that are not Prometheus reporters: the operator serves
only those (the Apache chart's defaults configure an slf4j reporter).
*/}}
{{- define "flink-operator.ignoredReporters" -}}
{{- $conf := include "flink-operator.configurationMap" . | fromJson -}}
{{- $names := list -}}
{{- range $k, $value := $conf }}
{{- if regexMatch "^kubernetes\\.operator\\.metrics\\.reporter\\.[^.]+\\.(factory\\.)?class$" $k }}
{{- if not (regexMatch "Prometheus(Reporter|ReporterFactory)$" (toString $value)) }}
{{- $names = append $names (regexReplaceAll "^kubernetes\\.operator\\.metrics\\.reporter\\.([^.]+)\\..*$" $k "${1}") }}
{{- end }}
{{- end }}
{{- end }}
{{- $names | uniq | sortAlpha | join ", " -}}
{{- end }}

{{/* Rules of the operator's (Cluster)Role. */}}
{{- define "flink-operator.rbacRules" -}}
rules:
  - apiGroups: [""]
    resources: [pods, services, events, configmaps, secrets]
    verbs: [get, list, watch, create, update, patch, delete, deletecollection]
  - apiGroups: [apps]
    resources: [deployments, deployments/finalizers, replicasets]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [apps]
    resources: [deployments/scale]
    verbs: [get, update, patch]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [flink.apache.org]
    resources:
      - flinkdeployments
      - flinkdeployments/finalizers
      - flinksessionjobs
      - flinksessionjobs/finalizers
      - flinkstatesnapshots
      - flinkstatesnapshots/finalizers
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [flink.apache.org]
    resources: [flinkdeployments/status, flinksessionjobs/status, flinkstatesnapshots/status]
    verbs: [get, update, patch]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, list, watch, create, update, patch, delete]
{{- end }}

{{/* Rules of the Role Flink pods run with. */}}
{{- define "flink-operator.jobRbacRules" -}}
rules:
  - apiGroups: [""]
    resources: [pods, configmaps, services]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [apps]
    resources: [deployments, deployments/finalizers]
    verbs: [get, list, watch, create, update, patch, delete]
{{- end }}
