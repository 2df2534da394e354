import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ManifestEntry, manifestBytes, signedZip } from './evidence-bundle';

const drain = (s: Readable): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });

describe('signedZip', () => {
  it('measures each file as it goes into the zip, then adds the manifest and its signature', async () => {
    let seen: ManifestEntry[] = [];
    const zip = await drain(
      signedZip(
        [
          { name: 'a.txt', open: () => Readable.from(['hello ', 'world\n'], { objectMode: false }) },
          { name: 'b.ndjson', open: () => Readable.from([], { objectMode: false }) },
        ],
        (entries) => {
          seen = entries;
          return { manifest: Buffer.from('{}\n'), signature: 'c2ln' };
        },
        new Date('2026-01-01T00:00:00Z'),
      ),
    );
    expect(seen).toEqual([
      { name: 'a.txt', sha256: createHash('sha256').update('hello world\n').digest('hex'), bytes: 12 },
      { name: 'b.ndjson', sha256: createHash('sha256').update('').digest('hex'), bytes: 0 },
    ]);
    // Local file headers name every entry, the manifest and its signature last.
    const names: string[] = [];
    for (
      let at = zip.indexOf('PK\u0003\u0004', 0, 'latin1');
      at >= 0;
      at = zip.indexOf('PK\u0003\u0004', at + 4, 'latin1')
    ) {
      const nameLength = zip.readUInt16LE(at + 26);
      names.push(zip.subarray(at + 30, at + 30 + nameLength).toString('utf8'));
    }
    expect(names.slice(0, 4)).toEqual(['a.txt', 'b.ndjson', 'manifest.json', 'manifest.sig']);
  });

  it('a file that fails ends the zip with its error, and nothing is signed', async () => {
    let signed = false;
    const failing = new Readable({
      read() {
        this.destroy(new Error('database went away'));
      },
    });
    const out = signedZip(
      [{ name: 'items.ndjson', open: () => failing }],
      () => {
        signed = true;
        return { manifest: Buffer.alloc(0), signature: '' };
      },
      new Date(),
    );
    await expect(drain(out)).rejects.toThrow('database went away');
    expect(signed).toBe(false);
  });
});

describe('manifestBytes', () => {
  it('is pretty JSON with a final newline, fields in the order API.md gives them', () => {
    const text = manifestBytes({ campaignId: 'c', files: [], createdAt: 't', keyId: 'k' }).toString();
    expect(text).toBe('{\n  "campaignId": "c",\n  "files": [],\n  "createdAt": "t",\n  "keyId": "k"\n}\n');
  });
});
