import type { ContainerEngine } from './types.js';

/** Told of every engine call once it settles: the method's name, and how long it took. */
export type EngineCallObserver = (engine: string, operation: string, seconds: number) => void;

/**
 * The same engine, with every asynchronous method timed (sonde_engine_api_seconds). A Proxy
 * rather than a hand-written wrapper so that a method added to ContainerEngine is timed without
 * anyone remembering to: the operation label is the method's name, so it stays bounded (the
 * interface's size), never an id or a URL. Synchronous members pass through untouched.
 */
export function meteredEngine(engine: ContainerEngine, observe: EngineCallObserver): ContainerEngine {
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
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
