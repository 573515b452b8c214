import { addressablePeers } from '../peers.js';
import type { ClusterView } from '../view.js';
import type { Renderer, RenderOptions } from './renderer.js';

/**
 * The JSON peer file, shape `vnf-agent.dev/peers/v1`:
 *
 *   { "format": "vnf-agent.dev/peers/v1",
 *     "clusters": [ { "name": "sprout", "generation": 4 } ],
 *     "peers": [ { "cluster": "sprout", "pod": "sprout-0", "ip": "10.0.0.11",
 *                  "port": 5054, "state": "active", "ready": true, "routable": true } ] }
 *
 * Every member with an IP is listed with its state, so a consumer can both
 * route (`routable: true`) and see who is joining or leaving. Keys are always
 * in this order and the file ends with a newline, so unchanged membership
 * renders byte-identical output.
 */
export function jsonRenderer(options: Pick<RenderOptions, 'port'>): Renderer {
  return {
    kind: 'json',
    render: (views: readonly ClusterView[]) => {
      const doc = {
        format: 'vnf-agent.dev/peers/v1',
        clusters: views.map((v) => ({ name: v.cluster, generation: v.generation })),
        peers: addressablePeers(views).map((p) => ({
          cluster: p.cluster,
          pod: p.pod,
          ip: p.ip,
          port: options.port,
          state: p.state,
          ready: p.ready,
          routable: p.state === 'active' && p.ready,
        })),
      };
      return `${JSON.stringify(doc, null, 2)}\n`;
    },
  };
}
