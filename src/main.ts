import { type AppConfig, ConfigError, loadConfig } from './config/app-config';

function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    // The message names the variable and never its value (a URL may hold a password).
    console.error(err instanceof ConfigError ? err.message : 'Invalid environment');
    process.exit(1);
  }
}

const config = loadConfigOrExit();
// The application's modules load only once the environment is known good: a bad environment fails at
// once instead of after the whole module graph has loaded (many seconds on a loaded machine).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startServer } = require('./server') as typeof import('./server');

startServer(config).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  // Connection errors can quote the URL; never let a password reach the terminal.
  console.error(
    `jumpgate failed to start: ${message.replace(/(:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1[REDACTED]@')}`,
  );
  process.exit(1);
});
