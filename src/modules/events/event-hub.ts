import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Db } from '../../database/database.ts';
import type { Logger } from '../../http/logger.ts';
import * as eventsRepository from './events.repository.ts';
import type { TeamEventRow } from './events.repository.ts';

/** Rows a feed reads at a time. */
const FEED_BATCH = 500;

/** Receives a team's new events, in `seq` order, each once. */
export type TeamEventListener = (rows: readonly TeamEventRow[]) => void;

/**
 * Live team events for this process's subscribers. The events themselves come from the database
 * (the outbox), never from the message bus: a wake-up only says "team X has new events", so a
 * lost or duplicated message, or one for a transaction that rolled back, costs a read and
 * nothing else. One feed per followed team reads each new event once for all its local listeners.
 */
export interface TeamEventHub {
  /**
   * Calls `listener` with the team's events committed from now on; resolves once following. Call
   * the answer to stop. `onClose` is called when the hub closes (the server stops): the stream
   * ends, and its client resumes from its last cursor on another instance.
   */
  follow(teamId: string, listener: TeamEventListener, onClose: () => void): Promise<() => void>;
  /** Tells every instance's subscribers of these teams to look for new events (after the commit). */
  notify(teamIds: Iterable<string>): void;
  /** Ends every stream (`onClose`), then stops listening. */
  close(): Promise<void>;
}

export interface TeamEventHubOptions {
  db: Db;
  logger: Logger;
  /** Redis connection string: wake-ups reach every instance; unset, this process only. */
  redisUrl?: string | undefined;
  /** Prefix of the Redis channel (pub/sub ignores the database number: several deployments or test runs on one Redis need their own). @default 'cloakroom:' */
  channelPrefix?: string;
  /** Each followed team's stream is also read this often, for events whose wake-up never came (the CLI's, a process that died after its commit). @default 2_000 */
  pollIntervalMs?: number;
}

/** One followed team: reads its new events once and hands them to every listener. */
class TeamFeed {
  readonly listeners = new Set<TeamEventListener>();
  /** The last `seq` read and handed out. */
  private last: number;
  private reading = false;
  private again = false;

  private readonly db: Db;
  private readonly logger: Logger;
  readonly teamId: string;

  constructor(db: Db, logger: Logger, teamId: string, head: number) {
    this.db = db;
    this.logger = logger;
    this.teamId = teamId;
    this.last = head;
  }

  wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.read();
  }

  private async read(): Promise<void> {
    try {
      do {
        this.again = false;
        for (;;) {
          const rows = await eventsRepository.listTeamEventsAfter(this.db, this.teamId, this.last, FEED_BATCH);
          if (rows.length === 0) break;
          this.last = Number(rows.at(-1)!.seq);
          for (const listener of this.listeners) listener(rows);
          if (rows.length < FEED_BATCH) break;
        }
      } while (this.again);
    } catch (error) {
      // The next wake-up or poll reads again from the same place: nothing is lost.
      this.logger.warn({ err: error, teamId: this.teamId }, 'reading team events failed');
    } finally {
      this.reading = false;
    }
  }
}

