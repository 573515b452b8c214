import { addressablePeers, type Peer } from '../peers.js';
import type { ClusterView } from '../view.js';
import { hostPort } from '../../net/address.js';
import { GENERATED_HEADER, type Renderer, type RenderOptions } from './renderer.js';

/**
 * Clearwater's `/etc/clearwater/cluster_settings`, written the way its
 * cluster manager does (clearwater-etcd-plugins memcached_utils.py
 * write_memcached_cluster_settings):
 *
 *   servers=<old set>            every member serving now: active and leaving
 *   new_servers=<new set>        only during a change: active and joining
 *
 * Each list is sorted `ip:port` joined by commas; `new_servers` is omitted
 * when both sets are equal (a stable cluster). Clients read and write the
 * union of both rings while the line is present, which is how data moves
 * before a leaving node goes. Joining members without an IP are not listed.
 */
export function clearwaterClusterSettingsRenderer(options: Pick<RenderOptions, 'port'>): Renderer {
  return {
    kind: 'clearwater-cluster-settings',
    render: (views: readonly ClusterView[]) => {
      const peers = addressablePeers(views);
      const servers = addresses(peers.filter((p) => p.state !== 'joining'), options.port);
      const newServers = addresses(peers.filter((p) => p.state !== 'leaving'), options.port);
      const lines = [GENERATED_HEADER, `servers=${servers.join(',')}`];
      if (servers.join(',') !== newServers.join(',')) lines.push(`new_servers=${newServers.join(',')}`);
      return `${lines.join('\n')}\n`;
    },
  };
}

// Sorted as strings, like Clearwater's sorted(); duplicates (two clusters, one IP) collapse.
function addresses(peers: readonly Peer[], port: number): string[] {
  return [...new Set(peers.map((p) => hostPort(p.ip, port)))].sort();
}
