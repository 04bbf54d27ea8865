// The Users panel's detail view: one user's profile, live sessions (end one), recent login
// history (successes and failures, older pages on demand) and the audit entries about them.
// Parts the signed-in role may not read (a MODERATOR and sessions, the audit log) say so.
(function () {
  "use strict";

  var P = window.Playground;
  var h = React.createElement;

  var DETAIL = [
    "query UserDetail($id: ID!, $history: String) {",
    "  user(id: $id) {",
    "    id email name role isActive isVerified lockedUntil createdAt lastLoginAt phone region",
    "    sessions { id createdAt lastUsedAt ipAddress userAgent }",
    "    loginHistory(first: 10, after: $history) {",
    "      edges { node { id success failureReason ipAddress userAgent createdAt } }",
    "      pageInfo { hasNextPage endCursor }",
    "    }",
    "  }",
    "  auditLog(first: 10, filter: { targetId: $id }) {",
    "    edges { node { id createdAt action actor { email } details } }",
    "  }",
    "}",
  ].join("\n");

  var END_ONE =
    "mutation EndSession($userId: ID!, $sessionId: ID!) {\n  revokeUserSession(userId: $userId, sessionId: $sessionId)\n}";

  /** Why a part is missing: the error whose path starts with `field`, if any. */
  function refusal(errors, field) {
    var found = errors.filter(function (e) {
      return (e.path || []).indexOf(field) >= 0;
    });
    return found.length > 0 ? "Not shown: " + P.describeErrors(found) : "";
  }

  function table(label, columns, rows) {
    return h(
      "div",
      { className: "playground-table-wrap" },
      h(
        "table",
        { className: "playground-table", "aria-label": label },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            columns.map(function (c) {
              return h("th", { key: c }, c);
            }),
          ),
        ),
        h("tbody", null, rows),
      ),
    );
  }

  P.UserDetail = function UserDetail(props) {
    var ops = props.ops;
    var history = React.useState(null);
    var variables = { id: props.userId, history: history[0] };
    var detail = P.useLoad(function () {
      return P.request(DETAIL, variables, { partial: true });
    }, JSON.stringify(variables));
    var open = P.useOpenInTab();
    var result = detail.data;
    var user = result && result.data.user;
    var errors = (result && result.errors) || [];
    var after = function (promise) {
      promise.then(detail.reload, detail.reload);
    };

    var head = h(
      "div",
      { className: "playground-pager" },
      h("button", { type: "button", onClick: props.onBack }, "← All users"),
      h(
        "button",
        {
          type: "button",
          onClick: function () {
            open({ query: DETAIL, variables: variables });
          },
        },
        "Open this view in a tab",
      ),
    );
    if (detail.error)
      return h("div", null, head, h("p", { className: "playground-error", role: "alert" }, detail.error));
    if (!result) return h("div", null, head, h("p", null, "Loading…"));
    if (!user) return h("div", null, head, h("p", null, "No such user (erased?)."));

    var profile = h(
      "dl",
      { className: "playground-profile", "aria-label": "Profile" },
      [
        ["E-mail", user.email],
        ["Name", user.name],
        ["Role", user.role],
        [
          "Status",
          (user.isActive ? "active" : "disabled") + " · " + (user.isVerified ? "verified" : "unverified"),
        ],
        ["Locked until", user.lockedUntil ? P.formatTime(user.lockedUntil) : "not locked"],
        ["Created", P.formatTime(user.createdAt)],
        ["Last login", P.formatTime(user.lastLoginAt)],
        ["Phone", user.phone || "—"],
        ["Region", user.region || "—"],
        ["Id", user.id],
      ].map(function (pair) {
        return h(React.Fragment, { key: pair[0] }, h("dt", null, pair[0]), h("dd", null, pair[1]));
      }),
    );
    var actions = h(
      "div",
      { className: "playground-actions" },
      h(
        "button",
        {
          type: "button",
          onClick: function () {
            after(P.userActions.setActive(ops, user, !user.isActive));
          },
        },
        user.isActive ? "Disable" : "Enable",
      ),
      h(
        "button",
        {
          type: "button",
          onClick: function () {
            after(P.userActions.endSessions(ops, user));
          },
        },
        "End all sessions",
      ),
      h(
        "button",
        {
          type: "button",
          onClick: function () {
            after(P.userActions.sendReset(ops, user));
          },
        },
        "Send password reset",
      ),
    );

    var sessions = user.sessions
      ? table(
          "Sessions",
          ["Device", "IP", "Signed in", "Last used", ""],
          user.sessions.map(function (s) {
            return h(
              "tr",
              { key: s.id, "data-session-id": s.id },
              h("td", null, s.userAgent || "—"),
              h("td", null, s.ipAddress || "—"),
              h("td", null, P.formatTime(s.createdAt)),
              h("td", null, P.formatTime(s.lastUsedAt)),
              h(
                "td",
                null,
                h(
                  "button",
                  {
                    type: "button",
                    onClick: function () {
                      after(
                        ops.run("End one session of " + user.email, END_ONE, {
                          userId: user.id,
                          sessionId: s.id,
                        }),
                      );
                    },
                  },
                  "End",
                ),
              ),
            );
          }),
        )
      : h("p", { className: "playground-note" }, refusal(errors, "sessions"));

    var attempts = user.loginHistory
      ? table(
          "Login history",
          ["When", "Result", "IP", "Device"],
          user.loginHistory.edges.map(function (e) {
            var a = e.node;
            return h(
              "tr",
              { key: a.id, "data-success": String(a.success) },
              h("td", null, P.formatTime(a.createdAt)),
              h("td", null, a.success ? "signed in" : "failed: " + (a.failureReason || "?")),
              h("td", null, a.ipAddress || "—"),
              h("td", null, a.userAgent || "—"),
            );
          }),
        )
      : h("p", { className: "playground-note" }, refusal(errors, "loginHistory"));
    var pageInfo = user.loginHistory && user.loginHistory.pageInfo;

    var audit = result.data.auditLog
      ? table(
          "Audit entries about this user",
          ["When", "Action", "By", "Details"],
          result.data.auditLog.edges.map(function (e) {
            var a = e.node;
            return h(
              "tr",
              { key: a.id },
              h("td", null, P.formatTime(a.createdAt)),
              h("td", null, a.action),
              h("td", null, a.actor ? a.actor.email : "system"),
              h("td", { className: "playground-details" }, JSON.stringify(a.details)),
            );
          }),
        )
      : h("p", { className: "playground-note" }, refusal(errors, "auditLog"));

    return h(
      "div",
      { className: "playground-user-detail", "data-user-id": user.id },
      head,
      h("h3", null, user.email),
      profile,
      actions,
      h("h4", null, "Sessions (" + (user.sessions ? user.sessions.length : "?") + ")"),
      sessions,
      h("h4", null, "Recent login history"),
      attempts,
      h(
        "div",
        { className: "playground-pager" },
        h(
          "button",
          {
            type: "button",
            disabled: !history[0],
            onClick: function () {
              history[1](null);
            },
          },
          "Newest attempts",
        ),
        h(
          "button",
          {
            type: "button",
            disabled: !(pageInfo && pageInfo.hasNextPage),
            onClick: function () {
              history[1](pageInfo.endCursor);
            },
          },
          "Older attempts",
        ),
      ),
      h("h4", null, "Audit entries about this user"),
      audit,
    );
  };
})();
