import { routablePeers } from '../peers.js';
import type { ClusterView } from '../view.js';
import { hostPort } from '../../net/address.js';
import type { Renderer, RenderOptions } from './renderer.js';

/**
 * One `ip:port` per routable peer, newline-terminated, nothing else: the
 * simplest thing a shell script or a `while read` loop can consume. An empty
 * cluster is an empty file.
 */
export function linesRenderer(options: Pick<RenderOptions, 'port'>): Renderer {
  return {
    kind: 'lines',
    render: (views: readonly ClusterView[]) =>
      routablePeers(views)
        .map((p) => `${hostPort(p.ip, options.port)}\n`)
        .join(''),
  };
}
