import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../scripts/provision/ports';

export interface StripeMock {
  host: string;
  httpPort: number;
  httpsPort: number;
  stop(): Promise<void>;
}

/** Never a skip: a machine that cannot run stripe-mock must show why the Stripe tests did not pass. */
function stripeMockPath(): string {
  const found = process.env.PERENNIAL_TEST_STRIPE_MOCK;
  if (found) return found;
  throw new Error(
    process.env.PERENNIAL_TEST_STRIPE_MOCK_ERROR ??
      'PERENNIAL_TEST_STRIPE_MOCK is not set: integration tests run through global setup',
  );
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function attempt(binary: string, args: string[]): Promise<{ child: ChildProcess } | { failure: string }> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      void stopped(child).then(() => resolve({ failure: `did not start within 30 s:\n${output}` }));
    }, 30000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Listening for HTTP at address')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        // Unread pipes would eventually block the server once it logs enough.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ failure: error.message });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ failure: `exited with ${code}:\n${output}` });
    });
  });
}

/**
 * One stripe-mock per test file on free ports. `fixturesPath` replaces the bundled fixtures, which is the only way
 * to make the stateless mock answer with, say, a succeeded PaymentIntent.
 */
export async function startStripeMock(options: { fixturesPath?: string } = {}): Promise<StripeMock> {
  const binary = stripeMockPath();
  let lastFailure = '';
  // Another process may take a free port before stripe-mock binds it; a fresh pair settles that.
  for (let tries = 0; tries < 3; tries += 1) {
    const httpPort = await freePort();
    let httpsPort = await freePort();
    while (httpsPort === httpPort) httpsPort = await freePort();
    const args = ['-http-addr', `127.0.0.1:${httpPort}`, '-https-addr', `127.0.0.1:${httpsPort}`];
    if (options.fixturesPath) args.push('-fixtures', options.fixturesPath);
    const started = await attempt(binary, args);
    if ('child' in started) {
      const { child } = started;
      return { host: '127.0.0.1', httpPort, httpsPort, stop: () => stopped(child) };
    }
    lastFailure = started.failure;
  }
  throw new Error(`stripe-mock (${binary}) failed to start: ${lastFailure}`);
}
