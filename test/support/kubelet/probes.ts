import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';

/** Native sidecars: init containers with restartPolicy Always, which run beside the app containers. */
export const isSidecar = (c: V1Container): boolean => c.restartPolicy === 'Always';

/** The containers whose readiness makes the pod's: app containers and native sidecars. */
export const probedContainers = (pod: V1Pod): V1Container[] => [...(pod.spec?.initContainers ?? []).filter(isSidecar), ...(pod.spec?.containers ?? [])];

/** The pod is ready when every container's httpGet readiness probe answers 2xx/3xx. */
export async function probeReady(pod: V1Pod, ip: string): Promise<boolean> {
  for (const c of probedContainers(pod)) {
    if (c.readinessProbe?.httpGet && !(await httpProbe(c.readinessProbe, ip))) return false;
  }
  return true;
}

/** One httpGet probe, as the kubelet sends it: success is 2xx/3xx within a second. */
export async function httpProbe(probe: V1Probe, ip: string): Promise<boolean> {
  const get = probe.httpGet;
  if (!get) return false;
  const port = typeof get.port === 'number' ? get.port : Number(get.port);
  try {
    const res = await fetch(`http://${get.host ?? ip}:${port}${get.path ?? '/'}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 400;
  } catch {
    return false;
  }
}
