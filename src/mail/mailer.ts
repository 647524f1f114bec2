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
  const transport = nodemailer.createTransport(smtpUrl);
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
