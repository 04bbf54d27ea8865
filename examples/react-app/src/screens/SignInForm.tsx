import { useState, type FormEvent } from "react";
import { anonymousClient, session } from "../graphql/client";
import { SignInDocument, SignUpDocument } from "../generated/graphql";

/** Signs up or signs in; both answer a token pair that `session` keeps in memory. */
export function SignInForm({ notice }: { notice?: string }) {
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-in");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    setBusy(true);
    setError(undefined);
    const result =
      mode === "sign-up"
        ? await anonymousClient
            .mutation(SignUpDocument, { input: { email, password, name: String(form.get("name")) } })
            .toPromise()
            .then((r) => ({ error: r.error, tokens: r.data?.register }))
        : await anonymousClient
            .mutation(SignInDocument, { input: { email, password } })
            .toPromise()
            .then((r) => ({ error: r.error, tokens: r.data?.login }));
    setBusy(false);
    if (result.tokens) session.signIn(result.tokens);
    else
      setError(result.error?.graphQLErrors[0]?.message ?? result.error?.message ?? "Something went wrong.");
  }

  return (
    <main>
      <h1>{mode === "sign-up" ? "Create an account" : "Sign in"}</h1>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-label={mode}>
        {mode === "sign-up" && (
          <label>
            Name <input name="name" required minLength={2} autoComplete="name" />
          </label>
        )}
        <label>
          Email <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password{" "}
          <input
            name="password"
            type="password"
            required
            autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
          />
        </label>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {mode === "sign-up" ? "Sign up" : "Sign in"}
        </button>
      </form>
      <button
        type="button"
        className="link"
        onClick={() => setMode(mode === "sign-up" ? "sign-in" : "sign-up")}
      >
        {mode === "sign-up" ? "I have an account" : "Create an account"}
      </button>
    </main>
  );
}
