import { ConnectionLimiter, type LimiterSettings } from './jumpcloud.limiter';
import { DEFAULTS, type JumpCloudLimits } from './jumpcloud.options';

export interface CachedToken {
  accessToken: string;
  /** Epoch ms after which the token is not used any more (expiry minus a margin). */
  refreshAt: number;
}

/**
 * What every client of one connection shares inside a process: the limiter (the adaptive
 * concurrency that a 429 halves for every caller, and the requests/s cap when configured) and the
 * token cache. BullMQ's open-source limiter is per queue, so per-connection limits live here
 * (ARCHITECTURE.md).
 */
export class ConnectionState {
  readonly limiter: ConnectionLimiter;
  /** Keyed by token URL + client id + a digest of the secret, so a rotated secret gets a new token. */
  readonly tokens = new Map<string, CachedToken>();
  readonly tokenFetches = new Map<string, Promise<CachedToken>>();
  private limitsKey: string;

  constructor(limits: JumpCloudLimits | undefined) {
    const s = settingsOf(limits);
    this.limiter = new ConnectionLimiter(s);
    this.limitsKey = JSON.stringify(s);
  }

  /** A connection's limits may be edited while clients exist; the last writer wins. */
  applyLimits(limits: JumpCloudLimits | undefined): void {
    const s = settingsOf(limits);
    const key = JSON.stringify(s);
    if (key === this.limitsKey) return;
    this.limitsKey = key;
    this.limiter.update(s);
  }
}

function settingsOf(limits: JumpCloudLimits | undefined): LimiterSettings {
  return {
    maxConcurrent: Math.floor(limits?.maxConcurrent ?? DEFAULTS.limits.maxConcurrent),
    requestsPerSecond: limits?.requestsPerSecond ?? DEFAULTS.limits.requestsPerSecond,
  };
}

/** Process-wide registry of connection states, keyed by the caller's connection key. */
export class JumpCloudConnectionRegistry {
  private readonly states = new Map<string, ConnectionState>();

  get(key: string, limits: JumpCloudLimits | undefined): ConnectionState {
    let s = this.states.get(key);
    if (s === undefined) {
      s = new ConnectionState(limits);
      this.states.set(key, s);
    } else {
      s.applyLimits(limits);
    }
    return s;
  }

  /** Drop a connection (deleted, or its credentials rotated): its cached tokens go with it. */
  forget(key: string): void {
    const s = this.states.get(key);
    if (s === undefined) return;
    this.states.delete(key);
    s.tokens.clear();
  }

  get size(): number {
    return this.states.size;
  }
}

/** The registry used when the caller passes none: one per process. */
export const defaultConnectionRegistry = new JumpCloudConnectionRegistry();
