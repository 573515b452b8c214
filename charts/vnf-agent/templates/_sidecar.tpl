{{- /*
The sidecar as reusable templates, for this chart's Deployments and for other charts that
depend on vnf-agent and inject the sidecar into their own pods (see README.md, "Injecting the
sidecar into your own chart"). Every template takes a dict, never the root context, so it
renders the same from any chart. `vnf-agent inject` (agent/inject/) builds the same container.

  vnf-agent.sidecar             the container (a list item; under `initContainers:` with native=true,
                                else under `containers:`)
  vnf-agent.peersFileInit       without native sidecars: an init container that leaves an empty
                                peer file for the SIP server (use under `initContainers:`)
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
  resources               requests 50m/84Mi, limits 500m/168Mi
  livenessProbe           {periodSeconds, timeoutSeconds, failureThreshold}
  readinessProbe          {periodSeconds, timeoutSeconds, failureThreshold}
  native                  false     true: a native sidecar (Kubernetes 1.29+), placed under
                                    `initContainers:`: restartPolicy Always, and a startupProbe on
                                    GET /startupz, so the kubelet starts the SIP server only once the
                                    peer file is written, and stops the sidecar after it. The default
                                    is false because the caller chooses the list it is included in.
  startupProbe            {periodSeconds: 1, failureThreshold: 120} (native only)
*/ -}}
{{- define "vnf-agent.sidecar" -}}
{{- $httpPort := int (default 8686 .httpPort) }}
{{- $live := default dict .livenessProbe }}
{{- $ready := default dict .readinessProbe }}
{{- $startup := default dict .startupProbe }}
{{- $resources := default (dict "requests" (dict "cpu" "50m" "memory" "84Mi") "limits" (dict "cpu" "500m" "memory" "168Mi")) .resources -}}
- name: vnf-agent
  image: {{ required "vnf-agent.sidecar: image is required" .image | quote }}
  imagePullPolicy: {{ default "IfNotPresent" .pullPolicy }}
  args: ["run"]
  {{- if .native }}
  # A native sidecar: it runs beside the SIP server for the pod's life, starts before it and stops after it.
  restartPolicy: Always
  {{- end }}
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
  {{- if .native }}
  # The SIP server starts once this passes: when the sidecar writes a peer file, once it has (a
  # Kamailio dispatcher exits at start without its list). Not /readyz: a Bono is ready only after
  # its SIP server has loaded the peers, so waiting for that would never start the SIP server.
  startupProbe:
    httpGet: {path: /startupz, port: {{ $httpPort }}}
    periodSeconds: {{ default 1 $startup.periodSeconds }}
    failureThreshold: {{ default 120 $startup.failureThreshold }}
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
  # The drain starts at once on pod deletion, whichever hook comes first (both containers have it);
  # the sidecar must keep answering the SIP server's hook until the drain ends.
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
vnf-agent.peersFileInit: for clusters without native sidecars (Kubernetes < 1.29), where the
sidecar is an ordinary container started beside the SIP server: this init container runs first
and leaves an empty peer file (it never overwrites one), so a SIP server that reads the file at
start finds a valid, empty peer set. The sidecar then writes the real one and reloads the server.
It uses the sidecar's image, whose node runs the one line (no shell needed).
Parameters (dict): file (required; under /var/run/vnf-agent), image (required), pullPolicy.
*/ -}}
{{- define "vnf-agent.peersFileInit" -}}
- name: vnf-agent-peers-file
  image: {{ required "vnf-agent.peersFileInit: image is required" .image | quote }}
  imagePullPolicy: {{ default "IfNotPresent" .pullPolicy }}
  command: ["node", "-e", "require('node:fs').appendFileSync(process.env.VNF_AGENT_PEERS_FILE, '')"]
  env:
    - name: VNF_AGENT_PEERS_FILE
      value: {{ required "vnf-agent.peersFileInit: file is required" .file | quote }}
  resources:
    requests: {cpu: 10m, memory: 32Mi}
    limits: {cpu: 100m, memory: 128Mi}
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
    capabilities: {drop: [ALL]}
    seccompProfile: {type: RuntimeDefault}
  volumeMounts:
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
