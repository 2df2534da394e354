// Child processes of `npm run demo` that announce themselves with one JSON line on stdout (the
// emulator and the local OpenID provider): that line may hold credentials, so it is kept out of the
// log, and everything the child writes afterwards goes to its log file.
const { spawn } = require('node:child_process');
const fs = require('node:fs');

/**
 * Spawns `node [nodeArgs] <entry> <args>` with stderr (and stdout after the first line) in `logFile`, and
 * resolves `{child, info}` with the parsed first line; rejects if the child exits first.
 */
async function startAnnouncingChild({ name, entry, nodeArgs = [], args, env, cwd, logFile }) {
  const log = fs.openSync(logFile, 'w', 0o600);
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
    cwd,
    env: env ?? process.env,
    stdio: ['ignore', 'pipe', log],
  });
  fs.closeSync(log);
  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (buf.length > nl + 1) logStream.write(buf.slice(nl + 1));
      child.stdout.pipe(logStream);
      resolve(buf.slice(0, nl));
    };
    const onExit = (code, signal) =>
      reject(
        new Error(`the ${name} exited (${signal ?? `code ${code}`}) before it was ready; see ${logFile}`),
      );
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
  try {
    return { child, info: JSON.parse(line) };
  } catch {
    child.kill('SIGTERM');
    throw new Error(`the ${name} did not print its JSON line`);
  }
}

module.exports = { startAnnouncingChild };
