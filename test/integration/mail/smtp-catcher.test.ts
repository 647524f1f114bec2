import nodemailer from 'nodemailer';
import { startSmtpCatcher, type SmtpCatcher } from '../../../src/dev/smtp-catcher';

/** `npm start`'s SMTP catcher keeps the newest `keep` messages, so a long session's memory stays bounded. */
describe('the SMTP catcher with a bound (SMTP_CATCHER_KEEP)', () => {
  let catcher: SmtpCatcher;

  beforeAll(async () => {
    catcher = await startSmtpCatcher({ keep: 3 });
  });

  afterAll(async () => {
    await catcher?.close();
  });

  async function send(count: number, from: number): Promise<void> {
    const transport = nodemailer.createTransport(catcher.smtpUrl);
    try {
      for (let n = from; n < from + count; n++) {
        await transport.sendMail({
          from: 'seller@example.com',
          to: 'customer@example.com',
          subject: `message ${n}`,
          text: `body ${n}`,
        });
      }
    } finally {
      transport.close();
    }
  }

  it('keeps the newest messages, counts every one it received, and serves only those it kept', async () => {
    await send(5, 1);
    const kept = await catcher.waitForMessages(5, 10_000);
    expect(kept.map((message) => message.subject)).toEqual(['message 3', 'message 4', 'message 5']);
    expect(kept.map((message) => message.id)).toEqual([3, 4, 5]);

    const listed = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as {
      data: { id: number; subject: string }[];
    };
    expect(listed.data.map((message) => message.id)).toEqual([3, 4, 5]);
    expect((await fetch(`${catcher.httpUrl}/messages/1/raw`)).status).toBe(404);
    const raw = await fetch(`${catcher.httpUrl}/messages/5/raw`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toContain('body 5');
  });

  it('counts again from a DELETE /messages, as tests wait for the next message', async () => {
    expect((await fetch(`${catcher.httpUrl}/messages`, { method: 'DELETE' })).status).toBe(204);
    expect(catcher.messages()).toHaveLength(0);
    const waiting = catcher.waitForMessages(1, 10_000);
    await send(1, 6);
    const [message] = await waiting;
    expect(message?.subject).toBe('message 6');
    expect(message?.id).toBe(6);
  });

  it('refuses a bound below one', async () => {
    await expect(startSmtpCatcher({ keep: 0 })).rejects.toThrow('keep must be at least 1, got 0');
  });
});
