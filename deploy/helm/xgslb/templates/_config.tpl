{{/* The daemon's config file. k8gb's values map to: dnsZone -> zones[0] and gslb.zone,
     edgeDNSZone -> gslb.edgeZone, edgeDNSServers -> gslb.edgeServers, clusterGeoTag -> geoTag,
     clusterGeoTag + extGslbClustersGeoTags -> gslb.geoTags. */}}
{{- define "xgslb.config" -}}
instance: {{ .Values.instance | default .Values.k8gb.clusterGeoTag | quote }}
logLevel: {{ .Values.k8gb.log.level | quote }}
logFormat: {{ ternary "json" "text" (eq .Values.k8gb.log.format "json") }}
geoTag: {{ .Values.k8gb.clusterGeoTag | quote }}
zones:
  - zone: {{ .Values.k8gb.dnsZone | quote }}
    negativeTtl: {{ .Values.k8gb.dnsZoneNegTTL | int }}
xdp:
  interfaces: {{ toJson .Values.xdp.interfaces }}
  mode: {{ .Values.xdp.mode | quote }}
  {{- if not .Values.xdp.answer }}
  {{- fail "xdp.answer: the addresses XDP answers for (IP:port) are required, e.g. --set xdp.answer={10.0.0.2:53}" }}
  {{- end }}
  answer: {{ toJson .Values.xdp.answer }}
  keepAttached: {{ .Values.xdp.keepAttached }}
dns:
  listen: {{ toJson .Values.dns.listen }}
  {{- if .Values.dns.workers }}
  workers: {{ .Values.dns.workers | int }}
  {{- end }}
  {{- if .Values.edgeUpdate.enabled }}
  tsigKeys:
    - name: {{ .Values.edgeUpdate.tsigKeyName | quote }}
      algorithm: {{ .Values.edgeUpdate.tsigAlgorithm | quote }}
      secretFile: /etc/xgslb-tsig/secret
  {{- end }}
rrl:
  responsesPerSecond: {{ .Values.rrl.responsesPerSecond | int }}
  slip: {{ .Values.rrl.slip | int }}
  ipv4Prefix: {{ .Values.rrl.ipv4Prefix | int }}
  ipv6Prefix: {{ .Values.rrl.ipv6Prefix | int }}
  {{- if .Values.rrl.allow }}
  allow: {{ toJson .Values.rrl.allow }}
  {{- end }}
{{- if .Values.metrics.enabled }}
metrics:
  listen: {{ printf "%s:%d" .Values.metrics.address (.Values.metrics.port | int) | quote }}
{{- end }}
source:
  kubernetes:
    leaderElection:
      namespace: {{ .Release.Namespace | quote }}
  healthPolicy: {{ .Values.source.healthPolicy }}
  resyncSeconds: {{ .Values.source.resyncSeconds | int }}
gslb:
  zone: {{ .Values.k8gb.dnsZone | quote }}
  edgeZone: {{ .Values.k8gb.edgeDNSZone | quote }}
  edgeServers: {{ toJson .Values.k8gb.edgeDNSServers }}
  geoTags: {{ include "xgslb.geoTags" . }}
  {{- if .Values.edgeUpdate.enabled }}
  edgeUpdate:
    tsigKey: {{ .Values.edgeUpdate.tsigKeyName | quote }}
    ttl: {{ .Values.edgeUpdate.ttl | int }}
    {{- /* Our glue: given, or the addresses XDP answers for without their ports. */}}
    {{- $glue := .Values.edgeUpdate.nsAddresses }}
    {{- if not $glue }}
    {{- range .Values.xdp.answer }}
    {{- $glue = append $glue (regexReplaceAll ":[0-9]+$" . "" | trimPrefix "[" | trimSuffix "]") }}
    {{- end }}
    {{- end }}
    nsAddresses: {{ toJson $glue }}
  {{- end }}
{{- end -}}
