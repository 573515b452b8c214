import { after, before, describe } from 'node:test';
import { systemClock } from '../../agent/clock/clock.js';
import { makeKubeApi } from '../../agent/kube/client.js';
import { deleteNamespace, freshNamespace, installCrd, kubeConfigFrom } from '../support/kube.js';
import { kubectlCases } from './kubectl.js';
import { leaseCases } from './lease.js';
import { scaleCases } from './scale.js';
import { podAnnotationCases, podWatchCases } from './pods.js';
import { protobufCases } from './protobuf.js';
import { vnfClusterCases } from './vnfcluster.js';
import type { SuiteContext } from './context.js';


/** What a target API server (the real one, or the stand-in) gives the suite. */
export interface ConformanceTarget {
  readonly kubeconfigPath: string;
}

/**
 * One suite, two targets: the same cases run against the real kube-apiserver
 * and against the stand-in in sim/, so the stand-in cannot drift from the
 * behaviour vnf-agent's kube/ adapters rely on.
 */
export function conformanceSuite(targetName: string, target: () => Promise<ConformanceTarget>): void {
  describe(`kube/ adapters against ${targetName}`, { timeout: 180_000 }, () => {
    const ctx = {} as SuiteContext;
    before(async () => {
      const t = await target();
      ctx.kubeconfigPath = t.kubeconfigPath;
      ctx.kc = kubeConfigFrom(t.kubeconfigPath);
      ctx.api = makeKubeApi(ctx.kc, systemClock);
      await installCrd(ctx.kc);
      ctx.namespace = await freshNamespace(ctx.kc, 'conformance');
    });
    after(async () => {
      if (ctx.kc) await deleteNamespace(ctx.kc, ctx.namespace);
    });
    leaseCases(ctx);
    scaleCases(ctx);
    podWatchCases(ctx);
    podAnnotationCases(ctx);
    vnfClusterCases(ctx);
    kubectlCases(ctx);
    protobufCases(ctx);
  });
}
