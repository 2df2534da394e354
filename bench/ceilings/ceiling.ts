import { Agent, request } from 'undici';

/**
 * What the JumpCloud ceilings share (fetch.ts, membership-writes.ts; the others take `arg` too): bare undici against the API, no
 * jumpgate code, `x-api-key` + `x-org-id`, at most `concurrency` requests in flight across everything a
 * ceiling sends, each call counted with the bytes it received. A ceiling hands it its requests.
 */

/** `--name value` from the command line, else the fallback; a flag without either is required. */
export function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

/** One JumpCloud call of a ceiling. */
export interface CeilingRequest {
  method?: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Whether the body is wanted as text (given the response headers); otherwise it is read and discarded. */
  read?: boolean | ((headers: Record<string, string | string[] | undefined>) => boolean);
}

export interface CeilingResponse {
  headers: Record<string, string | string[] | undefined>;
  /** The body, when `read` asked for it. */
  text: string | null;
}

export class CeilingPool {
  calls = 0;
  bytes = 0;
  readonly apiUrl: string;
  private readonly dispatcher: Agent;
  private readonly headers: Record<string, string>;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly o: { apiUrl: string; apiKey: string; orgId: string; concurrency: number }) {
    this.apiUrl = o.apiUrl.replace(/\/$/, '');
    this.dispatcher = new Agent({ connections: o.concurrency, pipelining: 1 });
    this.headers = { 'x-api-key': o.apiKey, 'x-org-id': o.orgId, accept: 'application/json' };
  }

  /** The flags every JumpCloud ceiling takes: `--api-url --api-key --org-id [--concurrency]`. */
  static fromArgs(defaultConcurrency: number): CeilingPool {
    return new CeilingPool({
      apiUrl: arg('api-url'),
      apiKey: arg('api-key'),
      orgId: arg('org-id'),
      concurrency: Number(arg('concurrency', String(defaultConcurrency))),
    });
  }

  get concurrency(): number {
    return this.o.concurrency;
  }

  /** Sends one request when a slot is free; a status of 300 or more throws with the body. */
  async send(req: CeilingRequest): Promise<CeilingResponse> {
    if (this.active >= this.o.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      const method = req.method ?? 'GET';
      const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
      const url = `${this.apiUrl}${req.path}${query}`;
      const res = await request(url, {
        method,
        headers:
          req.body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        dispatcher: this.dispatcher,
      });
      this.calls++;
      if (res.statusCode >= 300) {
        throw new Error(`${method} ${url}: ${res.statusCode} ${await res.body.text()}`);
      }
      const wanted = typeof req.read === 'function' ? req.read(res.headers) : (req.read ?? false);
      if (wanted) {
        const text = await res.body.text();
        this.bytes += Buffer.byteLength(text);
        return { headers: res.headers, text };
      }
      for await (const chunk of res.body) this.bytes += (chunk as Buffer).length;
      return { headers: res.headers, text: null };
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
