import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeVies = {
  /** Base URL to configure as `VIES_URL`. */
  url: string;
  /** What each request asked, as `<countryCode><vatNumber>`. */
  asked: string[];
  /** While true, every answer is the error VIES gives when a member state's service is down. */
  down: boolean;
  close(): Promise<void>;
};

/**
 * A stand-in for the European Commission's VIES REST service on the loopback interface, answering
 * `POST /check-vat-number` the way VIES does: `valid` with the trader's name and address (or `---` where the member
 * state does not disclose them), and an `errorWrappers` body with HTTP 200 when a member state is unavailable.
 * Tests never reach the real service.
 */
export async function startFakeVies(
  registered: Record<string, { name: string; address: string }>,
): Promise<FakeVies> {
  const asked: string[] = [];
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || req.url !== '/check-vat-number') {
        res.statusCode = 404;
        res.end(JSON.stringify({ errorWrappers: [{ error: 'NOT_FOUND' }] }));
        return;
      }
      const { countryCode, vatNumber } = JSON.parse(raw) as { countryCode: string; vatNumber: string };
      const id = `${countryCode}${vatNumber}`;
      asked.push(id);
      if (state.down) {
        res.end(JSON.stringify({ actionSucceed: false, errorWrappers: [{ error: 'MS_UNAVAILABLE' }] }));
        return;
      }
      const trader = registered[id];
      res.end(
        JSON.stringify({
          countryCode,
          vatNumber,
          requestDate: '2026-12-02T10:00:00.000Z',
          valid: trader !== undefined,
          name: trader?.name ?? '---',
          address: trader?.address ?? '---',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
