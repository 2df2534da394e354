import { cpus } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../src/config/app-config';
import { pinoOptions } from '../src/platform/logging/logging.module';
import { flag, run, writeResult } from './lib';

/**
 * `npm run bench:logger [-- --iterations 300]`
 * What one request log line costs the server's logger (pino with the server's own options: redact
 * paths, the URL serializer, the secret scrubber) when the request URL is 64 KB of hostile text, in the
 * shapes that made the previous regular expressions quadratic. Target: under 1 ms a line. For contrast,
 * the previous expressions are timed once on the same raw line (they saw the whole URL). The target
 * is on CPU time a line (process.cpuUsage over the batch); wall-clock p50/p99 are reported beside it.
 */
const KB64 = 64 * 1024;
const TARGET_MS = 1;

const repeatTo = (unit: string) => unit.repeat(Math.ceil(KB64 / unit.length)).slice(0, KB64);
const SHAPES: [string, string][] = [
  ['dotted words (a.a.a…)', '/api/v1/accounts?q=' + repeatTo('a.')],
  ['scheme and user (x://u:…)', '/api/v1/accounts?q=' + repeatTo('x://u:')],
  ['bearer and spaces', '/api/v1/accounts?q=' + repeatTo('bearer%20 ')],
  ['jgt_ prefixes', '/api/v1/accounts?q=' + repeatTo('jgt_short.')],
  ['one long path', '/' + repeatTo('p')],
];

/** The regular expressions redact.ts used before, as they ran on each serialised line. */
const PREVIOUS: [RegExp, string][] = [
  [/jgt_[A-Za-z0-9_-]{16,}/g, 'jgt_[REDACTED]'],
  [/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"]*:)[^@/\s"]+@/gi, '$1[REDACTED]@'],
];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const iterations = flag('iterations', 300);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    BOOTSTRAP_ADMIN_TOKEN: 'bench-bootstrap-token-0123456789abcdef',
  });
  let bytes = 0;
  let lines = 0;
  // Synchronous and discarding: what is measured is the logger, not a disk or a pipe.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      lines++;
      cb();
    },
  });
  const logger = pino(pinoOptions(config), sink);
  const logLine = (url: string) =>
    logger.info(
      {
        req: {
          id: 1,
          method: 'GET',
          url,
          remoteAddress: '203.0.113.7',
          headers: { authorization: 'Bearer x' },
        },
        res: { statusCode: 401 },
        responseTime: 1,
      },
      'request completed',
    );

  const rows: {
    shape: string;
    urlBytes: number;
    lineBytes: number;
    cpuMsPerLine: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    previousMs: number;
  }[] = [];
  for (const [shape, url] of SHAPES) {
    for (let i = 0; i < 200; i++) logLine(url);
    const before = bytes;
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const t0 = process.hrtime.bigint();
      logLine(url);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const cpu = process.cpuUsage(cpu0);
    // CPU time, not wall time, is the logger's cost: on a busy machine the wall clock also counts the
    // moments the process waited for a core.
    const cpuMsPerLine = (cpu.user + cpu.system) / 1000 / iterations;
    const lineBytes = Math.round((bytes - before) / iterations);
    samples.sort((a, b) => a - b);
    // The previous scrubber saw the uncut URL inside the serialised line.
    const raw = JSON.stringify({ level: 30, req: { url }, msg: 'request completed' });
    const t0 = process.hrtime.bigint();
    PREVIOUS.reduce((out, [re, rep]) => out.replace(re, rep), raw);
    const previousMs = Number(process.hrtime.bigint() - t0) / 1e6;
    rows.push({
      shape,
      urlBytes: url.length,
      lineBytes,
      cpuMsPerLine: Number(cpuMsPerLine.toFixed(3)),
      p50Ms: Number(quantile(samples, 0.5).toFixed(3)),
      p99Ms: Number(quantile(samples, 0.99).toFixed(3)),
      maxMs: Number(samples[samples.length - 1].toFixed(3)),
      previousMs: Number(previousMs.toFixed(1)),
    });
  }
  const worstP99 = Math.max(...rows.map((r) => r.p99Ms));
  const worstCpu = Math.max(...rows.map((r) => r.cpuMsPerLine));
  const result = {
    benchmark: 'logger',
    iterations,
    machine: { cpus: cpus().length, node: process.version },
    targetMs: TARGET_MS,
    worstCpuMsPerLine: worstCpu,
    worstP99Ms: worstP99,
    rows,
    linesWritten: lines,
  };
  const md = [
    `| 64 KB URL shape | line written | CPU ms a line | wall p50 ms | wall p99 ms | wall max ms | previous regexes, ms (once) |`,
    `|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.shape} | ${r.lineBytes} B | ${r.cpuMsPerLine} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.previousMs} |`,
    ),
    ``,
    `worst CPU cost ${worstCpu} ms a line (target < ${TARGET_MS} ms); worst wall p99 ${worstP99} ms`,
  ].join('\n');
  console.log(
    `\nlogger benchmark: one request line with a 64 KB URL, ${iterations} lines a shape\n\n${md}\n`,
  );
  console.log(`result: ${writeResult('logger', result, md)}`);
  if (worstCpu >= TARGET_MS) {
    console.error(
      `FAILED: a 64 KB URL costs the logger ${worstCpu} ms of CPU a line (target < ${TARGET_MS} ms)`,
    );
    process.exitCode = 1;
  }
}

run(main);
