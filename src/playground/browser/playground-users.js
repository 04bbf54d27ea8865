// The Users panel: a table with search, filters and keyset paging, row actions that run the
// documented mutations (each shown with "Open in a tab"), and a detail view per user
// (playground-user-detail.js).
(function () {
  "use strict";

  var P = window.Playground;
  var h = React.createElement;
  var PAGE_SIZE = 10;

  var LIST = [
    "query UsersPanel($filter: UserFilter, $first: Int!, $after: String) {",
    "  users(filter: $filter, first: $first, after: $after) {",
    "    totalCount",
    "    edges { node { id email name role isActive isVerified lockedUntil lastLoginAt } }",
    "    pageInfo { hasNextPage endCursor }",
    "  }",
    "}",
  ].join("\n");

  /** The documented mutations the row actions run (the same as the Examples). */
  P.userActions = {
    setActive: function (ops, user, active) {
      return ops.run(
        active ? "Enable " + user.email : "Disable " + user.email,
        "mutation SetUserActive($userId: ID!, $active: Boolean!) {\n  setUserActive(userId: $userId, active: $active) { id isActive }\n}",
        { userId: user.id, active: active },
      );
    },
    setRole: function (ops, user, role) {
      return ops.run(
        "Make " + user.email + " " + role,
        "mutation SetUserRole($userId: ID!, $role: Role!) {\n  setUserRole(userId: $userId, role: $role) { id role }\n}",
        { userId: user.id, role: role },
      );
    },
    unlock: function (ops, user) {
      return ops.run(
        "Unlock " + user.email,
        "mutation UnlockUser($userId: ID!) {\n  unlockUser(userId: $userId) { id lockedUntil }\n}",
        { userId: user.id },
      );
    },
    endSessions: function (ops, user) {
      return ops.run(
        "End the sessions of " + user.email,
        "mutation EndSessions($userId: ID!) {\n  revokeUserSessions(userId: $userId)\n}",
        { userId: user.id },
      );
    },
    sendReset: function (ops, user) {
      return ops.run(
        "Send " + user.email + " a password reset link",
        "mutation SendPasswordReset($userId: ID!) {\n  sendPasswordReset(userId: $userId)\n}",
        { userId: user.id },
      );
    },
    erase: function (ops, user) {
      return ops.run(
        "Erase " + user.email,
        "mutation EraseUser($userId: ID!) {\n  deleteUser(userId: $userId)\n}",
        { userId: user.id },
      );
    },
  };

  function choice(value) {
    return value === "" ? undefined : value === "true";
  }

  function Filters(props) {
    var draft = React.useState(props.filter);
    var f = draft[0];
    function set(name, value) {
      draft[1](
        Object.assign(
          {},
          f,
          (function () {
            var o = {};
            o[name] = value;
            return o;
          })(),
        ),
      );
    }
    function select(name, label, options) {
      return h(
        "label",
        null,
        label + " ",
        h(
          "select",
          {
            "aria-label": label,
            value: f[name],
            onChange: function (e) {
              set(name, e.target.value);
            },
          },
          options.map(function (o) {
            return h("option", { key: o[0], value: o[0] }, o[1]);
          }),
        ),
      );
    }
    return h(
      "form",
      {
        className: "playground-filters",
        "aria-label": "Find users",
        onSubmit: function (e) {
          e.preventDefault();
          props.onApply(f);
        },
      },
      h("input", {
        type: "search",
        "aria-label": "Search e-mail or name",
        placeholder: "Search e-mail or name",
        value: f.search,
        onChange: function (e) {
          set("search", e.target.value);
        },
      }),
      select("role", "Role", [
        ["", "any"],
        ["USER", "USER"],
        ["MODERATOR", "MODERATOR"],
        ["ADMIN", "ADMIN"],
      ]),
      select("isActive", "Active", [
        ["", "any"],
        ["true", "active"],
        ["false", "disabled"],
      ]),
      select("isVerified", "Verified", [
        ["", "any"],
        ["true", "verified"],
        ["false", "unverified"],
      ]),
      h("button", { type: "submit" }, "Search"),
    );
  }

  function status(user) {
    var parts = [user.isActive ? "active" : "disabled", user.isVerified ? "verified" : "unverified"];
    if (user.lockedUntil && Date.parse(user.lockedUntil) > Date.now())
      parts.push("locked until " + P.formatTime(user.lockedUntil));
    return parts.join(" · ");
  }

  function Row(props) {
    var user = props.user;
    var confirming = React.useState(false);
    var act = function (promise) {
      promise.then(props.onChanged, props.onChanged);
    };
    var locked = user.lockedUntil && Date.parse(user.lockedUntil) > Date.now();
    return h(
      "tr",
      { "data-user-id": user.id, "data-email": user.email },
      h(
        "td",
        null,
        h(
          "button",
          {
            type: "button",
            className: "playground-link",
            onClick: function () {
              props.onOpen(user.id);
            },
          },
          user.email,
        ),
        h("div", { className: "playground-muted" }, user.name),
      ),
      h(
        "td",
        null,
        h(
          "select",
          {
            "aria-label": "Role of " + user.email,
            value: user.role,
            onChange: function (e) {
              act(P.userActions.setRole(props.ops, user, e.target.value));
            },
          },
          ["USER", "MODERATOR", "ADMIN"].map(function (r) {
            return h("option", { key: r, value: r }, r);
          }),
        ),
      ),
      h("td", { className: "playground-status" }, status(user)),
      h("td", null, P.formatTime(user.lastLoginAt)),
      h(
        "td",
        { className: "playground-actions" },
        confirming[0]
          ? h(
              "span",
              { className: "playground-confirm", role: "group", "aria-label": "Confirm erasure" },
              "Erase " + user.email + "? This cannot be undone. ",
              h(
                "button",
                {
                  type: "button",
                  className: "playground-danger",
                  onClick: function () {
                    confirming[1](false);
                    act(P.userActions.erase(props.ops, user));
                  },
                },
                "Erase for good",
              ),
              h(
                "button",
                {
                  type: "button",
                  onClick: function () {
                    confirming[1](false);
                  },
                },
                "Cancel",
              ),
            )
          : [
              h(
                "button",
                {
                  key: "a",
                  type: "button",
                  onClick: function () {
                    act(P.userActions.setActive(props.ops, user, !user.isActive));
                  },
                },
                user.isActive ? "Disable" : "Enable",
              ),
              locked
                ? h(
                    "button",
                    {
                      key: "u",
                      type: "button",
                      onClick: function () {
                        act(P.userActions.unlock(props.ops, user));
                      },
                    },
                    "Unlock",
                  )
                : null,
              h(
                "button",
                {
                  key: "s",
                  type: "button",
                  onClick: function () {
                    act(P.userActions.endSessions(props.ops, user));
                  },
                },
                "End sessions",
              ),
              h(
                "button",
                {
                  key: "r",
                  type: "button",
                  onClick: function () {
                    act(P.userActions.sendReset(props.ops, user));
                  },
                },
                "Reset password",
              ),
              h(
                "button",
                {
                  key: "e",
                  type: "button",
                  className: "playground-danger",
                  onClick: function () {
                    confirming[1](true);
                  },
                },
                "Erase…",
              ),
            ],
      ),
    );
  }

  function UsersTable(props) {
    var ops = props.ops;
    var filterState = React.useState({ search: "", role: "", isActive: "", isVerified: "" });
    var cursors = React.useState([null]); // the `after` of each page seen: keyset paging back and forth
    var filter = filterState[0];
    var after = cursors[0][cursors[0].length - 1];
    var variables = {
      filter: {
        search: filter.search || undefined,
        role: filter.role || undefined,
        isActive: choice(filter.isActive),
        isVerified: choice(filter.isVerified),
      },
      first: PAGE_SIZE,
      after: after,
    };
    var list = P.useLoad(function () {
      return P.request(LIST, variables);
    }, JSON.stringify(variables));
    var open = P.useOpenInTab();
    var page = list.data && list.data.users;
    return h(
      React.Fragment,
      null,
      h(Filters, {
        filter: filter,
        onApply: function (next) {
          filterState[1](next);
          cursors[1]([null]);
        },
      }),
      list.error ? h("p", { className: "playground-error", role: "alert" }, list.error) : null,
      h(
        "div",
        { className: "playground-table-wrap" },
        h(
          "table",
          { className: "playground-table", "aria-label": "Users" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["User", "Role", "Status", "Last login", "Actions"].map(function (c) {
                return h("th", { key: c }, c);
              }),
            ),
          ),
          h(
            "tbody",
            null,
            page
              ? page.edges.map(function (edge) {
                  return h(Row, {
                    key: edge.node.id,
                    user: edge.node,
                    ops: ops,
                    onOpen: props.onOpen,
                    onChanged: list.reload,
                  });
                })
              : null,
          ),
        ),
      ),
      h(
        "div",
        { className: "playground-pager" },
        h(
          "span",
          { role: "status" },
          page
            ? page.totalCount + " users" + (list.loading ? " · loading…" : "")
            : list.loading
              ? "loading…"
              : "",
        ),
        h(
          "button",
          {
            type: "button",
            disabled: cursors[0].length < 2,
            onClick: function () {
              cursors[1](cursors[0].slice(0, -1));
            },
          },
          "Previous page",
        ),
        h(
          "button",
          {
            type: "button",
            disabled: !(page && page.pageInfo.hasNextPage),
            onClick: function () {
              cursors[1](cursors[0].concat([page.pageInfo.endCursor]));
            },
          },
          "Next page",
        ),
        h(
          "button",
          {
            type: "button",
            onClick: function () {
              open({ query: LIST, variables: variables });
            },
          },
          "Open this list in a tab",
        ),
      ),
    );
  }

  function UsersPanel() {
    var session = P.useSession();
    var ops = P.useOperations();
    var selected = React.useState(null);
    if (!session) return h(P.Panel, { title: "Users" }, h(P.SignInFirst));
    return h(
      P.Panel,
      { title: "Users" },
      selected[0]
        ? h(P.UserDetail, {
            userId: selected[0],
            ops: ops,
            onBack: function () {
              selected[1](null);
            },
          })
        : h(UsersTable, { ops: ops, onOpen: selected[1] }),
      h(P.LastOperation, { ops: ops }),
    );
  }

  P.addPanel(
    "Users",
    P.icon(
      "M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1M9 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M22 19v-1a4 4 0 0 0-3-3.9M16 4.1a4 4 0 0 1 0 7.8",
    ),
    UsersPanel,
  );
})();
