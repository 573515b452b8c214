import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFileSystem, PeerFileWriter, type FileSystem } from '../../agent/membership/writer.js';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'membership-writer-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writes a new file and leaves no temp file behind', () =>
  withDir(async (dir) => {
    const file = join(dir, 'dispatcher.list');
    assert.equal(await new PeerFileWriter(nodeFileSystem).writeIfChanged(file, 'a\n'), 'written');
    assert.equal(await readFile(file, 'utf8'), 'a\n');
    assert.deepEqual(await readdir(dir), ['dispatcher.list']);
    assert.equal((await stat(file)).mode & 0o777, 0o644);
  }));

test('writes only on change: same content leaves the very same file (inode) in place', () =>
  withDir(async (dir) => {
    const file = join(dir, 'peers');
    const writer = new PeerFileWriter(nodeFileSystem);
    await writer.writeIfChanged(file, 'a\n');
    const before = await stat(file);
    assert.equal(await writer.writeIfChanged(file, 'a\n'), 'unchanged');
    const after = await stat(file);
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
  }));

test('a change replaces the file by rename (new inode), never rewriting it in place', () =>
  withDir(async (dir) => {
    const file = join(dir, 'peers');
    await writeFile(file, 'old\n');
    const before = await stat(file);
    assert.equal(await new PeerFileWriter(nodeFileSystem).writeIfChanged(file, 'new\n'), 'written');
    assert.notEqual((await stat(file)).ino, before.ino);
    assert.equal(await readFile(file, 'utf8'), 'new\n');
    assert.deepEqual(await readdir(dir), ['peers']);
  }));

/** The real file system with one step replaced by a failure. */
function failing(step: 'rename' | 'writeNewSynced'): FileSystem {
  return {
    ...nodeFileSystem,
    [step]: async (path: string, content: string) => {
      if (step === 'writeNewSynced') await writeFile(path, content.slice(0, 3)); // a partial temp file, then the disk fills up
      throw Object.assign(new Error(`${step} failed: ENOSPC`), { code: 'ENOSPC' });
    },
  };
}

for (const step of ['rename', 'writeNewSynced'] as const) {
  test(`a failing ${step} leaves the old file intact and no temp file`, () =>
    withDir(async (dir) => {
      const file = join(dir, 'cluster_settings');
      await writeFile(file, 'servers=10.0.0.5:11211\n');
      await assert.rejects(new PeerFileWriter(failing(step)).writeIfChanged(file, 'servers=10.0.0.6:11211\n'), /ENOSPC/);
      assert.equal(await readFile(file, 'utf8'), 'servers=10.0.0.5:11211\n');
      assert.deepEqual(await readdir(dir), ['cluster_settings']);
    }));
}

test('a reader polling during many writes only ever sees a complete version', () =>
  withDir(async (dir) => {
    const file = join(dir, 'peers');
    const versions = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}:${'x'.repeat(64 * 1024)}\n`);
    const writer = new PeerFileWriter(nodeFileSystem);
    await writer.writeIfChanged(file, versions[0] ?? '');
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const text = await readFile(file, 'utf8');
        assert.ok(versions.includes(text), `partial content of ${text.length} bytes`);
        seen.add(text.slice(0, 2));
      }
    })();
    for (const v of versions.slice(1)) await writer.writeIfChanged(file, v);
    writing = false;
    await reader;
    assert.ok(seen.size >= 1);
    assert.deepEqual(await readdir(dir), ['peers']);
  }));
