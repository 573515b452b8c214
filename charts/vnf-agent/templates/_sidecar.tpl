{{- /*
The sidecar as reusable templates, for this chart's Deployments and for other charts that
depend on vnf-agent and inject the sidecar into their own pods (see README.md, "Injecting the
sidecar into your own chart"). Every template takes a dict, never the root context, so it
renders the same from any chart. `vnf-agent inject` (agent/inject/) builds the same container.

  vnf-agent.sidecar             the container (a list item; use under `containers:`)
  vnf-agent.sidecarVolumes      its volumes (list items; use under `volumes:`)
  vnf-agent.drainPreStop        the preStop hook for the SIP server container
  vnf-agent.sharedVolumeMount   the SIP server's mount of the folder the sidecar writes peers to

vnf-agent.sidecar parameters (dict):
  cluster                 required  VnfCluster this pod belongs to (VNF_AGENT_CLUSTER)
  sipPort                 required  port of the local SIP server (VNF_AGENT_SIP_PORT)
  image                   required  sidecar image reference
  pullPolicy              IfNotPresent
  httpHost                "0.0.0.0"
  httpPort                8686
  logLevel                info
  shutdownTimeoutSeconds  10
  env                     {}        further VNF_AGENT_* settings (name -> value)
  resources               requests 50m/192Mi, limits 500m/256Mi
  livenessProbe           {periodSeconds, timeoutSeconds, failureThreshold}
  readinessProbe          {periodSeconds, timeoutSeconds, failureThreshold}
*/ -}}
{{- define "vnf-agent.sidecar" -}}
{{- $httpPort := int (default 8686 .httpPort) }}
{{- $live := default dict .livenessProbe }}
{{- $ready := default dict .readinessProbe }}
{{- $resources := default (dict "requests" (dict "cpu" "50m" "memory" "192Mi") "limits" (dict "cpu" "500m" "memory" "256Mi")) .resources -}}
- name: vnf-agent
  image: {{ required "vnf-agent.sidecar: image is required" .image | quote }}
  imagePullPolicy: {{ default "IfNotPresent" .pullPolicy }}
  args: ["run"]
  ports:
    - name: agent-http
      containerPort: {{ $httpPort }}
      protocol: TCP
  env:
    # Downward API first: later values may refer to them as $(VNF_AGENT_POD_IP).
    - name: VNF_AGENT_POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: VNF_AGENT_POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: VNF_AGENT_POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: VNF_AGENT_CLUSTER
      value: {{ required "vnf-agent.sidecar: cluster is required" .cluster | quote }}
    - name: VNF_AGENT_SIP_PORT
      value: {{ required "vnf-agent.sidecar: sipPort is required" .sipPort | toString | quote }}
    - name: VNF_AGENT_HTTP_HOST
      value: {{ default "0.0.0.0" .httpHost | quote }}
    - name: VNF_AGENT_HTTP_PORT
      value: {{ $httpPort | toString | quote }}
    - name: VNF_AGENT_TOKEN_FILE
      value: /var/run/secrets/vnf-agent/token
    - name: VNF_AGENT_LOG_LEVEL
      value: {{ default "info" .logLevel | quote }}
    - name: VNF_AGENT_SHUTDOWN_TIMEOUT_MS
      value: {{ mul (int (default 10 .shutdownTimeoutSeconds)) 1000 | toString | quote }}
    {{- range $name, $value := .env }}
    - name: {{ $name }}
      value: {{ $value | toString | quote }}
    {{- end }}
  livenessProbe:
    httpGet: {path: /livez, port: {{ $httpPort }}}
    periodSeconds: {{ default 10 $live.periodSeconds }}
    timeoutSeconds: {{ default 2 $live.timeoutSeconds }}
    failureThreshold: {{ default 3 $live.failureThreshold }}
  readinessProbe:
    httpGet: {path: /readyz, port: {{ $httpPort }}}
    periodSeconds: {{ default 5 $ready.periodSeconds }}
    timeoutSeconds: {{ default 2 $ready.timeoutSeconds }}
    failureThreshold: {{ default 2 $ready.failureThreshold }}
  # The sidecar stops last: it must keep answering the SIP server's drain until it ends.
  lifecycle:
    {{- include "vnf-agent.drainPreStop" (dict "httpPort" $httpPort) | nindent 4 }}
  resources:
    {{- toYaml $resources | nindent 4 }}
  securityContext:
    # uid/gid 65532 is the Dockerfile's USER; nothing is written outside the /tmp emptyDir.
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
    seccompProfile: {type: RuntimeDefault}
  volumeMounts:
    - {name: vnf-agent-token, mountPath: /var/run/secrets/vnf-agent, readOnly: true}
    - {name: vnf-agent-tmp, mountPath: /tmp}
    - {name: vnf-agent-shared, mountPath: /var/run/vnf-agent}
{{- end }}

{{- /*
vnf-agent.drainPreStop: the preStop hook that drains the pod before SIGTERM. Kubernetes hooks
can only GET, so the sidecar serves GET /drain?wait=true: it starts draining (readiness fails,
no new dialogs) and answers once the pod is drained or the drain timeout passed. Put it on the
SIP server container too: each container gets SIGTERM only after its own preStop returns.
Parameters (dict): httpPort (default 8686).
*/ -}}
{{- define "vnf-agent.drainPreStop" -}}
preStop:
  httpGet:
    path: /drain?wait=true
    port: {{ int (default 8686 .httpPort) }}
{{- end }}

{{- /*
vnf-agent.sidecarVolumes: the token Secret (mode 0440, readable through fsGroup), the sidecar's
/tmp and the folder shared with the SIP server (peer files such as dispatcher.list).
Parameters (dict): tokenSecret (required), tokenKey (default "token").
*/ -}}
{{- define "vnf-agent.sidecarVolumes" -}}
- name: vnf-agent-token
  secret:
    secretName: {{ required "vnf-agent.sidecarVolumes: tokenSecret is required" .tokenSecret | quote }}
    defaultMode: 0440
    items:
      - {key: {{ default "token" .tokenKey | quote }}, path: token}
- name: vnf-agent-tmp
  emptyDir: {sizeLimit: 64Mi}
- name: vnf-agent-shared
  emptyDir: {sizeLimit: 16Mi}
{{- end }}

{{- /* vnf-agent.sharedVolumeMount: the SIP server's view of the sidecar's peer files. */ -}}
{{- define "vnf-agent.sharedVolumeMount" -}}
- {name: vnf-agent-shared, mountPath: /var/run/vnf-agent, readOnly: true}
{{- end }}
