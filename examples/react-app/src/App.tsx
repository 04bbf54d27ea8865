import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { Provider } from "urql";
import { createGatewayClient, session } from "./graphql/client";
import { Account } from "./screens/Account";
import { SignInForm } from "./screens/SignInForm";

const REASONS: Record<string, string> = {
  LOGOUT: "You signed out.",
  REVOKED_BY_USER: "This session was ended from another device.",
  LOGOUT_ALL: "You signed out everywhere.",
  REVOKED_BY_ADMIN: "An administrator ended this session.",
  PASSWORD_CHANGED: "Your password was changed elsewhere.",
  SESSION_NOT_FOUND: "Your session has ended.",
};

export function App() {
  const state = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.current,
  );
  const sessionId = state.status === "signed-in" ? state.sessionId : undefined;
  const [live, setLive] = useState(false);
  // One client per session: nothing cached for one user is ever shown to the next.
  const gateway = useMemo(() => (sessionId ? createGatewayClient(setLive) : undefined), [sessionId]);
  useEffect(() => () => gateway?.dispose(), [gateway]);

  if (state.status === "signed-out" || !gateway) {
    const reason = state.status === "signed-out" ? state.reason : undefined;
    return <SignInForm notice={reason && (REASONS[reason] ?? `Signed out (${reason}).`)} />;
  }
  return (
    <Provider value={gateway.client}>
      <Account sessionId={state.sessionId} expiresAt={state.expiresAt} live={live} />
    </Provider>
  );
}
