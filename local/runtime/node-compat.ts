/**
 * THE ONE NODE-COMPATIBILITY SHIM OF THE PROJECT.
 *
 * `aws-local-stepfunctions@3` declares Node >= 22 and calls `Promise.withResolvers` (Node 22+).
 * Everything else it uses works on Node 20.19+, so on Node 20 we supply that one method, as the
 * standard defines it. On Node 22 and later this file does nothing. Import it before the library.
 */
interface PromiseWithResolversShape<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShape<T> };

if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = function withResolvers<T>(): PromiseWithResolversShape<T> {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
