import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** Resolves a container's env the way the kubelet does, downward API included. */
export function resolveEnv(pod: V1Pod, container: V1Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expand(e.value, env);
    else if (e.valueFrom?.fieldRef) env[e.name] = fieldValue(pod, e.valueFrom.fieldRef.fieldPath);
    // `value: ""` comes back from the API server without its value (omitempty): the kubelet sets ''.
    else if (e.valueFrom === undefined) env[e.name] = '';
    else throw new Error(`env ${e.name}: only value and fieldRef are supported by the simulated kubelet`);
  }
  return env;
}

export function fieldValue(pod: V1Pod, path: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[label[2] ?? ''] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    default: throw new Error(`fieldRef ${path} is not supported by the simulated kubelet`);
  }
}

/** `$(VAR)` references in command and args, as Kubernetes expands them. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}
