import { fromBuffer, type Entry, type ZipFile as ZipReader } from 'yauzl';

/** Every entry of a zip, by name (yauzl, a reader independent of the writer the server uses). */
export function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    fromBuffer(zip, { lazyEntries: true }, (err, reader?: ZipReader) => {
      if (err || !reader) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      reader.on('entry', (entry: Entry) => {
        reader.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            reader.readEntry();
          });
          stream.on('error', reject);
        });
      });
      reader.on('end', () => resolve(out));
      reader.on('error', reject);
      reader.readEntry();
    });
  });
}
