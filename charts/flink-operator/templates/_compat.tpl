{{/*
Values this chart shares with the Apache Flink Kubernetes Operator chart, and the checks that
refuse what this operator cannot honour. values.schema.json refuses unknown keys; these checks
refuse known keys set to something the operator would silently ignore.
*/}}

{{/* Lines of a properties or XML text that are neither blank nor comments, as a JSON list. */}}
{{- define "flink-operator.contentLines" -}}
{{- $lines := list -}}
{{- range $line := regexSplit "\r?\n" (. | default "" | toString) -1 }}
{{- $t := trim $line }}
{{- if not (or (eq $t "") (hasPrefix "#" $t) (hasPrefix "!" $t)) }}
{{- $lines = append $lines $t }}
{{- end }}
{{- end }}
{{- toJson $lines -}}
{{- end }}

{{/*
The operator's log level from the Apache chart's log4j-operator.properties: its
`rootLogger.level = LEVEL` line mapped to a LOG_LEVEL the operator's logger knows, as JSON
{"level": "debug"|"", "errors": [...]}.
*/}}
{{- define "flink-operator.operatorLogging" -}}
{{- $levels := dict "OFF" "silent" "FATAL" "fatal" "ERROR" "error" "WARN" "warn" "INFO" "info" "DEBUG" "debug" "TRACE" "trace" "ALL" "trace" -}}
{{- $out := dict "level" "" "errors" list -}}
{{- $key := "defaultConfiguration.log4j-operator.properties" -}}
{{- range $line := include "flink-operator.contentLines" (index .Values.defaultConfiguration "log4j-operator.properties") | fromJsonArray }}
{{- $level := regexReplaceAll "^rootLogger\\.level\\s*=\\s*(\\w+)$" $line "${1}" | upper }}
{{- if and (regexMatch "^rootLogger\\.level\\s*=" $line) (hasKey $levels $level) }}
{{- $_ := set $out "level" (index $levels $level) }}
{{- else }}
{{- $_ := set $out "errors" (append $out.errors (printf "%s: %q: the operator does not use log4j; only a `rootLogger.level = <LEVEL>` line is honoured (as LOG_LEVEL); remove the rest" $key $line)) }}
{{- end }}
{{- end }}
{{- toJson $out -}}
{{- end }}

{{/*
The volumes and mounts of the operator container, as JSON {"mounts", "volumes", "errors"}: the
configuration at /opt/flink-operator/conf, /tmp and /opt/flink/artifacts as emptyDirs unless
operatorVolumeMounts mounts something at that path (the Apache chart's usual flink-artifacts
mount replaces ours), then the values' mounts and volumes.
*/}}
{{- define "flink-operator.podVolumes" -}}
{{- $v := .Values -}}
{{- $confDir := "/opt/flink-operator/conf" -}}
{{- $errors := list -}}
{{- $userMounts := list -}}
{{- if $v.operatorVolumeMounts.create }}{{ $userMounts = $v.operatorVolumeMounts.data | default list }}{{ end -}}
{{- $userVolumes := list -}}
{{- if $v.operatorVolumes.create }}{{ $userVolumes = $v.operatorVolumes.data | default list }}{{ end -}}
{{- $paths := dict -}}
{{- range $m := $userMounts }}
{{- $p := ternary "/" (trimSuffix "/" (toString $m.mountPath)) (eq (toString $m.mountPath) "/") }}
{{- if hasKey $paths $p }}
{{- $errors = append $errors (printf "operatorVolumeMounts.data: two mounts at %s (%s and %s); the API server refuses that" $p (index $paths $p) $m.name) }}
{{- else if eq $p $confDir }}
{{- $errors = append $errors (printf "operatorVolumeMounts.data: %s is mounted at %s, where the chart mounts the operator configuration (ConfigMap flink-operator-config); choose another path" $m.name $p) }}
{{- end }}
{{- $_ := set $paths $p (toString $m.name) }}
{{- end }}
{{- $configMap := dict "name" "flink-operator-config" -}}
{{- if not $v.defaultConfiguration.create }}{{ $_ := set $configMap "optional" true }}{{ end -}}
{{- $mounts := list (dict "name" "operator-config" "mountPath" $confDir "readOnly" true) -}}
{{- $volumes := list (dict "name" "operator-config" "configMap" $configMap) -}}
{{- range $own := list (dict "name" "tmp" "mountPath" "/tmp") (dict "name" "artifacts" "mountPath" "/opt/flink/artifacts") }}
{{- if not (hasKey $paths $own.mountPath) }}
{{- $mounts = append $mounts $own }}
{{- $volumes = append $volumes (dict "name" $own.name "emptyDir" dict) }}
{{- end }}
{{- end }}
{{- $names := dict -}}
{{- range $vol := $volumes }}{{ $_ := set $names $vol.name (printf "the chart's, mounted at %s" (index (dict "operator-config" $confDir "tmp" "/tmp" "artifacts" "/opt/flink/artifacts") $vol.name)) }}{{ end -}}
{{- range $vol := $userVolumes }}
{{- if hasKey $names (toString $vol.name) }}
{{- $errors = append $errors (printf "operatorVolumes.data: a volume named %s exists already (%s); rename it" $vol.name (index $names (toString $vol.name))) }}
{{- end }}
{{- $_ := set $names (toString $vol.name) "operatorVolumes.data" }}
{{- end }}
{{- range $m := $userMounts }}
{{- if not (hasKey $names (toString $m.name)) }}
{{- $errors = append $errors (printf "operatorVolumeMounts.data: %s at %s names no volume of the pod (set operatorVolumes.create: true with a volume of that name)" $m.name $m.mountPath) }}
{{- end }}
{{- end }}
{{- toJson (dict "mounts" (concat $mounts $userMounts) "volumes" (concat $volumes $userVolumes) "errors" $errors) -}}
{{- end }}

