/**
 * The few Kubernetes API calls the playground makes, as plain HTTP against
 * the stand-in API server (the same requests kubectl or client-node send).
 */
export type KubeObject = { metadata: { name?: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class KubeHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 3_000,
  ) {}

  async get<T = KubeObject>(path: string): Promise<T> {
    return this.#request<T>('GET', path);
  }

  async list<T = KubeObject>(path: string): Promise<T[]> {
    return (await this.#request<{ items: T[] }>('GET', path)).items;
  }

  async create(path: string, body: unknown): Promise<KubeObject> {
    return this.#request('POST', path, body, 'application/json');
  }

  async mergePatch(path: string, body: unknown): Promise<KubeObject> {
    return this.#request('PATCH', path, body, 'application/merge-patch+json');
  }

  async delete(path: string): Promise<void> {
    await this.#request('DELETE', path);
  }

  async #request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', 'user-agent': 'vnf-agent-playground', ...(contentType ? { 'content-type': contentType } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not a Status object
      }
      throw new KubeHttpError(res.status, `${method} ${path}: HTTP ${res.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
}

export const paths = {
  namespaces: () => '/api/v1/namespaces',
  pods: (ns: string) => `/api/v1/namespaces/${ns}/pods`,
  pod: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`,
  deployments: (ns: string) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
  vnfClusters: (ns: string) => `/apis/vnf-agent.dev/v1alpha1/namespaces/${ns}/vnfclusters`,
  vnfCluster: (ns: string, name: string) => `/apis/vnf-agent.dev/v1alpha1/namespaces/${ns}/vnfclusters/${name}`,
};