/** The hub of this process: wake-ups through Redis when `redisUrl` is set, in process otherwise. */
export function createTeamEventHub({
  db,
  logger,
  redisUrl,
  channelPrefix = 'cloakroom:',
  pollIntervalMs = 2_000,
}: TeamEventHubOptions): TeamEventHub {
  const topic = `${channelPrefix}team-events`;
  const redis = redisUrl
    ? {
        // Fails at once while Redis is unreachable (the streams' poll stands in meanwhile).
        publishClient: new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 }),
        // Waits for Redis as long as it takes, and subscribes again after each reconnection.
        subscribeClient: new Redis(redisUrl, { maxRetriesPerRequest: null, connectTimeout: 2000 }),
      }
    : undefined;
  let lastWarning = 0;
  /** At most one warning a minute while Redis is away; the message only (the URL may hold a password). */
  const warn = (error: Error, message: string) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn({ error: error.message }, message);
  };
  for (const client of redis ? [redis.publishClient, redis.subscribeClient] : []) {
    client.on('error', (error: Error) => warn(error, 'redis unavailable for team event wake-ups: streams poll meanwhile'));
  }
  // The event target calls these without handling a failure: a rejection would go unhandled and
  // stop the process. A lost wake-up costs a poll's delay, nothing more.
  const guarded = redis && {
    publishClient: {
      publish: (channel: string, message: string) =>
        redis.publishClient.publish(channel, message).catch((error: Error) => {
          warn(error, 'team event wake-up not published');
          return 0;
        }),
    },
    subscribeClient: {
      on: (event: 'message', listener: (channel: string, message: string) => void) => redis.subscribeClient.on(event, listener),
      subscribe: (channel: string) =>
        redis.subscribeClient.subscribe(channel).catch((error: Error) => warn(error, 'team event wake-ups not subscribed')),
      // At shutdown, possibly on a connection that never came up: nothing to report.
      unsubscribe: (channel: string) => redis.subscribeClient.unsubscribe(channel).catch(() => undefined),
    },
  };
  const pubsub = createPubSub<Record<string, [teamId: string]>>(
    // The guarded clients offer the event target exactly the calls it makes.
    guarded && { eventTarget: createRedisEventTarget(guarded as unknown as { publishClient: Redis; subscribeClient: Redis }) },
  );
  const feeds = new Map<string, TeamFeed>();
  const closers = new Set<() => void>();
  let closed = false;
  /** Feeds being created, so that two first subscribers of a team share one. */
  const starting = new Map<string, Promise<TeamFeed>>();

  const wakeups = pubsub.subscribe(topic);
  const consuming = (async () => {
    for await (const teamId of wakeups) feeds.get(teamId)?.wake();
  })();
  const poll = setInterval(() => {
    for (const feed of feeds.values()) feed.wake();
  }, pollIntervalMs);
  poll.unref();

  async function feedOf(teamId: string): Promise<TeamFeed> {
    const existing = feeds.get(teamId);
    if (existing) return existing;
    let pending = starting.get(teamId);
    if (!pending) {
      // The feed starts at the stream's head: a follower replays what came before from the database.
      pending = eventsRepository.lastTeamEventSeq(db, teamId).then((head) => {
        starting.delete(teamId);
        // A follower may have brought an older feed back meanwhile (see `follow`): one feed per team.
        const existing = feeds.get(teamId);
        if (existing) return existing;
        const feed = new TeamFeed(db, logger, teamId, head);
        feeds.set(teamId, feed);
        return feed;
      });
      pending.catch(() => starting.delete(teamId));
      starting.set(teamId, pending);
    }
    return pending;
  }

  return {
    async follow(teamId, listener, onClose) {
      let feed = await feedOf(teamId);
      // While this waited, the team's last follower may have left (its feed dropped) and another
      // may have started a new one: join the feed in use, or bring this one back.
      const current = feeds.get(teamId);
      if (current) feed = current;
      else feeds.set(teamId, feed);
      // A stream that starts while the server stops ends at once, as those already open did.
      if (closed) {
        onClose();
        return () => undefined;
      }
      feed.listeners.add(listener);
      closers.add(onClose);
      return () => {
        closers.delete(onClose);
        feed.listeners.delete(listener);
        if (feed.listeners.size === 0 && feeds.get(teamId) === feed) feeds.delete(teamId);
      };
    },
    notify(teamIds) {
      for (const teamId of new Set(teamIds)) pubsub.publish(topic, teamId);
    },
    async close() {
      closed = true;
      for (const onClose of closers) onClose();
      clearInterval(poll);
      await wakeups.return();
      await consuming;
      if (redis) {
        // Unsubscribed above; quitting before that settled crashed the process ("Connection is closed").
        // A client that is not connected has nothing to flush: quit() would wait for Redis forever.
        await Promise.all(
          [redis.subscribeClient, redis.publishClient].map((client) =>
            client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect(),
          ),
        );
      }
    },
  };
}