{{/* Which admission webhooks are served, as JSON {"validator": bool, "mutator": bool}. */}}
{{- define "flink-operator.webhooks" -}}
{{- $w := .Values.webhook -}}
{{- $out := dict -}}
{{- range $k := list "validator" "mutator" }}
{{- $own := index $w $k }}
{{- $_ := set $out $k (ternary (and (kindIs "map" $own) (eq (toString (index ($own | default dict) "create")) "true")) (eq (toString $w.create) "true") (kindIs "map" $own)) }}
{{- end }}
{{- toJson $out -}}
{{- end }}

{{/* "true" when the operator serves a webhook, else empty. */}}
{{- define "flink-operator.webhookEnabled" -}}
{{- $w := include "flink-operator.webhooks" . | fromJson -}}
{{- if or $w.validator $w.mutator }}true{{ end -}}
{{- end }}

{{/*
Fails, listing every value the operator cannot honour with the reason, or renders nothing.
*/}}
{{- define "flink-operator.validate" -}}
{{- $v := .Values -}}
{{- $errors := list -}}
{{- $repo := toString $v.image.repository -}}
{{- if regexMatch "(^|/)flink-kubernetes-operator$" $repo }}
{{- $errors = append $errors (printf "image.repository: %s is the Apache operator's Java image; this chart runs ghcr.io/flink-operator/flink-operator (drop image.repository and image.tag from your values, or name a mirror of that image)" $repo) }}
{{- end }}
{{- with $v.jvmArgs.operator }}
{{- $errors = append $errors (printf "jvmArgs.operator: %q: the operator is a Node.js process, not a JVM; remove it (Node.js options go in operatorPod.env as NODE_OPTIONS)" .) }}
{{- end }}
{{- with $v.jvmArgs.webhook }}
{{- $errors = append $errors (printf "jvmArgs.webhook: %q: the webhook runs inside the operator's Node.js process, not a JVM of its own; remove it" .) }}
{{- end }}
{{- if $v.tls.create }}
{{- $errors = append $errors "tls.create: the operator has no keystore or truststore for calling Flink REST over TLS; remove it" }}
{{- end }}
{{- $ks := $v.webhook.keystore | default dict -}}
{{- if or (eq (toString $ks.useDefaultPassword) "false") $ks.passwordSecretRef $ks.pkcs12Profile }}
{{- $errors = append $errors "webhook.keystore: the operator generates, renews and publishes its webhook certificate itself (no cert-manager, no keystore); remove webhook.keystore" }}
{{- end }}
{{- with $v.operatorPod.webhook }}
{{- with .resources }}
{{- $errors = append $errors "operatorPod.webhook.resources: the webhook runs in the operator container, not a container of its own; put its share in operatorPod.resources" }}
{{- end }}
{{- with (.container | default dict).env }}
{{- $errors = append $errors "operatorPod.webhook.container.env: the webhook runs in the operator container, not a container of its own; use operatorPod.env" }}
{{- end }}
{{- end }}
{{- with $v.webhookSecurityContext }}
{{- $errors = append $errors "webhookSecurityContext: the webhook runs in the operator container, not a container of its own; use operatorSecurityContext" }}
{{- end }}
{{- if eq (toString ($v.logging | default dict).framework) "logback" }}
{{- $errors = append $errors "logging.framework: logback: the operator logs JSON lines to standard output with neither log4j2 nor logback; remove it (LOG_LEVEL in operatorPod.env sets the level)" }}
{{- end }}
{{- $dc := $v.defaultConfiguration -}}
{{- $errors = concat $errors (include "flink-operator.operatorLogging" . | fromJson).errors -}}
{{- with index $dc "logback-operator.xml" }}
{{- if include "flink-operator.contentLines" . | fromJsonArray }}
{{- $errors = append $errors "defaultConfiguration.logback-operator.xml: the operator does not use logback; remove it (LOG_LEVEL in operatorPod.env sets the level)" }}
{{- end }}
{{- end }}
{{- range $file := list "log4j-console.properties" "logback-console.xml" }}
{{- if include "flink-operator.contentLines" (index $dc $file) | fromJsonArray }}
{{- $errors = append $errors (printf "defaultConfiguration.%s: the operator gives Flink clusters no logging configuration from its own ConfigMap; set spec.logConfiguration.%q on each FlinkDeployment (without it, clusters log at INFO to the console and the log file)" $file $file) }}
{{- end }}
{{- end }}
{{- range $file := list "flink-conf.yaml" "config.yaml" }}
{{- with index $dc $file }}
{{- $parsed := fromYaml (toString .) }}
{{- if hasKey $parsed "Error" }}
{{- $errors = append $errors (printf "defaultConfiguration.%s is not valid YAML: %s" $file $parsed.Error) }}
{{- end }}
{{- end }}
{{- end }}
{{- $errors = concat $errors (include "flink-operator.podVolumes" . | fromJson).errors -}}
{{- if $errors }}
{{- fail (printf "\n\nflink-operator: %d value(s) this operator cannot honour:\n- %s\nSee the chart's README (Values of the Apache chart)." (len $errors) (join "\n- " $errors)) }}
{{- end }}
{{- end }}
