import type { Engine } from './types.js';

/** Told of every engine call once it settles: the method's name, and how long it took. */
export type EngineCallObserver = (engine: string, operation: string, seconds: number) => void;

/**
 * The same engine, with every asynchronous method timed (sonde_engine_api_seconds). A Proxy
 * rather than a hand-written wrapper so that a method added to an engine (Docker or Kubernetes) is
 * timed without anyone remembering to: the operation label is the method's name, so it stays
 * bounded (the interfaces' size), never an id or a URL. Synchronous members, `kind` included,
 * pass through untouched, and getters and methods run on the engine itself, not on the Proxy.
 */
export function meteredEngine<E extends Engine>(engine: E, observe: EngineCallObserver): E {
  return new Proxy(engine, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        const done = () => observe(target.name, property, (performance.now() - started) / 1000);
        return result.then(
          (settled: unknown) => {
            done();
            return settled;
          },
          (error: unknown) => {
            done();
            throw error;
          },
        );
      };
    },
  });
}
