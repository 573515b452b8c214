import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The test control plane's certificates besides the API server's own serving
 * certificate (which it generates itself): a CA for client certificates and
 * the aggregation layer's front proxy. Made with openssl in the control plane's
 * folder (`dir`, the kubeconfig's); nothing here is for production.
 */
export const CLIENT_CA = 'client-ca';
const FRONT_PROXY_CA = 'front-proxy-ca';
const FRONT_PROXY_CLIENT = 'front-proxy-client';

export function makeClientCa(dir: string): void {
  const key = join(dir, 'pki', `${CLIENT_CA}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', join(dir, 'pki', `${CLIENT_CA}.crt`), '-days', '2', '-subj', '/CN=vnf-test-client-ca'], { stdio: 'ignore' });
}

/**
 * The aggregation layer's front proxy: a CA that extension API servers
 * (metrics-server) trust for the requests kube-apiserver forwards, and the
 * client certificate kube-apiserver forwards them with.
 */
export function makeFrontProxy(dir: string): string[] {
  const pki = (name: string): string => join(dir, 'pki', name);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', pki(`${FRONT_PROXY_CA}.key`), '-out', pki(`${FRONT_PROXY_CA}.crt`), '-days', '2', '-subj', '/CN=vnf-test-front-proxy-ca'], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', pki(`${FRONT_PROXY_CLIENT}.key`), '-out', pki(`${FRONT_PROXY_CLIENT}.csr`), '-subj', `/CN=${FRONT_PROXY_CLIENT}`], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', pki(`${FRONT_PROXY_CLIENT}.csr`), '-CA', pki(`${FRONT_PROXY_CA}.crt`), '-CAkey', pki(`${FRONT_PROXY_CA}.key`), '-CAcreateserial', '-out', pki(`${FRONT_PROXY_CLIENT}.crt`), '-days', '1'], { stdio: 'ignore' });
  return [
    `--requestheader-client-ca-file=${pki(`${FRONT_PROXY_CA}.crt`)}`, `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki(`${FRONT_PROXY_CLIENT}.crt`)}`, `--proxy-client-key-file=${pki(`${FRONT_PROXY_CLIENT}.key`)}`,
    // Extension API servers run as processes on the node's address (addons.ts): dial the Service's endpoint, not its ClusterIP.
    '--enable-aggregator-routing=true',
  ];
}

/**
 * A client certificate for `user` (CN) in `groups` (O), signed by the control
 * plane's client CA (`dir` is the control plane's folder, the kubeconfig's);
 * returns the paths of the certificate and its key.
 */
export function issueClientCert(dir: string, user: string, groups: readonly string[] = []): { cert: string; key: string } {
  const base = join(dir, 'pki', `client-${user.replace(/[^\w-]/g, '_')}`);
  const subj = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subj], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', join(dir, 'pki', `${CLIENT_CA}.crt`), '-CAkey', join(dir, 'pki', `${CLIENT_CA}.key`), '-CAcreateserial', '-out', `${base}.crt`, '-days', '1'], { stdio: 'ignore' });
  return { cert: `${base}.crt`, key: `${base}.key` };
}
