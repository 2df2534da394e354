import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_KEY } from '../platform/http/policy';

/** Every *.controller.ts under src, so a new controller is covered without editing this spec. */
function controllerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'emulator' ? [] : controllerFiles(path);
    return name.endsWith('.controller.ts') ? [path] : [];
  });
}

describe('route policies (deny by default)', () => {
  const routes: { route: string; policy: unknown }[] = [];

  beforeAll(() => {
    for (const file of controllerFiles(join(__dirname, '..'))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads every controller file found on disk
      const mod = require(file) as Record<string, unknown>;
      for (const exported of Object.values(mod)) {
        if (typeof exported !== 'function' || Reflect.getMetadata(PATH_METADATA, exported) === undefined)
          continue;
        const ctrl = exported as { prototype: Record<string, unknown>; name: string };
        const classPolicy: unknown = Reflect.getMetadata(POLICY_KEY, ctrl);
        for (const key of Object.getOwnPropertyNames(ctrl.prototype)) {
          const handler = ctrl.prototype[key];
          if (key === 'constructor' || typeof handler !== 'function') continue;
          if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          routes.push({
            route: `${ctrl.name}.${key}`,
            policy: (Reflect.getMetadata(POLICY_KEY, handler) as unknown) ?? classPolicy,
          });
        }
      }
    }
  });

  it('finds the controllers', () => {
    expect(routes.map((r) => r.route)).toEqual(
      expect.arrayContaining(['HealthController.get', 'PrincipalsController.me', 'AuditController.verify']),
    );
  });

  it('declares a policy on every route', () => {
    expect(routes.filter((r) => r.policy === undefined).map((r) => r.route)).toEqual([]);
  });

  it('makes only health, the browser’s sign-in routes (/auth/*) and the Slack-signed route public (API.md)', () => {
    const pub = routes
      .filter((r) => (r.policy as { kind?: string } | undefined)?.kind === 'public')
      .map((r) => r.route);
    expect(pub.sort()).toEqual([
      'HealthController.get',
      'SignInController.callback',
      'SignInController.logout',
      'SignInController.start',
      // Slack signs it instead of a bearer token; the service refuses what no signing secret verifies.
      'SlackInteractionsController.receive',
    ]);
  });
});
