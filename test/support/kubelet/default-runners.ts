import { resolve } from 'node:path';
import type { ImageRunner } from './runner.js';

/**
 * Images the simulated kubelet can run, by name: the sidecar from this
 * checkout's build, and the SIP tools installed from Debian. The container's
 * `args` become the process arguments.
 */
export const defaultRunners: Readonly<Record<string, ImageRunner>> = {
  'vnf-agent': (c) => ({ command: process.execPath, args: [resolve('dist/agent/main.js'), ...(c.args ?? ['run'])] }),
  node: (c) => ({ command: process.execPath, args: [...(c.command?.slice(1) ?? []), ...(c.args ?? [])] }),
  sipp: (c) => ({ command: '/usr/bin/sipp', args: c.args ?? [] }),
  kamailio: (c) => ({ command: '/usr/sbin/kamailio', args: c.args ?? [] }),
  // A shell for containers that prepare a directory before exec-ing their server.
  busybox: (c) => ({ command: '/bin/sh', args: [...(c.command?.slice(1) ?? []), ...(c.args ?? [])] }),
};
