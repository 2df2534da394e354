import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { ZipFile } from 'yazl';

/** A file of the bundle: its name and a stream of its bytes, opened when the bundle is built. */
export interface BundleFile {
  name: string;
  open: () => Readable;
}

/** What the manifest says of one file. */
export interface ManifestEntry {
  name: string;
  sha256: string;
  bytes: number;
}

/** API.md `manifest.json`: every other file of the bundle with its hash and size. */
export interface Manifest {
  campaignId: string;
  files: ManifestEntry[];
  createdAt: string;
  keyId: string;
}

/** The exact bytes of manifest.json (what manifest.sig signs): pretty JSON and a final newline. */
export function manifestBytes(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`, 'utf8');
}

/**
 * A zip of `files`, then `manifest.json` (each file's SHA-256 and size, measured as its bytes go into
 * the zip) and `manifest.sig` (what `sign` gives for the manifest's exact bytes). Streamed: the files
 * are read only as fast as the client reads the zip, so a bundle of a million items never sits in
 * memory, and the manifest, which must come after what it describes, is added once they are all read.
 * A failing file ends the zip with that error (the client sees a cut transfer).
 */
export function signedZip(
  files: BundleFile[],
  finish: (entries: ManifestEntry[]) => { manifest: Buffer; signature: string },
  mtime: Date,
): Readable {
  const zip = new ZipFile();
  // yazl's output is a PassThrough; its types say only NodeJS.ReadableStream.
  const out = zip.outputStream as Readable;
  const measured = files.map(
    (f) =>
      new Promise<ManifestEntry>((resolve, reject) => {
        const hash = createHash('sha256');
        let bytes = 0;
        const meter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            bytes += chunk.length;
            cb(null, chunk);
          },
        });
        const source = f.open();
        source.on('error', (err) => meter.destroy(err));
        meter.on('error', reject);
        meter.on('end', () => resolve({ name: f.name, sha256: hash.digest('hex'), bytes }));
        zip.addReadStream(source.pipe(meter), f.name, { mtime });
      }),
  );
  Promise.all(measured).then(
    (entries) => {
      const { manifest, signature } = finish(entries);
      zip.addBuffer(manifest, 'manifest.json', { mtime });
      zip.addBuffer(Buffer.from(signature, 'utf8'), 'manifest.sig', { mtime });
      zip.end();
    },
    (err: Error) => out.destroy(err),
  );
  return out;
}
