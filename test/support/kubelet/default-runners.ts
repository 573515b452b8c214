import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bonoKamailioConfig, KAMAILIO_BIN, sproutKamailioConfig } from '../../../sim/kamailio/config.js';
import type { ImageRunner } from './runner.js';

/**
 * Images the simulated kubelet can run, by name: the sidecar from this
 * checkout's build, and the SIP tools installed from Debian. The container's
 * `args` become the process arguments.
 */
export const defaultRunners: Readonly<Record<string, ImageRunner>> = {
  // A container command replaces the image's entrypoint (node main.js), as in a real runtime; its
  // node is this one (the chart's vnf-agent-peers-file init container runs `node -e`).
  'vnf-agent': (c) =>
    c.command?.[0] === 'node'
      ? { command: process.execPath, args: [...c.command.slice(1), ...(c.args ?? [])] }
      : { command: process.execPath, args: [resolve('dist/agent/main.js'), ...(c.args ?? ['run'])] },
  node: (c) => ({ command: process.execPath, args: [...(c.command?.slice(1) ?? []), ...(c.args ?? [])] }),
  sipp: (c) => ({ command: '/usr/bin/sipp', args: c.args ?? [] }),
  kamailio: (c) => ({ command: KAMAILIO_BIN, args: (c.args ?? []).map(imageConfig) }),
  // A shell for containers that prepare a directory before exec-ing their server.
  busybox: (c) => ({ command: '/bin/sh', args: [...(c.command?.slice(1) ?? []), ...(c.args ?? [])] }),
};

/**
 * The configuration files a Kamailio image for Clearwater would carry
 * (examples/clearwater-docker names /etc/kamailio/sprout.cfg and bono.cfg):
 * the Sprout UAS and the Bono dispatcher of sim/kamailio, written to a
 * folder of this machine. Any other path is left alone.
 */
function imageConfig(arg: string): string {
  const match = /^\/etc\/kamailio\/(sprout|bono)\.cfg$/.exec(arg);
  if (!match) return arg;
  const dir = join(tmpdir(), 'vnf-agent-kamailio-image');
  mkdirSync(dir, { recursive: true });
  const list = join(dir, 'dispatcher.list');
  writeAtomically(list, '# the image ships an empty dispatcher set\n');
  const file = join(dir, `${match[1]}.cfg`);
  writeAtomically(file, match[1] === 'sprout' ? sproutKamailioConfig() : bonoKamailioConfig(list));
  return file;
}

/** Pods start in parallel, and a Kamailio must never read a half-written file. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}
