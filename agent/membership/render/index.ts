import { clearwaterClusterSettingsRenderer } from './clearwater-cluster-settings.js';
import { jsonRenderer } from './json.js';
import { kamailioDispatcherRenderer } from './kamailio-dispatcher.js';
import { linesRenderer } from './lines.js';
import type { Renderer, RendererKind, RenderOptions } from './renderer.js';

export { RENDERER_KINDS, GENERATED_HEADER, type Renderer, type RendererKind, type RenderOptions } from './renderer.js';

/** The renderer for a configured kind; undefined for `none` (peer files off). */
export function createRenderer(kind: RendererKind, options: RenderOptions): Renderer | undefined {
  switch (kind) {
    case 'json':
      return jsonRenderer(options);
    case 'lines':
      return linesRenderer(options);
    case 'kamailio-dispatcher':
      return kamailioDispatcherRenderer(options);
    case 'clearwater-cluster-settings':
      return clearwaterClusterSettingsRenderer(options);
    case 'none':
      return undefined;
  }
}
