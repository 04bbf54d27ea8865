import { Prisma } from "../generated/prisma/client";
import type { Database, Tx } from "../infra/prisma";
import type { Cause, EventEnvelope } from "./event.model";

export interface Topics {
  userEvents: string;
  notifications: string;
}

/** A pending row as the relay sees it. */
export interface PendingEvent {
  id: bigint;
  eventId: string;
  topic: string;
  key: string;
  payload: EventEnvelope;
  headers: Record<string, string>;
  attempts: number;
}

/** Rows the relay holds the keys of, for the length of one transaction. */
export interface ClaimedBatch {
  rows: PendingEvent[];
  /** Marks these rows published. */
  published(rows: PendingEvent[]): Promise<void>;
  /** Records a failed attempt; each row waits an exponential backoff (with jitter) before the next. */
  failed(rows: PendingEvent[], error: string, backoff: { baseMs: number; maxMs: number }): Promise<void>;
}

export interface Backlog {
  /** Rows not yet published. */
  pending: number;
  /** Age of the oldest of them in seconds (0 when there are none). */
  oldestAgeSeconds: number;
}

/**
 * What a unit of work (infra/unit-of-work.ts) writes to the outbox: rows in its own transaction,
 * so an event exists exactly when the change it describes was committed.
 */
export interface OutboxWrites {
  /** Events on the user-events topic. */
  emit(cause: Cause, ...events: EventEnvelope[]): Promise<void>;
  /** Events on the notifications topic (e-mails to send). */
  notify(cause: Cause, ...events: EventEnvelope[]): Promise<void>;
}

/**
 * Two-key advisory locks in this namespace serialise outbox writers per key (see `addTo`); the
 * two-key space never collides with single-key locks such as the migration runner's.
 */
const WRITER_LOCK_NAMESPACE = 0x0b0c;

/**
 * The outbox table. Writers add events inside the caller's transaction, so an event exists exactly
 * when the change it describes was committed; the relay claims, publishes and cleans up rows.
 */
export class OutboxRepository {
  constructor(
    private readonly db: Database,
    readonly topics: Topics,
  ) {}

  async add(tx: Tx, cause: Cause, ...events: EventEnvelope[]): Promise<void> {
    await this.addTo(tx, this.topics.userEvents, cause, events);
  }

  /**
   * A change and its event in ONE statement (one round trip instead of BEGIN, change, lock,
   * INSERT, COMMIT), atomic as a statement is: `change` is a data-modifying query (`UPDATE …
   * RETURNING …`) whose rows are returned; for each, the event is written with the data fields
   * named in `fromRow` taken from the row as committed (e.g. `{ name: "name" }`), not from what
   * the caller believed. The key's writer lock is taken before the row's id is drawn, as `add`
   * does, and held until the statement commits.
   */
  async addWithChange<Row>(
    db: Database | Tx,
    change: Prisma.Sql,
    cause: Cause,
    event: EventEnvelope,
    fromRow: Record<string, string>,
  ): Promise<Row[]> {
    const payload = Object.entries(fromRow).reduce(
      (json, [field, column]) =>
        Prisma.sql`jsonb_set(${json}, ${`{data,${field}}`}::text[], to_jsonb("changed".${Prisma.raw(quoted(column))}))`,
      Prisma.sql`${JSON.stringify(event)}::jsonb`,
    );
    return db.$queryRaw<Row[]>`
      WITH "locked" AS (
        SELECT pg_advisory_xact_lock(${WRITER_LOCK_NAMESPACE}::int, hashtext(${event.aggregateId})) AS "held"
      ),
      "changed" AS (${change}),
      "added" AS (
        INSERT INTO "OutboxEvent" ("eventId", "topic", "key", "eventType", "payload", "headers", "createdAt")
        SELECT ${event.eventId}::uuid, ${this.topics.userEvents}, ${event.aggregateId}, ${event.eventType},
          ${payload}, ${JSON.stringify(this.headersOf(event, cause))}::jsonb, ${utcTimestamp(new Date())}
        FROM "changed" CROSS JOIN "locked"
      )
      SELECT * FROM "changed"`;
  }

  async addNotification(tx: Tx, cause: Cause, ...events: EventEnvelope[]): Promise<void> {
    await this.addTo(tx, this.topics.notifications, cause, events);
  }

