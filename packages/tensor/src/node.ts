// Layer: tensor. The package's Node entry, '@propel-ts/tensor/node': everything of the main entry, plus
// worker threads for the CPU backend's large products (threads.ts), on all cores by default
// (`setNumThreads(n)` to change). The one file of the package that loads Node built-ins; the main entry
// stays browser-safe.
import { useWorkerThreads, type WorkerData } from './backends/cpu/threads';

// The package compiles without @types/node: the two built-ins it needs, as far as it uses them.
declare const require: (id: string) => unknown;
interface NodeWorker { terminate(): unknown; unref(): void }
const { Worker } = require('node:worker_threads') as { Worker: new (code: string, options: { eval: true; workerData: WorkerData }) => NodeWorker };
const { availableParallelism } = require('node:os') as { availableParallelism: () => number };

useWorkerThreads((source, data) => {
  const worker = new Worker(`${source}(require('node:worker_threads').workerData)`, { eval: true, workerData: data });
  worker.unref(); // idle workers never keep the process alive
  return worker;
}, availableParallelism());

export * from './index';
