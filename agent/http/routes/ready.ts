import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HealthChecks, CheckResult } from '../checks.js';
import { CheckList } from '../schemas.js';
import type { SignalsView } from './load.js';

export interface ReadyOptions {
  /** The SIP probe's verdict (and draining); the check is named `sip`. */
  readonly signals?: SignalsView;
  /** Further readiness checks other parts register. */
  readonly readiness?: HealthChecks;
}

/**
 * `GET /readyz`: 200 only when the local SIP server answers and nothing else
 * objects; 503 naming the failing checks. With no check at all it is 503: we
 * cannot claim the SIP server answers when nothing probes it. It never depends
 * on the API server, so the SIP service keeps its endpoints through an outage.
 */
export const readyRoutes: FastifyPluginAsync<ReadyOptions> = async (app, opts) => {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/readyz',
    { schema: { response: { 200: CheckList, 503: CheckList } } },
    async (_request, reply) => {
      const checks: CheckResult[] = [...(opts.readiness?.run() ?? [])];
      if (opts.signals) checks.push(sipCheck(opts.signals));
      if (checks.length === 0) checks.push({ name: 'sip', ok: false, reason: 'no SIP probe configured' });
      const ok = checks.every((c) => c.ok);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failed', checks });
    },
  );
};

function sipCheck(signals: SignalsView): CheckResult {
  try {
    const reason = signals.readiness();
    return reason === undefined ? { name: 'sip', ok: true } : { name: 'sip', ok: false, reason };
  } catch (err) {
    return { name: 'sip', ok: false, reason: `check threw: ${(err as Error).message}` };
  }
}
