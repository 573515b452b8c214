import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { Member } from '../../model/vnfcluster.js';
import { Nullable } from '../../model/nullable.js';

export const AgentStatusSchema = Type.Object({
  pod: Type.String(),
  role: Type.String(),
  cluster: Type.String(),
  leader: Nullable(Type.String()),
  isLeader: Type.Boolean(),
  /** Local time since this pod last renewed the lease as leader; null when it never led. */
  lastRenewAgeMs: Nullable(Type.Number()),
  members: Type.Array(Member),
  membershipGeneration: Type.Integer(),
  replicas: Nullable(Type.Integer()),
  desiredReplicas: Nullable(Type.Integer()),
  lastDecision: Nullable(Type.Object({ replicas: Type.Integer(), reason: Type.String(), time: Type.String() })),
  draining: Type.Boolean(),
  peers: Nullable(
    Type.Object({
      rendered: Type.Boolean(),
      reloaded: Type.Boolean(),
      inSync: Type.Boolean(),
      peers: Type.Integer(),
      file: Type.String(),
      error: Type.Optional(Type.String()),
      at: Type.String(),
    }),
  ),
  lastPass: Type.String(),
});

export type AgentStatus = Static<typeof AgentStatusSchema>;

/** `GET /status`: who leads, who the members are, what was decided last. */
export const statusRoutes: FastifyPluginAsync<{ status: () => AgentStatus }> = async (app, opts) => {
  app.withTypeProvider<TypeBoxTypeProvider>().get('/status', { schema: { response: { 200: AgentStatusSchema } } }, (_request, reply) => {
    void reply.send(opts.status());
  });
};
