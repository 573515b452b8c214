import Type from 'typebox';

/** The body of every 4xx/5xx this sidecar sends: what went wrong, in words. */
export const ErrorReply = Type.Object(
  { error: Type.String(), reason: Type.String() },
  { $id: 'ErrorReply', additionalProperties: false },
);

export const CheckList = Type.Object({
  status: Type.Enum(['ok', 'failed']),
  checks: Type.Array(
    Type.Object({ name: Type.String(), ok: Type.Boolean(), reason: Type.Optional(Type.String()) }),
  ),
});
