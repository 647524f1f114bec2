import nodemailer from 'nodemailer';

export interface OutgoingMail {
  /** Replaces the mailer's own From (`MAIL_FROM`) for this message; nodemailer encodes the name. */
  from?: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable per cause, so a receiving system can drop a duplicate delivery. */
  messageId?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface SentMail {
  messageId: string;
  response: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  verify(): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  // A pooled connection, reused across messages: opening one per message cost about 100 ms here (connect, greeting,
  // EHLO; more with TLS to a real relay), which held the outbox relay to a few emails a second with the CPU idle.
  // `?pool=false` in SMTP_URL turns it off (the URL's options win over this default).
  const transport = nodemailer.createTransport({ url: smtpUrl, pool: true });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      return { messageId: info.messageId, response: info.response };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
