/**
 * Why `vnf-agent inject` refused its input. The CLI prints the message and
 * exits 2 without writing any manifest, so a pipe into `kubectl apply` never
 * applies half a file.
 */
export class InjectError extends Error {
  override readonly name = 'InjectError';
}
