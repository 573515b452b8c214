import { constants } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The file-system effects the peer writer needs, as small steps so a test can
 * fail any one of them. Paths are absolute or relative to the process cwd.
 */
export interface FileSystem {
  /** The file's content, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Creates `path` (which must not exist), writes `content` and fsyncs it before closing. */
  writeNewSynced(path: string, content: string): Promise<void>;
  /** Atomically replaces `to` with `from` (same directory, so same file system). */
  rename(from: string, to: string): Promise<void>;
  /** Fsyncs a directory so a rename in it survives a crash. */
  syncDir(dir: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
}

export type WriteOutcome = 'written' | 'unchanged';

/**
 * Writes peer files atomically and only on change. A reader (Kamailio on
 * `dispatcher.reload`, Clearwater's config watcher) sees the old content or
 * the new one, never a partial file: the content goes to a hidden temp file
 * in the same directory, is fsynced, then renamed over the target. On any
 * failure the temp file is removed and the old file is left as it was.
 */
export class PeerFileWriter {
  #sequence = 0;

  constructor(private readonly fs: FileSystem) {}

  async writeIfChanged(path: string, content: string): Promise<WriteOutcome> {
    if ((await this.fs.readText(path)) === content) return 'unchanged';
    // Hidden and unique per write, so config globs skip it and two writes never share it.
    const temp = join(dirname(path), `.${basename(path)}.${++this.#sequence}.tmp`);
    try {
      await this.fs.writeNewSynced(temp, content);
      await this.fs.rename(temp, path);
    } catch (err) {
      await this.fs.remove(temp).catch(() => undefined); // best effort; the original error is what matters
      throw err;
    }
    await this.fs.syncDir(dirname(path));
    return 'written';
  }
}

/** The real FileSystem on node:fs. */
export const nodeFileSystem: FileSystem = {
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  async writeNewSynced(path, content) {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => rename(from, to),
  async syncDir(dir) {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async remove(path) {
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  },
};
