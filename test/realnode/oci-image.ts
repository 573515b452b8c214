import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Container images without a registry: an OCI image layout (one uncompressed
 * layer, a config, a manifest, an index naming the image) packed as a tar that
 * `ctr images import` reads. The archive is cached by the digest of its
 * manifest's inputs, so a warm run imports a file it already has.
 */
export interface ImageSpec {
  /** The name the kubelet asks for, e.g. `docker.io/library/busybox:vnf-test`. */
  readonly name: string;
  /** Files to put in the layer: path inside the image -> source file, or a symlink target. */
  readonly files: Readonly<Record<string, { readonly from: string } | { readonly link: string }>>;
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
}

const TIMEOUT_MS = 120_000;

export function imageCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vnf-agent', 'realnode', 'images');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What the archive depends on: the spec and every source file's content. */
async function cacheKey(spec: ImageSpec): Promise<string> {
  const sources: Record<string, string> = {};
  for (const [path, f] of Object.entries(spec.files)) sources[path] = 'from' in f ? await sha256File(f.from) : `link:${f.link}`;
  return sha256(JSON.stringify({ format: 1, spec, sources })).slice(0, 32);
}

/** A reproducible layer tar: sorted names, fixed times, root owner. */
async function writeLayer(spec: ImageSpec, work: string, layerPath: string): Promise<void> {
  const root = join(work, 'rootfs');
  for (const [path, f] of Object.entries(spec.files)) {
    const target = join(root, path);
    mkdirSync(join(target, '..'), { recursive: true });
    if ('from' in f) await run('cp', ['--preserve=mode', f.from, target], { timeout: TIMEOUT_MS });
    else await run('ln', ['-s', f.link, target], { timeout: TIMEOUT_MS });
  }
  await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', layerPath, '.'], { timeout: TIMEOUT_MS });
}

function putBlob(blobs: string, data: string | Buffer): { digest: string; size: number } {
  const digest = sha256(data);
  writeFileSync(join(blobs, digest), data);
  return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
}

/** Builds (or finds in the cache) the image's OCI archive and returns its path. */
export async function buildImage(spec: ImageSpec): Promise<string> {
  const dir = imageCacheDir();
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${await cacheKey(spec)}.tar`);
  if (existsSync(archive)) return archive;
  const work = mkdtempSync(join(dir, '.build-'));
  try {
    const layout = join(work, 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const layerTmp = join(work, 'layer.tar');
    await writeLayer(spec, work, layerTmp);
    const layerDigest = await sha256File(layerTmp);
    renameSync(layerTmp, join(blobs, layerDigest));
    const layerSize = readFileSync(join(blobs, layerDigest)).byteLength;
    const config = putBlob(blobs, JSON.stringify({
      architecture: 'amd64', os: 'linux',
      config: { Entrypoint: spec.entrypoint, Cmd: spec.cmd ?? [], Env: spec.env ?? ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    }));
    const manifest = putBlob(blobs, JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layerSize }],
    }));
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(join(layout, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest,
        // containerd names the imported image after this annotation.
        annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': spec.name.split(':').pop() },
      }],
    }));
    const tmpArchive = join(work, 'image.tar');
    await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', layout, '-cf', tmpArchive, '.'], { timeout: TIMEOUT_MS });
    // Rename last: a half-built archive never sits under its final name.
    renameSync(tmpArchive, archive);
    return archive;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The static busybox from Debian's busybox-static, with the applets a test pod uses. */
export function busyboxImage(name: string, entrypoint: readonly string[], cmd: readonly string[] = []): ImageSpec {
  const applets = ['sh', 'sleep', 'cat', 'echo', 'ls', 'httpd', 'nc', 'ip', 'wget', 'kill', 'ps', 'true', 'test', 'touch', 'rm', 'mkdir'];
  const files: Record<string, { from: string } | { link: string }> = { 'bin/busybox': { from: '/bin/busybox' } };
  for (const a of applets) files[`bin/${a}`] = { link: 'busybox' };
  return { name, files, entrypoint, cmd };
}
