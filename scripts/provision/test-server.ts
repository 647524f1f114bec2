import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, downloadsAllowed, ensureDir, findOnPath, ProvisionError } from './cache';
import { assertExecutable } from './go-binary';
import { run } from './run';
import type { ResolvedExecutable } from './temporal-cli';

export const TEST_SERVER_VERSION = '1.38.0';

const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.perennial</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

/** The SDK calls the executable as `<path> <port> --enable-time-skipping`, which TestServer's main accepts as is. */
function wrapperScript(java: string, libDir: string): string {
  return `#!/bin/sh\nexec "${java}" -Xss1m -cp "${libDir}/*" io.temporal.testserver.TestServer "$@"\n`;
}

/**
 * Temporal's time-skipping test server: TEMPORAL_TEST_SERVER_PATH, else a cached wrapper, else resolved from Maven
 * Central (it ships as a Java artifact), else the SDK's download.
 */
export async function ensureTestServer(log: (line: string) => void = () => {}): Promise<ResolvedExecutable> {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    assertExecutable(fromEnv, 'TEMPORAL_TEST_SERVER_PATH');
    return { executable: { type: 'existing-path', path: fromEnv }, source: 'env' };
  }
  const home = await ensureDir(path.join(cacheDir(), 'temporal-test-server'));
  const wrapper = path.join(home, `test-server-${TEST_SERVER_VERSION}`);
  if (existsSync(wrapper)) return { executable: { type: 'existing-path', path: wrapper }, source: 'cache' };

  const mvn = findOnPath('mvn');
  const java = findOnPath('java');
  if (mvn && java) {
    log(`Resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven (first run only)...`);
    const work = await mkdtemp(path.join(home, 'resolve-'));
    const libDir = path.join(home, `lib-${TEST_SERVER_VERSION}`);
    await writeFile(path.join(work, 'pom.xml'), pom);
    await run(
      mvn,
      ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(work, 'lib')}`],
      {
        cwd: work,
      },
    );
    await rm(libDir, { recursive: true, force: true });
    await rename(path.join(work, 'lib'), libDir);
    const tmpWrapper = path.join(work, 'wrapper.sh');
    await writeFile(tmpWrapper, wrapperScript(java, libDir));
    await chmod(tmpWrapper, 0o755);
    await rename(tmpWrapper, wrapper);
    await rm(work, { recursive: true, force: true });
    return { executable: { type: 'existing-path', path: wrapper }, source: 'built' };
  }
  if (downloadsAllowed()) {
    return {
      executable: {
        type: 'cached-download',
        downloadDir: await ensureDir(path.join(cacheDir(), 'sdk-download')),
      },
      source: 'download',
    };
  }
  throw new ProvisionError(
    'Cannot provision the Temporal time-skipping test server: set TEMPORAL_TEST_SERVER_PATH to its executable, ' +
      `or install Java 17+ and Maven so that io.temporal:temporal-test-server:${TEST_SERVER_VERSION} can be resolved, ` +
      'or allow the SDK download (unset PERENNIAL_NO_DOWNLOAD) on a machine with internet access.',
  );
}
