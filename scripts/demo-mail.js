// The local mail sink of `npm run demo`: a real SMTP server (the smtp-server package, a dev
// dependency that `npm ci` installs) that jumpgate's "default email" channel sends to. Each message is
// written to a folder as an .eml file and listed by a tiny web page, so a newcomer sees the digest a
// reviewer got after launching a campaign. Nothing leaves the machine.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const escapeHtml = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** The headers of a raw message, folded lines joined, names in lower case. */
function headersOf(raw) {
  const end = raw.search(/\r?\n\r?\n/);
  const out = {};
  for (const line of raw
    .slice(0, end < 0 ? raw.length : end)
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** RFC 2047 encoded words (nodemailer encodes non-ASCII subjects) as text. */
function decodeWords(v) {
  return String(v ?? '').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc, text) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (_x, h) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

/** The plain-text body, quoted-printable or base64 decoded, for reading in the browser. */
function bodyOf(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const encoding = (headersOf(raw)['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  return body;
}

function listMessages(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .reverse()
    .map((file) => {
      const h = headersOf(fs.readFileSync(path.join(dir, file), 'utf8').slice(0, 8192));
      return {
        file,
        to: h['x-demo-envelope-to'] ?? h.to ?? '',
        subject: decodeWords(h.subject),
        date: h.date ?? '',
      };
    });
}

function listingPage(dir) {
  const rows = listMessages(dir)
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.date)}</td><td>${escapeHtml(m.to)}</td>` +
        `<td><a href="/m/${encodeURIComponent(m.file)}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>jumpgate demo mail</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}td,th{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #ddd}</style>
<h1>Mail jumpgate sent in this demo</h1><p>Newest first; the files are in <code>${escapeHtml(dir)}</code>. Reload to see new mail.</p>
<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>
${rows || '<tr><td colspan="3">No mail yet: launch a campaign (see the terminal).</td></tr>'}
</tbody></table></html>`;
}

/**
 * Starts the SMTP sink on `smtpPort` and the listing on `httpPort` (both on 127.0.0.1, fixed ports, so
 * the email channel a previous demo run made still reaches it). Resolves with their URLs.
 */
async function startMailSink({ dir, smtpPort, httpPort }) {
  let SMTPServer;
  try {
    ({ SMTPServer } = require('smtp-server'));
  } catch {
    throw new Error('the smtp-server package is missing (a dev dependency): run `npm ci` first');
  }
  fs.mkdirSync(dir, { recursive: true });
  let seq = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const file = path.join(dir, `${stamp}-${String(++seq).padStart(5, '0')}.eml`);
        // The envelope recipient first (the message's own To: says the same for jumpgate's mail).
        fs.writeFile(file, Buffer.concat([Buffer.from(`X-Demo-Envelope-To: ${to}\r\n`), ...chunks]), (err) =>
          callback(err ?? undefined),
        );
      });
    },
  });
  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(listingPage(dir));
    }
    const m = /^\/m\/([^/]+\.eml)$/.exec(url.pathname);
    const file = m ? path.basename(decodeURIComponent(m[1])) : null;
    if (file && fs.existsSync(path.join(dir, file))) {
      const raw = fs.readFileSync(path.join(dir, file), 'utf8');
      const h = headersOf(raw);
      const head = ['from', 'to', 'subject', 'date']
        .map((k) => `${k}: ${decodeWords(h[k] ?? '')}`)
        .join('\n');
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`${head}\n\n${bodyOf(raw)}`);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  const listen = (server, port, what) =>
    new Promise((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new Error(`the demo ${what} could not listen on 127.0.0.1:${port} (${err.code ?? err.message})`),
        ),
      );
      server.listen(port, '127.0.0.1', resolve);
    });
  await listen(smtp, smtpPort, 'SMTP sink');
  await listen(web, httpPort, 'mail listing');
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    listUrl: `http://localhost:${httpPort}/`,
    dir,
    close: () => {
      smtp.close();
      web.close();
    },
  };
}

module.exports = { startMailSink };
