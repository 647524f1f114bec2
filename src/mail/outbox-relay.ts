import { Client as PgClient } from 'pg';
import { EmailMessage, type SellerSettings } from '../db/entities';
import { findSellerSettings } from '../db/services/seller-settings';
import type { Orm } from '../db/orm.config';
import { isDatabaseUnavailable } from '../db/unavailable';
import { renderOutboxEmail, type OutboxPayload } from './lifecycle-email';
import type { Mailer } from './mailer';
import { OUTBOX_CHANNEL } from './outbox';
import { senderOf } from './sender';

export interface OutboxRelayOptions {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
  /** `PORTAL_LINK_SECRET`: with it, the emails' portal links are signed, single-use links (`portal/links.ts`). */
  portalLinkSecret?: string;
  /** How often pending rows are looked for without a notification. */
  pollMs?: number;
  batchSize?: number;
  /** How long a claimed row is left alone by other relays while it is being sent. */
  leaseMs?: number;
  /** Rendering failures (data an email cannot be built from) stop after this many tries. */
  maxAttempts?: number;
  onError?: (error: unknown, context: string) => void;
}

export interface OutboxRelay {
  start(): void;
  /** Stops polling and waits for the batch in flight. */
  stop(): Promise<void>;
  /** Sends what is pending now; answers how many emails left. */
  drainOnce(): Promise<number>;
}

/** A claimed `email_messages` row, as the claim returns it. */
interface ClaimedEmail {
  id: string;
  cause_key: string;
  recipient: string;
  message_id: string;
  /** Never null here: the claim passes over rows without one. */
  payload: OutboxPayload;
  attempts: number;
  /** ISO 8601 in UTC, to the millisecond, as the entity reads it. */
  created_at: string;
}

const backoffMs = (attempts: number) => Math.min(2 ** attempts * 1000, 10 * 60 * 1000);

/**
 * Sends the emails that committed transitions left in `email_messages`, in batches, each once per cause. Rows are
 * claimed with a lease (`for update skip locked`), so any number of worker processes share the outbox; a row whose
 * relay died is sent again after its lease with the same Message-ID, which lets a receiving server drop the one
 * duplicate such a crash can cause. SMTP outages back off per row; an email that cannot be rendered is marked
 * failed after a few tries instead of blocking the queue.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { orm, mailer } = options;
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 20;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const onError = options.onError ?? (() => {});
  let running = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<number> | null = null;
  let again = false;
  let listener: PgClient | null = null;
  let listening: Promise<void> | null = null;

  /** Claims a batch, answering the rows whole: sending needs no second read of each. */
  async function claim(): Promise<ClaimedEmail[]> {
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<ClaimedEmail[]>(
        `update email_messages set lease_until = now() + (? * interval '1 millisecond'), attempts = attempts + 1
       where id in (
         select id from email_messages
         where status = 'pending' and payload is not null and (lease_until is null or lease_until < now())
         order by created_at limit ? for update skip locked)
       returning id, cause_key, recipient, message_id, payload, attempts,
         to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at`,
        [leaseMs, batchSize],
      );
    // `returning` keeps no order: a transition's emails go out in the order it queued them.
    return rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /**
   * `seller`: the settings the batch read, shared by its emails (a batch is one moment: the sender and the seller's
   * name are the same for all of it); `from` is its email sender, or undefined for the mailer's `MAIL_FROM`, never
   * part of the Message-ID.
   */
  async function sendOne(row: ClaimedEmail, seller: SellerSettings | null): Promise<void> {
    const em = orm.em.fork();
    // Each email renders in a unit of work of its own; the batch's settings join it, so the rendering's reads of
    // them (the template, the PDF's header, the e-invoice) are answered without a statement each. Nothing writes them.
    if (seller) em.merge(seller);
    const from = senderOf(seller);
    const { id } = row;
    let mail;
    try {
      // Links are made here, at sending, from the row: a message sent again carries the same single-use link.
      mail = await renderOutboxEmail(em, row.payload, {
        publicUrl: options.publicUrl,
        portalLinkSecret: options.portalLinkSecret,
        message: { id: row.id, createdAt: new Date(row.created_at) },
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      onError(error, `render ${row.cause_key}`);
      const failed = row.attempts >= maxAttempts;
      await orm.em.fork().nativeUpdate(
        EmailMessage,
        { id },
        {
          status: failed ? 'failed' : 'pending',
          lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
          leaseUntil: new Date(Date.now() + backoffMs(row.attempts)),
        },
      );
      return;
    }
    let sent: Awaited<ReturnType<Mailer['send']>>;
    try {
      sent = await mailer.send({
        ...mail,
        ...(from ? { from } : {}),
        to: row.recipient,
        messageId: row.message_id,
      });
    } catch (error) {
      onError(error, `send ${row.cause_key}`);
      await orm.em
        .fork()
        .nativeUpdate(
          EmailMessage,
          { id, status: 'pending' },
          {
            lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
            leaseUntil: new Date(Date.now() + backoffMs(row.attempts)),
          },
        )
        .catch((recordError: unknown) => onError(recordError, `record failure ${row.cause_key}`));
      return;
    }
    await recordSent(id, row.cause_key, {
      status: 'sent',
      subject: mail.subject,
      smtpResponse: sent.response,
      sentAt: new Date(),
      leaseUntil: null,
    });
  }

  /**
   * The message has left: recording that is retried while this relay still holds the row's lease, so a database
   * that goes away between the send and the record (an outage, a failover) does not make the row look unsent and
   * send it a second time. Only a record still failing when the lease runs out leaves the row to be sent again, with
   * the same Message-ID.
   */
  async function recordSent(id: string, causeKey: string, fields: Partial<EmailMessage>): Promise<void> {
    const until = Date.now() + leaseMs * 0.8;
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      try {
        await orm.em.fork().nativeUpdate(EmailMessage, { id }, fields);
        return;
      } catch (error) {
        if (stopping || Date.now() + delayMs > until) throw error;
        onError(error, `record sent ${causeKey} (retrying)`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  async function drainOnce(): Promise<number> {
    let sent = 0;
    for (let rows = await claim(); rows.length > 0; rows = await claim()) {
      const seller = await findSellerSettings(orm.em.fork());
      for (const row of rows) await sendOne(row, seller);
      sent += rows.length;
      if (stopping) break;
    }
    return sent;
  }

  function tick(): void {
    if (!running) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = drainOnce()
      .catch((error: unknown) => {
        onError(error, 'drain');
        return 0;
      })
      .finally(() => {
        inFlight = null;
        if (again && running) {
          again = false;
          tick();
        }
      });
  }

  async function listen(): Promise<void> {
    const url = orm.config.get('clientUrl');
    if (!url) return;
    const client = new PgClient({ connectionString: url });
    client.on('error', (error) => onError(error, 'listen'));
    client.on('notification', () => tick());
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
      listener = client;
    } catch (error) {
      // Polling alone still sends everything, a little later.
      onError(error, 'listen');
      await client.end().catch(() => {});
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopping = false;
      listening = listen();
      timer = setInterval(tick, pollMs);
      tick();
    },
    async stop() {
      running = false;
      stopping = true;
      if (timer) clearInterval(timer);
      timer = null;
      await inFlight;
      await listening;
      await listener?.end().catch(() => {});
      listener = null;
    },
    drainOnce,
  };
}
