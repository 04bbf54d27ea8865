import { useCallback, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { session } from "../graphql/client";
import {
  MySessionEventsDocument,
  ProfileDocument,
  SessionsDocument,
  SignOutDocument,
  type MySessionEventsSubscription,
} from "../generated/graphql";

type SessionEvent = MySessionEventsSubscription["sessionEvents"];

/**
 * The signed-in screen: who I am (`me`), my sessions, my session events as they happen, and
 * sign-out. When an event says this very session was revoked (elsewhere: another device, an
 * admin, a password change), the app signs out at once.
 */
export function Account({
  sessionId,
  expiresAt,
  live,
}: {
  sessionId: string;
  expiresAt: Date;
  live: boolean;
}) {
  const [profile, reloadProfile] = useQuery({ query: ProfileDocument });
  const [sessions, reloadSessions] = useQuery({ query: SessionsDocument });
  const [, signOut] = useMutation(SignOutDocument);

  const onEvent = useCallback(
    (events: SessionEvent[] = [], { sessionEvents: event }: MySessionEventsSubscription) => {
      if (event.type === "SESSION_REVOKED" && event.sessionId === sessionId) {
        session.signOut(event.reason ?? "SESSION_REVOKED");
      }
      return [event, ...events].slice(0, 20);
    },
    [sessionId],
  );
  const [{ data: events = [] }] = useSubscription({ query: MySessionEventsDocument }, onEvent);
  const [leaving, setLeaving] = useState(false);

  const reload = () => {
    // Two requests at once: if the token has expired, they share one refresh.
    reloadProfile({ requestPolicy: "network-only" });
    reloadSessions({ requestPolicy: "network-only" });
  };
  const logOut = async () => {
    setLeaving(true);
    await signOut({});
    session.signOut("LOGOUT");
  };

  const me = profile.data?.me;
  return (
    <main>
      <header>
        <h1>{me ? `Hello, ${me.name}` : "Loading…"}</h1>
        <p className="status">
          <span data-testid="live">{live ? "Live" : "Reconnecting…"}</span> · access token valid until{" "}
          <time data-testid="expires-at" dateTime={expiresAt.toISOString()}>
            {expiresAt.toLocaleTimeString()}
          </time>
        </p>
      </header>
      {profile.error && <p role="alert">{profile.error.message}</p>}
      {me && (
        <dl data-testid="profile">
          <dt>Email</dt>
          <dd>{me.email}</dd>
          <dt>Role</dt>
          <dd>{me.role}</dd>
        </dl>
      )}
      <section>
        <h2>My sessions</h2>
        <ul data-testid="sessions">
          {sessions.data?.mySessions.map((s) => (
            <li key={s.id}>
              {s.current ? "This browser" : (s.userAgent ?? "Another device")} since{" "}
              {new Date(s.createdAt).toLocaleString()}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>Session events</h2>
        <ol data-testid="events">
          {events.map((e) => (
            <li key={`${e.occurredAt}-${e.type}-${e.sessionId}`}>
              {e.type}
              {e.reason ? ` (${e.reason})` : ""}
              {e.sessionId === sessionId ? " · this session" : ""}
            </li>
          ))}
        </ol>
      </section>
      <button type="button" onClick={reload}>
        Reload
      </button>{" "}
      <button type="button" onClick={logOut} disabled={leaving}>
        Log out
      </button>
    </main>
  );
}
