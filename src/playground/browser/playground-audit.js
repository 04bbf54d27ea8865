// The Audit log panel: the auditLog query as a table, with filters (actor, target, action, time
// range) and keyset paging. Actor and target take an e-mail address or a user id; an address is
// looked up with the users query first.
(function () {
  "use strict";

  var P = window.Playground;
  var h = React.createElement;
  var PAGE_SIZE = 15;

  var AUDIT = [
    "query AuditLogPanel($filter: AuditFilter, $first: Int!, $after: String) {",
    "  auditLog(filter: $filter, first: $first, after: $after) {",
    "    edges { node { id createdAt action actor { id email } target { id email } details ipAddress } }",
    "    pageInfo { hasNextPage endCursor }",
    "  }",
    "}",
  ].join("\n");
  var FIND =
    "query FindUser($search: String!) {\n  users(filter: { search: $search }, first: 5) { edges { node { id email } } }\n}";
  var ACTIONS = [
    "USER_CREATED",
    "ROLE_CHANGED",
    "USER_DISABLED",
    "USER_ENABLED",
    "USER_UNLOCKED",
    "SESSIONS_REVOKED",
    "SESSION_REVOKED",
    "PASSWORD_RESET_SENT",
    "USER_DELETED",
  ];
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  /** An id as typed, or the id of the account with exactly this e-mail address. */
  function userIdOf(text, label) {
    var value = text.trim();
    if (!value || UUID.test(value)) return Promise.resolve(value || undefined);
    return P.request(FIND, { search: value }).then(function (data) {
      var match = data.users.edges.filter(function (e) {
        return e.node.email === value.toLowerCase();
      })[0];
      if (!match) throw new Error(label + ": no user with the e-mail address " + value);
      return match.node.id;
    });
  }

  function isoOrUndefined(local) {
    return local ? new Date(local).toISOString() : undefined;
  }

  function AuditPanel() {
    var session = P.useSession();
    var draft = React.useState({ actor: "", target: "", action: "", from: "", to: "" });
    var applied = React.useState({ filter: {}, cursors: [null] });
    var problem = React.useState("");
    var open = P.useOpenInTab();
    var cursors = applied[0].cursors;
    var variables = { filter: applied[0].filter, first: PAGE_SIZE, after: cursors[cursors.length - 1] };
    var log = P.useLoad(
      function () {
        return session ? P.request(AUDIT, variables) : Promise.resolve(null);
      },
      JSON.stringify(variables) + (session ? session.user.id : ""),
    );
    if (!session) return h(P.Panel, { title: "Audit log" }, h(P.SignInFirst));

    var d = draft[0];
    function set(name) {
      return function (e) {
        var next = Object.assign({}, d);
        next[name] = e.target.value;
        draft[1](next);
      };
    }
    function apply(event) {
      event.preventDefault();
      problem[1]("");
      Promise.all([userIdOf(d.actor, "Actor"), userIdOf(d.target, "Target")]).then(
        function (ids) {
          applied[1]({
            filter: {
              actorId: ids[0],
              targetId: ids[1],
              action: d.action || undefined,
              createdAfter: isoOrUndefined(d.from),
              createdBefore: isoOrUndefined(d.to),
            },
            cursors: [null],
          });
        },
        function (error) {
          problem[1](error.message);
        },
      );
    }
    var page = log.data && log.data.auditLog;
    return h(
      P.Panel,
      { title: "Audit log" },
      h(
        "form",
        { className: "playground-filters", "aria-label": "Filter the audit log", onSubmit: apply },
        h("input", {
          type: "search",
          "aria-label": "Actor",
          placeholder: "actor e-mail or id",
          value: d.actor,
          onChange: set("actor"),
        }),
        h("input", {
          type: "search",
          "aria-label": "Target",
          placeholder: "target e-mail or id",
          value: d.target,
          onChange: set("target"),
        }),
        h(
          "select",
          { "aria-label": "Action", value: d.action, onChange: set("action") },
          [h("option", { key: "", value: "" }, "every action")].concat(
            ACTIONS.map(function (a) {
              return h("option", { key: a, value: a }, a);
            }),
          ),
        ),
        h(
          "label",
          null,
          "From ",
          h("input", { type: "datetime-local", "aria-label": "From", value: d.from, onChange: set("from") }),
        ),
        h(
          "label",
          null,
          "To ",
          h("input", { type: "datetime-local", "aria-label": "To", value: d.to, onChange: set("to") }),
        ),
        h("button", { type: "submit" }, "Filter"),
      ),
      problem[0] || log.error
        ? h("p", { className: "playground-error", role: "alert" }, problem[0] || log.error)
        : null,
      h(
        "div",
        { className: "playground-table-wrap" },
        h(
          "table",
          { className: "playground-table", "aria-label": "Audit entries" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["When", "Action", "Actor", "Target", "Details", "IP"].map(function (c) {
                return h("th", { key: c }, c);
              }),
            ),
          ),
          h(
            "tbody",
            null,
            page
              ? page.edges.map(function (e) {
                  var a = e.node;
                  return h(
                    "tr",
                    { key: a.id, "data-action": a.action },
                    h("td", null, P.formatTime(a.createdAt)),
                    h("td", null, a.action),
                    h("td", null, a.actor ? a.actor.email : "system"),
                    h("td", null, a.target ? a.target.email : "—"),
                    h("td", { className: "playground-details" }, JSON.stringify(a.details)),
                    h("td", null, a.ipAddress || ""),
                  );
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
          log.loading ? "loading…" : page ? page.edges.length + " entries on this page" : "",
        ),
        h(
          "button",
          {
            type: "button",
            disabled: cursors.length < 2,
            onClick: function () {
              applied[1]({ filter: applied[0].filter, cursors: cursors.slice(0, -1) });
            },
          },
          "Newer",
        ),
        h(
          "button",
          {
            type: "button",
            disabled: !(page && page.pageInfo.hasNextPage),
            onClick: function () {
              applied[1]({ filter: applied[0].filter, cursors: cursors.concat([page.pageInfo.endCursor]) });
            },
          },
          "Older",
        ),
        h(
          "button",
          {
            type: "button",
            onClick: function () {
              open({ query: AUDIT, variables: variables });
            },
          },
          "Open this query in a tab",
        ),
      ),
    );
  }

  P.addPanel("Audit log", P.icon("M9 5h10M9 12h10M9 19h10M4 5h.01M4 12h.01M4 19h.01"), AuditPanel);
})();
