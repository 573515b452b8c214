import Type, { type TSchema, type TSchemaOptions } from 'typebox';

/** `t` or null: how every schema here says "not known (yet)", never an absent field. */
export const Nullable = <T extends TSchema>(t: T, options?: TSchemaOptions) => Type.Union([t, Type.Null()], options);
