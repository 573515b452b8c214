import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * Kubernetes protobuf bodies for tests, encoded by protobufjs from the same
 * k8s.io/api generated.proto the stand-in decodes with (sim/apiserver/proto).
 * Go's encoder also writes non-pointer fields at their zero value; tests that
 * care pass those explicitly.
 */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const PROTO_DIR = fileURLToPath(new URL('../../sim/apiserver/proto', import.meta.url));

let root: protobuf.Root | undefined;

function schema(): protobuf.Root {
  if (root) return root;
  root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  // apps/v1 imports core/v1 and meta/v1, so these two files reach every kind the tests send.
  root.loadSync(['k8s.io/api/apps/v1/generated.proto', 'k8s.io/api/coordination/v1/generated.proto'], { keepCase: true });
  return root;
}

/** `k8s\0` + a runtime.Unknown with any fields (typeMeta, raw, contentEncoding), also malformed ones. */
export function protobufEnvelope(unknown: Record<string, unknown>): Buffer {
  const type = schema().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), type.encode(type.fromObject(unknown)).finish()]);
}

/** The body kubectl and client-go send: `object` encoded as `message`, in the envelope naming its kind. */
export function protobufBody(apiVersion: string, kind: string, message: string, object: Record<string, unknown>): Buffer {
  const type = schema().lookupType(message);
  const raw = type.encode(type.fromObject(object)).finish();
  return protobufEnvelope({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' });
}
