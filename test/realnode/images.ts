import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1SecurityContext } from '@kubernetes/client-node';

const run = promisify(execFile);
const BUILD = join(import.meta.dirname, 'images', 'build.sh');

/** A chart image built by images/build.sh: its name and its OCI archive. */
export interface BuiltImage {
  readonly name: string;
  readonly archive: string;
  readonly bytes: number;
}

export function parseImageList(text: string): BuiltImage[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const [name = '', archive = ''] = line.trim().split(/\s+/);
    return { name, archive, bytes: existsSync(archive) ? statSync(archive).size : 0 };
  });
}

/**
 * The chart's images (vnf-agent from the repository's Dockerfile, Kamailio, the
 * helm test image): the list test/run.sh built for the run (VNF_REALNODE_IMAGES,
 * a file), or built now, from the cache when nothing they are made from changed.
 */
export async function chartImages(timeoutMs = 40 * 60_000): Promise<BuiltImage[]> {
  const given = process.env.VNF_REALNODE_IMAGES;
  if (given && existsSync(given)) return parseImageList(readFileSync(given, 'utf8'));
  const { stdout } = await run('bash', [BUILD], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 });
  return parseImageList(stdout);
}

export function imageNamed(images: readonly BuiltImage[], prefix: string): BuiltImage {
  const found = images.find((i) => i.name.startsWith(prefix));
  if (!found) throw new Error(`no image ${prefix}* among ${images.map((i) => i.name).join(', ')}`);
  return found;
}

/** The chart's container hardening (templates/_sidecar.tpl, values.yaml sipSecurityContext), for pods the tests make themselves. */
export const HARDENED: V1SecurityContext = {
  runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
};
