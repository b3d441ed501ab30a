{{/* Names and labels shared by every object of the release. */}}
{{- define "xgslb.name" -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}

{{- define "xgslb.labels" -}}
app.kubernetes.io/name: xgslb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "xgslb.selectorLabels" -}}
app.kubernetes.io/name: xgslb
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Every cluster's geo tag, ours first: k8gb's clusterGeoTag + extGslbClustersGeoTags. */}}
{{- define "xgslb.geoTags" -}}
{{- $tags := list .Values.k8gb.clusterGeoTag -}}
{{- range splitList "," .Values.k8gb.extGslbClustersGeoTags -}}
{{- if trim . }}{{ $tags = append $tags (trim .) }}{{ end -}}
{{- end -}}
{{- toJson $tags -}}
{{- end -}}
