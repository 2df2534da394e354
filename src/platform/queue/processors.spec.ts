import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Processor } from '@nestjs/bullmq';
import { JOBS, type JobName } from './jobs';
import { QUEUES } from './queues';

/**
 * The metadata key @Processor writes, read off a probe class: @nestjs/bullmq 12 exports only its
 * package root, so its constants file cannot be imported.
 */
@Processor('processors-spec-probe')
class Probe {}
const PROCESSOR_METADATA: unknown = Reflect.getMetadataKeys(Probe).find(
  (key) =>
    (Reflect.getMetadata(key, Probe) as { name?: string } | undefined)?.name === 'processors-spec-probe',
);

const SRC = join(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'emulator' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

/** Queue name of every @Processor class the server's source declares, by file. */
function processors(): { file: string; queue: string }[] {
  const found: { file: string; queue: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    if (!readFileSync(file, 'utf8').includes('@Processor(')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(file) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      if (typeof value !== 'function') continue;
      const meta = Reflect.getMetadata(PROCESSOR_METADATA, value) as { name?: string } | undefined;
      if (meta?.name) found.push({ file: file.slice(SRC.length + 1), queue: meta.name });
    }
  }
  return found;
}

describe('job catalogue', () => {
  it('gives every queue exactly one processor, in a jobs/*.processor.ts file', () => {
    const found = processors();
    for (const queue of Object.values(QUEUES)) {
      expect({ queue, processors: found.filter((p) => p.queue === queue).length }).toEqual({
        queue,
        processors: 1,
      });
    }
    expect(found.map((p) => p.queue).sort()).toEqual(Object.values(QUEUES).sort());
    for (const p of found) expect(p.file).toMatch(/\/jobs\/[a-z-]+\.processor\.ts$/);
  });

  it('sends every job to a known queue, with an id free of `:` that names its subject', () => {
    const queues = new Set<string>(Object.values(QUEUES));
    for (const name of Object.keys(JOBS) as JobName[]) {
      const spec = JOBS[name];
      expect(queues.has(spec.queue)).toBe(true);
      const id = (spec.id as (d: Record<string, string>) => string)({
        runId: 'r1',
        operationId: 'o1',
        grantId: 'g1',
        campaignId: 'c1',
        notificationId: 'n1',
      });
      expect(id).not.toContain(':');
      expect(id).toMatch(/\.[a-z0-9]+$/);
      expect(spec.attempts).toBeGreaterThan(0);
      expect(spec.options({ syncRetryBaseMs: 10 }).removeOnComplete).toBe(true);
    }
  });
});
