// The signed-in session of the playground: kept in memory only (a reload or a closed tab forgets
// it), renewed with its refresh token before the access token expires, and the sign-in bar that
// shows it. The password is typed into a real password field here, never into GraphiQL's editors.
(function () {
  "use strict";

  var P = window.Playground;
  var h = React.createElement;

  var AUTH_FIELDS = "accessToken refreshToken expiresIn user { id email name role }";
  var SIGN_IN = "mutation SignIn($input: LoginInput!) {\n  login(input: $input) { " + AUTH_FIELDS + " }\n}";
  var RENEW =
    "mutation RenewSession($refreshToken: String!) {\n  refreshToken(refreshToken: $refreshToken) { " +
    AUTH_FIELDS +
    " }\n}";
  var SIGN_OUT = "mutation SignOut {\n  logout\n}";
  var CHANGE_PASSWORD =
    "mutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input)\n}";
  // Renew a minute before expiry; short lifetimes (demos, tests) at three quarters of theirs.
  var RENEW_MARGIN_MS = 60 * 1000;
  var RETRY_MS = 5 * 1000;

  var current = null; // { accessToken, refreshToken, user, expiresAt: Date, renewAt: Date }
  var note = "";
  var timer = null;
  var renewing = null;
  var listeners = [];

  function notify() {
    listeners.forEach(function (listener) {
      listener();
    });
  }

  function schedule(delayMs) {
    window.clearTimeout(timer);
    timer = window.setTimeout(
      function () {
        renew().catch(function () {});
      },
      Math.max(0, delayMs),
    );
  }

  /** Signs the playground in with an AuthPayload (from the form, a renewal, or a tab's login). */
  function adopt(payload) {
    var lifetimeMs = payload.expiresIn * 1000;
    var renewInMs = lifetimeMs > 4 * RENEW_MARGIN_MS ? lifetimeMs - RENEW_MARGIN_MS : lifetimeMs * 0.75;
    var keep = current && payload.user == null ? current.user : payload.user;
    current = {
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken,
      user: keep || {},
      expiresAt: new Date(Date.now() + lifetimeMs),
      renewAt: new Date(Date.now() + renewInMs),
    };
    note = "";
    schedule(renewInMs);
    notify();
  }

  function forget(why) {
    window.clearTimeout(timer);
    current = null;
    renewing = null;
    note = why || "";
    notify();
  }

  /** Exchanges the refresh token for a new pair; the session ends if the gateway refuses it. */
  function renew() {
    if (!current) return Promise.resolve(null);
    if (renewing) return renewing;
    var used = current.refreshToken;
    renewing = P.request(RENEW, { refreshToken: used }, { anonymous: true })
      .then(function (data) {
        renewing = null;
        if (current && current.refreshToken === used) adopt(data.refreshToken);
        return current && current.accessToken;
      })
      .catch(function (error) {
        renewing = null;
        if (!current || current.refreshToken !== used) return current && current.accessToken;
        if (error.graphqlErrors && error.graphqlErrors.length > 0) {
          forget("Your session ended (" + error.message + "): sign in again.");
          return null;
        }
        // The gateway could not be reached: try again while the token still works.
        if (Date.now() < current.expiresAt.getTime()) schedule(RETRY_MS);
        else forget("Your session could not be renewed (the gateway did not answer): sign in again.");
        return current && current.accessToken;
      });
    return renewing;
  }

  // A hidden tab's timers are slowed down: catch up as soon as it is shown again.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && current && Date.now() >= current.renewAt.getTime()) {
      renew().catch(function () {});
    }
  });

  P.session = {
    get current() {
      return current;
    },
    get note() {
      return note;
    },
    subscribe: function (listener) {
      listeners.push(listener);
      return function () {
        listeners = listeners.filter(function (l) {
          return l !== listener;
        });
      };
    },
    /** The access token to send now (renewed first when it is due), or null when signed out. */
    fresh: function () {
      if (!current) return Promise.resolve(null);
      if (Date.now() >= current.renewAt.getTime()) return renew();
      return Promise.resolve(current.accessToken);
    },
    adopt: adopt,
    forget: forget,
    signIn: function (email, password) {
      return P.request(SIGN_IN, { input: { email: email, password: password } }, { anonymous: true }).then(
        function (data) {
          adopt(data.login);
        },
      );
    },
    signOut: function () {
      var ending = current;
      if (!ending) return Promise.resolve();
      return P.request(SIGN_OUT, {}, {})
        .catch(function () {})
        .then(function () {
          if (current === ending) forget("Signed out.");
        });
    },
    changePassword: function (currentPassword, newPassword) {
      return P.request(CHANGE_PASSWORD, {
        input: { currentPassword: currentPassword, newPassword: newPassword },
      });
    },
    /** An answer refusing the token (expired, its session ended): the playground is signed out. */
    observeErrors: function (errors) {
      var refused = errors.some(function (error) {
        var ext = error.extensions || {};
        return ext.code === "UNAUTHENTICATED" && ext.reason;
      });
      if (refused && current)
        forget("The gateway refused the token (expired, or its session ended): sign in again.");
    },
    operations: { signIn: SIGN_IN, renew: RENEW, signOut: SIGN_OUT },
  };

  /** A React hook: re-renders its component when the session changes. */
  P.useSession = function () {
    var state = React.useState(0);
    React.useEffect(function () {
      return P.session.subscribe(function () {
        state[1](function (n) {
          return n + 1;
        });
      });
    }, []);
    return current;
  };

  // ---- the sign-in bar ----

  function SignInForm(props) {
    var email = React.useState("");
    var password = React.useState("");
    var busy = React.useState(false);
    function submit(event) {
      event.preventDefault();
      busy[1](true);
      props.onMessage("");
      P.session
        .signIn(email[0].trim(), password[0])
        .then(function () {
          password[1]("");
        })
        .catch(function (error) {
          props.onMessage("Sign-in refused: " + error.message);
        })
        .then(function () {
          busy[1](false);
        });
    }
    return h(
      "form",
      {
        id: "playground-sign-in",
        className: "playground-inline-form",
        onSubmit: submit,
        "aria-label": "Sign in",
      },
      h("input", {
        type: "email",
        name: "email",
        placeholder: "E-mail",
        "aria-label": "E-mail",
        autoComplete: "username",
        required: true,
        value: email[0],
        onChange: function (e) {
          email[1](e.target.value);
        },
      }),
      h("input", {
        type: "password",
        name: "password",
        placeholder: "Password",
        "aria-label": "Password",
        autoComplete: "current-password",
        required: true,
        value: password[0],
        onChange: function (e) {
          password[1](e.target.value);
        },
      }),
      h("button", { type: "submit", disabled: busy[0] }, "Sign in"),
    );
  }

  function ChangePasswordForm(props) {
    var old = React.useState("");
    var next = React.useState("");
    function submit(event) {
      event.preventDefault();
      P.session
        .changePassword(old[0], next[0])
        .then(function () {
          props.onDone("Password changed; your other sessions ended.");
        })
        .catch(function (error) {
          props.onMessage("Password not changed: " + error.message);
        });
    }
    return h(
      "form",
      {
        id: "playground-change-password",
        className: "playground-inline-form",
        onSubmit: submit,
        "aria-label": "Change password",
      },
      h("input", {
        type: "password",
        placeholder: "Current password",
        "aria-label": "Current password",
        autoComplete: "current-password",
        required: true,
        value: old[0],
        onChange: function (e) {
          old[1](e.target.value);
        },
      }),
      h("input", {
        type: "password",
        placeholder: "New password",
        "aria-label": "New password",
        autoComplete: "new-password",
        required: true,
        value: next[0],
        onChange: function (e) {
          next[1](e.target.value);
        },
      }),
      h("button", { type: "submit" }, "Change"),
      h(
        "button",
        {
          type: "button",
          onClick: function () {
            props.onDone("");
          },
        },
        "Cancel",
      ),
    );
  }

  function SessionBar() {
    var session = P.useSession();
    var message = React.useState("");
    var changing = React.useState(false);
    var text;
    if (session) {
      var who = session.user.email
        ? session.user.email + (session.user.role ? " (" + session.user.role + ")" : "")
        : "a user";
      text = "Signed in as " + who + ". Token renews at " + session.renewAt.toLocaleTimeString() + ".";
    } else {
      text =
        (note ? note + " " : "") +
        "Not signed in: use the form, or set an Authorization header under Headers.";
    }
    var state = session ? "signed-in" : note ? "signed-out-note" : "signed-out";
    return h(
      React.Fragment,
      null,
      h("strong", null, "Aegis identity gateway"),
      h(
        "span",
        {
          id: "playground-session",
          role: "status",
          "aria-live": "polite",
          "data-state": state,
          "data-expires-at": session ? session.expiresAt.toISOString() : undefined,
        },
        text,
      ),
      message[0] ? h("span", { className: "playground-bar-message", role: "alert" }, message[0]) : null,
      session && changing[0]
        ? h(ChangePasswordForm, {
            onMessage: message[1],
            onDone: function (done) {
              changing[1](false);
              message[1](done);
            },
          })
        : null,
      session && !changing[0]
        ? h(
            "button",
            {
              type: "button",
              onClick: function () {
                message[1]("");
                changing[1](true);
              },
            },
            "Change password",
          )
        : null,
      session
        ? h(
            "button",
            {
              type: "button",
              onClick: function () {
                message[1]("");
                P.session.signOut();
              },
            },
            "Sign out",
          )
        : null,
      session ? null : h(SignInForm, { onMessage: message[1] }),
    );
  }

  P.renderSessionBar = function (element) {
    ReactDOM.createRoot(element).render(h(SessionBar));
  };
})();
