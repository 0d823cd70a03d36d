// Layer: tensor/backends/cpu. The browser's worker factory for the CPU threads (threads.ts): Web Workers
// started from a Blob, on a cross-origin isolated page or worker. threads.ts installs it when it loads.
// Imports only a type.
import type { WorkerFactory } from './threads';

/** The Web platform's globals the Web Worker factory uses, as far as it uses them (no DOM types in the declarations). */
export interface WebGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly Worker?: new (url: string, options: { name: string }) => WebWorker;
  readonly Blob?: new (parts: string[], options: { type: string }) => object;
  readonly URL?: { createObjectURL(blob: object): string };
  readonly navigator?: { readonly hardwareConcurrency?: number };
}
interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
  onerror: ((e: { message?: string }) => void) | null;
}

/**
 * Web Workers, when this thread is cross-origin isolated (a page served with COOP: same-origin and COEP:
 * require-corp, or a worker of one): each runs `source` on the WorkerData posted to it (shared buffers and
 * the compiled gemm module cross by structured clone). threads.ts installs it when it loads; setNumThreads(1)
 * stops them.
 */
export function installWebWorkers(useWorkerThreads: (make: WorkerFactory, coreCount: number) => void): void {
  const web = globalThis as WebGlobals;
  const { Worker, Blob, URL } = web;
  if (web.crossOriginIsolated !== true || Worker === undefined || Blob === undefined || URL?.createObjectURL === undefined) return;
  // one script URL per source text (there is one), kept for the page's life: the pool restarts reuse it
  const scripts = new Map<string, string>();
  useWorkerThreads((source, data, failed) => {
    let url = scripts.get(source);
    if (url === undefined) {
      // the worker's whole script: run `source` on the first message; it then loops in Atomics.wait
      const script = `onmessage = (e) => { onmessage = null; (${source})(e.data); };`;
      url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
      scripts.set(source, url);
    }
    const worker = new Worker(url, { name: `propel-ts gemm ${data.index + 1}` });
    // an error event without a message: the script did not load (a Content-Security-Policy may forbid it)
    worker.onerror = (e) => failed(e.message || "its script did not load (a Content-Security-Policy without blob: in worker-src?)");
    worker.postMessage(data);
    return worker;
  }, web.navigator?.hardwareConcurrency ?? 1);
}
