import { isRoutable } from '../peers.js';
import type { ClusterView } from '../view.js';
import { hostPort } from '../../net/address.js';
import { GENERATED_HEADER, type Renderer, type RenderOptions } from './renderer.js';

/**
 * A Kamailio dispatcher list file (dispatcher module, `list_file`). Line
 * format per the Kamailio 5.6 README: `setid destination flags priority attrs`,
 * e.g. `1 sip:10.0.0.11:5054;transport=udp 0 0 duid=sprout-0`.
 *
 * - Only routable members are listed, so `dispatcher.reload` takes a leaving
 *   Sprout out of selection before it stops, and a joining one in only once
 *   it is ready.
 * - Each view (upstream cluster) is its own set: `setId` for the first, then
 *   +1, in the order the views are given (the VnfCluster's upstream order).
 * - flags 0 and priority 0: probing is left to the Kamailio config
 *   (`ds_probing_mode`); `duid` names the pod, which `dispatcher.set_duid_state`
 *   and call-load dispatching (algorithm 10) key on.
 */
export function kamailioDispatcherRenderer(options: RenderOptions): Renderer {
  return {
    kind: 'kamailio-dispatcher',
    render: (views: readonly ClusterView[]) => {
      const lines = [GENERATED_HEADER, '# setid destination flags priority attrs'];
      views.forEach((view, index) => {
        const setId = options.setId + index;
        // No membership generation here: it moves on readiness changes that route nothing
        // differently, and every rewrite costs a reload Kamailio may refuse (reload_delta).
        lines.push(`# ${view.cluster}`);
        for (const m of view.members.filter(isRoutable)) {
          lines.push(`${setId} sip:${hostPort(m.ip, options.port)};transport=${options.transport} 0 0 duid=${m.pod}`);
        }
      });
      return `${lines.join('\n')}\n`;
    },
  };
}
