import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type ValidatorFactory = ReturnType<typeof AjvCompiler>;
type SerializerFactory = ReturnType<typeof SerializerSelector>;
type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/** fastify's `schemaController.compilersFactory`, plus a way to compile now what is still pending. */
export interface LazyCompilers {
  readonly buildValidator: ValidatorFactory;
  readonly buildSerializer: SerializerFactory;
  /** Compiles every schema not compiled yet, as fastify would have at start; throws what they throw. */
  compileAll(): number;
}

/**
 * fastify's own compilers (Ajv for requests, fast-json-stringify for
 * replies), each route's schema compiled at that route's first use instead
 * of when the server starts. Compiling every route's schemas for every
 * status code took about 80 ms of the sidecar's cold start (a fifth of its
 * CPU) and holds generated code for routes an idle pod never serves.
 * Same schemas, same compilers, same answers: only the moment moves.
 */
export function lazyCompilers(validators: ValidatorFactory = AjvCompiler(), serializers: SerializerFactory = SerializerSelector()): LazyCompilers {
  const pending = new Set<() => unknown>();
  const once = <T>(compile: () => T): (() => T) => {
    let done: { value: T } | undefined;
    const get = (): T => {
      done ??= { value: compile() };
      pending.delete(get);
      return done.value;
    };
    pending.add(get);
    return get;
  };
  const buildValidator = ((externalSchemas, options) => {
    const compiler = once(() => validators(externalSchemas, options));
    return (route) => {
      const real = once(() => compiler()(route) as Validate);
      const validate: Validate = (data) => real()(data);
      // fastify reads a failed validation's reasons from the function it was given.
      Object.defineProperty(validate, 'errors', { get: () => real().errors });
      return validate as ReturnType<ReturnType<ValidatorFactory>>;
    };
  }) as ValidatorFactory;
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    const compiler = once(() => serializers(externalSchemas, options));
    return (route) => {
      const real = once(() => compiler()(route));
      return (doc) => real()(doc);
    };
  };
  return {
    buildValidator,
    buildSerializer,
    compileAll() {
      let compiled = 0;
      while (pending.size > 0) {
        for (const get of [...pending]) {
          get();
          compiled++;
        }
      }
      return compiled;
    },
  };
}
