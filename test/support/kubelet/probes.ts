import type { V1Pod } from '@kubernetes/client-node';

/** The pod is ready when every container's httpGet readiness probe answers 2xx/3xx. */
export async function probeReady(pod: V1Pod, ip: string): Promise<boolean> {
  for (const c of pod.spec?.containers ?? []) {
    const probe = c.readinessProbe?.httpGet;
    if (!probe) continue;
    const port = typeof probe.port === 'number' ? probe.port : Number(probe.port);
    try {
      const res = await fetch(`http://${probe.host ?? ip}:${port}${probe.path ?? '/'}`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 200 || res.status >= 400) return false;
    } catch {
      return false;
    }
  }
  return true;
}