  /**
   * Claims the first publishable row of up to `limit` keys (FOR UPDATE SKIP LOCKED: a key whose
   * first row another relay holds is left alone) and hands `work` those keys' pending rows in id
   * order, within one transaction. The first row of a key is its earliest unpublished row even
   * when that row waits out a backoff: then the key is not claimed at all, so nothing of a key is
   * ever published ahead of an earlier row. Returns null when nothing was due.
   */
  async claimBatch<T>(
    limit: number,
    timeoutMs: number,
    work: (batch: ClaimedBatch) => Promise<T>,
  ): Promise<T | null> {
    return this.db.$transaction(
      async (tx) => {
        const heads = await tx.$queryRaw<Array<{ key: string }>>`
          WITH heads AS (
            SELECT DISTINCT ON ("key") "id" FROM "OutboxEvent"
            WHERE "publishedAt" IS NULL
            ORDER BY "key", "id"
          )
          SELECT o."key" FROM "OutboxEvent" o JOIN heads h ON h."id" = o."id"
          WHERE o."publishedAt" IS NULL
            AND (o."nextAttemptAt" IS NULL OR o."nextAttemptAt" <= (now() AT TIME ZONE 'UTC'))
          ORDER BY o."id"
          LIMIT ${limit}
          FOR UPDATE OF o SKIP LOCKED`;
        if (heads.length === 0) return null;
        const rows = await tx.$queryRaw<PendingEvent[]>`
          SELECT "id", "eventId"::text AS "eventId", "topic", "key", "payload", "headers", "attempts"
          FROM "OutboxEvent"
          WHERE "publishedAt" IS NULL AND "key" IN (${Prisma.join(heads.map((h) => h.key))})
          ORDER BY "id"
          LIMIT ${limit}`;
        return work({
          rows,
          published: async (done) => {
            if (done.length === 0) return;
            await tx.outboxEvent.updateMany({
              where: { id: { in: done.map((row) => row.id) } },
              data: {
                publishedAt: new Date(),
                attempts: { increment: 1 },
                lastError: null,
                nextAttemptAt: null,
              },
            });
          },
          failed: async (failed, error, { baseMs, maxMs }) => {
            if (failed.length === 0) return;
            await tx.$executeRaw`
              UPDATE "OutboxEvent" SET
                "attempts" = "attempts" + 1,
                "lastError" = ${error.slice(0, 1000)},
                "nextAttemptAt" = (now() AT TIME ZONE 'UTC') + interval '1 millisecond'
                  * LEAST(${maxMs}::float8, ${baseMs}::float8 * power(2, LEAST("attempts", 30)))
                  * (0.5 + random() / 2)
              WHERE "id" IN (${Prisma.join(failed.map((row) => row.id))})`;
          },
        });
      },
      { timeout: timeoutMs, maxWait: timeoutMs },
    );
  }

  /** After the broker came back: rows that waited out a backoff are due again at once. */
  async clearBackoff(): Promise<number> {
    const { count } = await this.db.outboxEvent.updateMany({
      where: { publishedAt: null, nextAttemptAt: { not: null } },
      data: { nextAttemptAt: null },
    });
    return count;
  }

  async backlog(): Promise<Backlog> {
    const result = await this.db.outboxEvent.aggregate({
      where: { publishedAt: null },
      _count: { _all: true },
      _min: { createdAt: true },
    });
    const oldest = result._min.createdAt;
    return {
      pending: result._count._all,
      oldestAgeSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : 0,
    };
  }

  /** Deletes published rows older than `retentionMs`; unpublished rows are never deleted. */
  async deletePublishedBefore(cutoff: Date): Promise<number> {
    const { count } = await this.db.outboxEvent.deleteMany({
      where: { publishedAt: { lt: cutoff } },
    });
    return count;
  }

  /**
   * GDPR erasure, in the erasure's transaction: nothing the outbox keeps about the user may still
   * identify them. Notifications not yet published are dropped (no e-mail goes to a person who
   * erased their account); in every other row of the user, published or not, `email`, `name`
   * and `ipAddress` are replaced by the erased values. Published rows are deleted after their
   * retention anyway; this covers that time and every row that waits (Kafka off or down).
   */
  async redactUser(tx: Tx, userId: string, erased: { email: string; name: string }): Promise<void> {
    await tx.$executeRaw`
      DELETE FROM "OutboxEvent"
      WHERE "key" = ${userId} AND "topic" = ${this.topics.notifications} AND "publishedAt" IS NULL`;
    await tx.$executeRaw`
      UPDATE "OutboxEvent" SET "payload" =
        jsonb_set(jsonb_set(jsonb_set("payload",
          '{data,email}', to_jsonb(${erased.email}::text), false),
          '{data,name}', to_jsonb(${erased.name}::text), false),
          '{data,ipAddress}', 'null'::jsonb, false)
      WHERE "key" = ${userId} AND ("payload"->'data') ?| array['email', 'name', 'ipAddress']`;
  }

  private async addTo(tx: Tx, topic: string, cause: Cause, events: EventEnvelope[]) {
    if (events.length === 0) return;
    // Writers of one key take turns until commit, so a key's ids are in commit order: the relay
    // can never see (and publish) a later row of a key while an earlier one is still uncommitted.
    for (const key of [...new Set(events.map((event) => event.aggregateId))].sort()) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${WRITER_LOCK_NAMESPACE}::int, hashtext(${key}))`;
    }
    await tx.outboxEvent.createMany({
      data: events.map((event) => ({
        eventId: event.eventId,
        topic,
        key: event.aggregateId,
        eventType: event.eventType,
        payload: event as unknown as object,
        headers: this.headersOf(event, cause),
      })),
    });
  }

  private headersOf(event: EventEnvelope, cause: Cause): Record<string, string> {
    return { "event-type": event.eventType, version: event.version, "request-id": cause.requestId };
  }
}

/** A column name as SQL (names come from our code, never from a client). */
export function quoted(column: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new Error(`not a column name: ${column}`);
  return `"${column}"`;
}

/**
 * A moment for a TIMESTAMP(3) column as Prisma stores it (UTC wall time, whatever the session's
 * time zone), for raw statements that write such columns themselves.
 */
export function utcTimestamp(at: Date): Prisma.Sql {
  return Prisma.sql`(${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}
